#include "rfa/workflow/lesion_edit.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "rfa/core/error.h"

namespace rfa::workflow {

namespace {

constexpr int kMaxLabel = std::numeric_limits<std::uint16_t>::max();

void markEdited(CaseState& state) {
  if (state.plan) state.plan_stale = true;
  state.segmentation_record = "edited";
}

}  // namespace

int nextLesionLabel(const CaseState& state) {
  int max_label = 0;
  if (state.segmentation.lesions) {
    for (const std::uint16_t v : state.segmentation.lesions->data())
      max_label = std::max<int>(max_label, v);
  }
  if (max_label >= kMaxLabel) {
    throw UnsupportedError("lesion label 65535 is taken: no label left for a new lesion");
  }
  return max_label + 1;
}

std::size_t applyBrush(CaseState& state, const BrushStroke& stroke) {
  if (!(stroke.radius_mm > 0) || !std::isfinite(stroke.radius_mm)) {
    throw UsageError("brush radius must be > 0 mm");
  }
  if (stroke.label < (stroke.erase ? 0 : 1) || stroke.label > kMaxLabel) {
    throw UsageError("brush label " + std::to_string(stroke.label) + " is outside " +
                     (stroke.erase ? "0" : "1") + "..65535");
  }
  const ImageGeometry& g = state.image.image.geometry();
  if (!state.segmentation.lesions) {
    if (stroke.erase) return 0;
    state.segmentation.lesions = LabelMap(g, 0);
  }
  LabelMap& labels = *state.segmentation.lesions;
  const Mask* liver = state.segmentation.liver ? &*state.segmentation.liver : nullptr;
  const Size3 n = g.size();
  // Index box of the ball: the ball's extent along each grid axis through the inverse mapping.
  const Vec3 c = g.lpsToIndex(stroke.centre_lps);
  const Mat3& to_index = g.lpsToIndexMatrix();
  std::array<std::int64_t, 3> lo{}, hi{};
  for (int a = 0; a < 3; ++a) {
    const double reach = stroke.radius_mm * to_index.row(a).norm();
    lo[static_cast<std::size_t>(a)] =
        std::max<std::int64_t>(0, static_cast<std::int64_t>(std::floor(c(a) - reach)));
    hi[static_cast<std::size_t>(a)] =
        std::min<std::int64_t>(static_cast<std::int64_t>(n[static_cast<std::size_t>(a)]) - 1,
                               static_cast<std::int64_t>(std::ceil(c(a) + reach)));
  }
  const auto value = static_cast<std::uint16_t>(stroke.erase ? 0 : stroke.label);
  const double r2 = stroke.radius_mm * stroke.radius_mm;
  auto v = labels.data();
  std::size_t changed = 0;
  for (std::int64_t k = lo[2]; k <= hi[2]; ++k) {
    for (std::int64_t j = lo[1]; j <= hi[1]; ++j) {
      for (std::int64_t i = lo[0]; i <= hi[0]; ++i) {
        const Vec3 p = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        if ((p - stroke.centre_lps).squaredNorm() > r2) continue;
        const std::size_t at =
            static_cast<std::size_t>(i) +
            n[0] * (static_cast<std::size_t>(j) + n[1] * static_cast<std::size_t>(k));
        std::uint16_t& x = v[at];
        if (stroke.erase) {
          if (x == 0 || (stroke.label != 0 && x != stroke.label)) continue;
        } else {
          if (x != 0 || (liver != nullptr && liver->data()[at] == 0)) continue;
        }
        x = value;
        ++changed;
      }
    }
  }
  if (changed > 0) markEdited(state);
  return changed;
}

void LesionEditHistory::begin(const CaseState& state, std::string what) {
  pending_what_ = std::move(what);
  pending_ = true;
  if (state.segmentation.lesions) {
    const auto v = state.segmentation.lesions->data();
    snapshot_.assign(v.begin(), v.end());
  } else {
    snapshot_.assign(state.image.image.data().size(), 0);
  }
}

bool LesionEditHistory::commit(const CaseState& state) {
  if (!pending_) return false;
  pending_ = false;
  Change c;
  c.what = pending_what_;
  if (state.segmentation.lesions) {
    const auto v = state.segmentation.lesions->data();
    if (v.size() != snapshot_.size()) {
      snapshot_.clear();
      return false;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == snapshot_[i]) continue;
      c.index.push_back(i);
      c.before.push_back(snapshot_[i]);
      c.after.push_back(v[i]);
    }
  }
  snapshot_.clear();
  snapshot_.shrink_to_fit();
  if (c.index.empty()) return false;
  done_.push_back(std::move(c));
  undone_.clear();
  return true;
}

void LesionEditHistory::abandon() {
  pending_ = false;
  snapshot_.clear();
  snapshot_.shrink_to_fit();
}

std::string LesionEditHistory::undoText() const {
  return done_.empty() ? std::string() : done_.back().what;
}
std::string LesionEditHistory::redoText() const {
  return undone_.empty() ? std::string() : undone_.back().what;
}

void LesionEditHistory::apply(CaseState& state, const Change& c, bool forward) const {
  if (!state.segmentation.lesions)
    state.segmentation.lesions = LabelMap(state.image.image.geometry(), 0);
  auto v = state.segmentation.lesions->data();
  if (!c.index.empty() && c.index.back() >= v.size()) {
    throw UsageError("the lesion labels are not those edited (another grid): cannot undo/redo");
  }
  const std::vector<std::uint16_t>& values = forward ? c.after : c.before;
  for (std::size_t n = 0; n < c.index.size(); ++n) v[c.index[n]] = values[n];
  markEdited(state);
}

void LesionEditHistory::undo(CaseState& state) {
  if (done_.empty()) throw UsageError("nothing to undo");
  apply(state, done_.back(), false);
  undone_.push_back(std::move(done_.back()));
  done_.pop_back();
}

void LesionEditHistory::redo(CaseState& state) {
  if (undone_.empty()) throw UsageError("nothing to redo");
  apply(state, undone_.back(), true);
  done_.push_back(std::move(undone_.back()));
  undone_.pop_back();
}

void LesionEditHistory::clear() {
  done_.clear();
  undone_.clear();
  abandon();
}

std::size_t LesionEditHistory::bytes() const {
  std::size_t b = 0;
  for (const auto* list : {&done_, &undone_}) {
    for (const Change& c : *list) {
      b += c.index.size() * (sizeof(std::size_t) + 2 * sizeof(std::uint16_t));
    }
  }
  return b;
}

}  // namespace rfa::workflow
