// The regions of interest of a plan (plan_rois.h).
#include "rfa/dicomexport/plan_rois.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "rfa/core/error.h"
#include "rfa/segmentation/distance.h"

namespace rfa::dicomexport {
namespace {

const CodedConcept kAnatomicalStructure{"123037004", "SCT", "Anatomical Structure"};
const CodedConcept kLiverCode{"10200004", "SCT", "Liver"};
const CodedConcept kMorphAltered{"49755003", "SCT", "Morphologically Altered Structure"};
const CodedConcept kNeoplasm{"108369006", "SCT", "Neoplasm"};
const CodedConcept kSpatial{"309825002", "SCT", "Spatial and Relational Concept"};
const CodedConcept kMarginCode{"RFA-MARGIN", "99RFAPLAN", "Lesion with minimum ablative margin"};
const CodedConcept kZoneCode{"RFA-ZONE", "99RFAPLAN", "Planned ablation zone"};

std::string number(double v) {
  std::array<char, 32> b{};
  std::snprintf(b.data(), b.size(), "%.1f", v);
  std::string s(b.data());
  if (s.size() > 2 && s.substr(s.size() - 2) == ".0") s.resize(s.size() - 2);
  return s;
}

std::string sessionText(int s) {
  return s > 0 ? "S" + std::to_string(s) : std::string("S-");
}

// Voxels whose centre lies within `margin_mm` of a voxel of `lesion` (exact distance), computed on
// the lesion's bounding box grown by the margin.
Mask grow(const Mask& lesion, double margin_mm) {
  const ImageGeometry& g = lesion.geometry();
  const auto& s = g.size();
  std::array<std::size_t, 3> lo{s[0], s[1], s[2]};
  std::array<std::size_t, 3> hi{0, 0, 0};
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (lesion(i, j, k) == 0) continue;
        lo = {std::min(lo[0], i), std::min(lo[1], j), std::min(lo[2], k)};
        hi = {std::max(hi[0], i), std::max(hi[1], j), std::max(hi[2], k)};
      }
    }
  }
  Mask out(g, 0);
  if (lo[0] > hi[0]) return out;
  for (int a = 0; a < 3; ++a) {
    const auto pad = static_cast<std::size_t>(std::ceil(margin_mm / g.spacing()[a])) + 1;
    lo[a] = lo[a] > pad ? lo[a] - pad : 0;
    hi[a] = std::min(s[a] - 1, hi[a] + pad);
  }
  const Size3 cs{hi[0] - lo[0] + 1, hi[1] - lo[1] + 1, hi[2] - lo[2] + 1};
  const ImageGeometry cg(cs, g.spacing(),
                         g.indexToLps(Vec3(static_cast<double>(lo[0]), static_cast<double>(lo[1]),
                                           static_cast<double>(lo[2]))),
                         g.direction());
  Mask crop(cg, 0);
  for (std::size_t k = 0; k < cs[2]; ++k) {
    for (std::size_t j = 0; j < cs[1]; ++j) {
      for (std::size_t i = 0; i < cs[0]; ++i)
        crop(i, j, k) = lesion(lo[0] + i, lo[1] + j, lo[2] + k);
    }
  }
  const Volume<float> d2 = segmentation::squaredDistanceMm2(crop);
  const auto limit = static_cast<float>(margin_mm * margin_mm);
  for (std::size_t k = 0; k < cs[2]; ++k) {
    for (std::size_t j = 0; j < cs[1]; ++j) {
      for (std::size_t i = 0; i < cs[0]; ++i) {
        if (d2(i, j, k) <= limit) out(lo[0] + i, lo[1] + j, lo[2] + k) = 1;
      }
    }
  }
  return out;
}

}  // namespace

RoiColour sessionColour(int session) {
  switch (session) {
    case 1:
      return {60, 200, 80};
    case 2:
      return {70, 130, 255};
    case 3:
      return {220, 80, 220};
    default:
      return {160, 160, 160};
  }
}

std::vector<Roi> planRois(const planning::TreatmentPlan& plan, const Mask& liver,
                          const LabelMap& lesions, const PlanRoiOptions& options) {
  if (options.session != 0 &&
      std::none_of(plan.sessions.begin(), plan.sessions.end(),
                   [&](const planning::PlanSession& s) { return s.index == options.session; })) {
    throw UsageError("session " + std::to_string(options.session) + " is not in the plan (it has " +
                     std::to_string(plan.sessions.size()) + " session(s))");
  }
  if (!lesions.geometry().sameGrid(liver.geometry())) {
    throw GeometryError("the lesion map (" + lesions.geometry().describe() +
                        ") is not on the liver's grid (" + liver.geometry().describe() + ")");
  }
  const ImageGeometry& grid = liver.geometry();
  std::vector<Roi> rois;
  int next = 1;
  if (options.liver) {
    Roi r;
    r.number = next++;
    r.name = "Liver";
    r.description = "liver, " + number(plan.liver_volume_ml) + " mL";
    r.role = RoiRole::kLiver;
    r.interpreted_type = "ORGAN";
    r.colour = kLiverColour;
    r.category = kAnatomicalStructure;
    r.type = kLiverCode;
    r.mask = liver;
    rois.push_back(std::move(r));
  }
  const double margin = plan.settings.minimum_margin_mm;
  for (const planning::PlanLesion& l : plan.lesions) {
    if (options.session != 0 && l.session != options.session) continue;
    const std::string tag = "L" + std::to_string(l.id) + " " + sessionText(l.session);
    Mask lesion(grid, 0);
    std::size_t n = 0;
    const auto src = lesions.data();
    auto dst = lesion.data();
    for (std::size_t v = 0; v < src.size(); ++v) {
      if (src[v] == l.id) {
        dst[v] = 1;
        ++n;
      }
    }
    if (n == 0) {
      throw NoDataError("lesion " + std::to_string(l.id) +
                        " of the plan has no voxel in the lesion map");
    }
    if (options.lesions) {
      Roi r;
      r.number = next++;
      r.name = "GTV " + tag;
      r.description = "lesion " + std::to_string(l.id) + ", " + number(l.diameter_mm) + " mm, " +
                      number(l.volume_ml) + " mL" +
                      (l.session > 0 ? ", session " + std::to_string(l.session) : ", unscheduled");
      r.role = RoiRole::kLesion;
      r.interpreted_type = "GTV";
      r.colour = kLesionColour;
      r.category = kMorphAltered;
      r.type = kNeoplasm;
      r.lesion_id = l.id;
      r.session = l.session;
      r.mask = lesion;
      rois.push_back(std::move(r));
    }
    if (options.margins) {
      Roi r;
      r.number = next++;
      r.name = "GTV L" + std::to_string(l.id) + " +" + number(margin) + "mm";
      r.description =
          "lesion " + std::to_string(l.id) + " + " + number(margin) + " mm minimum ablative margin";
      r.role = RoiRole::kLesionMargin;
      r.interpreted_type = "PTV";
      r.colour = kMarginColour;
      r.category = kSpatial;
      r.type = kMarginCode;
      r.lesion_id = l.id;
      r.session = l.session;
      r.mask = grow(lesion, margin);
      rois.push_back(std::move(r));
    }
    for (std::size_t p = 0; p < l.placements.size(); ++p) {
      const planning::PlanPlacement& pl = l.placements[p];
      const std::string pn = " #" + std::to_string(p + 1);
      if (options.zones) {
        Roi r;
        r.number = next++;
        r.name = "Zone " + tag + pn;
        r.description = pl.electrode + " " + pl.protocol + " preview zone " +
                        number(pl.zone.volumeMl()) + " mL";
        r.role = RoiRole::kAblationZone;
        r.interpreted_type = "TREATED_VOLUME";
        r.colour = sessionColour(l.session);
        r.category = kSpatial;
        r.type = kZoneCode;
        r.lesion_id = l.id;
        r.session = l.session;
        r.placement = static_cast<int>(p + 1);
        r.mask = pl.zone.rasterize(grid);
        rois.push_back(std::move(r));
      }
      if (options.needles) {
        Roi r;
        r.number = next++;
        r.name = "Needle " + tag + pn;
        r.description = pl.electrode + " skin entry to tip, " + number(pl.path_length_mm) + " mm";
        r.role = RoiRole::kNeedle;
        r.interpreted_type = "";
        r.colour = sessionColour(l.session);
        r.lesion_id = l.id;
        r.session = l.session;
        r.placement = static_cast<int>(p + 1);
        r.line_lps = {pl.entry_lps, pl.tip_lps};
        rois.push_back(std::move(r));
      }
    }
  }
  return rois;
}

}  // namespace rfa::dicomexport
