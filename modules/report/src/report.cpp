// The tumour-board report (report.h): content and page layout.
#include "rfa/report/report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "cairo_util.h"
#include "format.h"
#include "pdf_layout.h"
#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/report/probe_image.h"

namespace rfa::report {
namespace {

using detail::Align;
using detail::Document;
using detail::join;
using detail::num;
using detail::pct;
using detail::Table;
using detail::TextStyle;

const TextStyle kBody{9, false};
const TextStyle kSmall{7.5, false, Rgb{60, 60, 60}};
const Rgb kFlagFill{253, 226, 222};
const Rgb kWarnText{170, 30, 30};

// Everything the pages need.
class ReportWriter {
 public:
  ReportWriter(const planning::PlanCase& c, const ReportOptions& o)
      : case_(c), plan_(c.plan), options_(o) {
    if (!c.segmentation.lesions) {
      throw NoDataError("report: the segmentation has no lesion map (lesions.nrrd)");
    }
    if (!c.segmentation.lesions->geometry().sameGrid(c.image.image.geometry())) {
      throw GeometryError("report: the lesion map is not on the image's grid (" +
                          c.image.image.geometry().describe() + ")");
    }
    if (o.session != 0 &&
        std::none_of(plan_.sessions.begin(), plan_.sessions.end(),
                     [&](const planning::PlanSession& s) { return s.index == o.session; })) {
      throw UsageError("--session " + std::to_string(o.session) + ": the plan has " +
                       std::to_string(plan_.sessions.size()) + " session(s)" +
                       (plan_.sessions.empty()
                            ? std::string()
                            : " (1.." + std::to_string(plan_.sessions.size()) + ")"));
    }
    for (const planning::PlanLesion& l : plan_.lesions) lesions_[l.id] = &l;
    key_options_ = o.key_image;
    if (plan_.source.modality == "MR") key_options_.auto_window = true;
    if (c.segmentation.liver) {
      liver_ = &*c.segmentation.liver;
    } else {
      empty_liver_ = Mask(c.image.image.geometry(), 0);
    }
    const std::optional<io::DicomSeries>& s = c.image.series;
    patient_name_ = s ? detail::personName(s->study.patient_name) : "not recorded";
    patient_id_ = s && !s->study.patient_id.empty() ? s->study.patient_id : plan_.source.patient_id;
    if (patient_id_.empty()) patient_id_ = "not recorded";
    study_date_ = s ? detail::dicomDate(s->study.study_date) : "not recorded";
    software_ = o.software.empty() ? std::string("rfaplan") : o.software;
  }

  std::string render(ReportResult* result) {
    summary();
    for (const planning::PlanSession& s : plan_.sessions) {
      if (options_.session != 0 && s.index != options_.session) continue;
      session(s);
      result_.sessions.push_back(s.index);
    }
    if (options_.session == 0) unscheduled();
    methods();
    const std::string title = "RFA treatment plan report: " + case_.plan_file.filename().string() +
                              " (revision " + std::to_string(plan_.revision) +
                              ") - RESEARCH USE ONLY";
    std::string bytes = doc_.finish(
        [this](cairo_t* cr, int page, int pages) { decorate(cr, page, pages); }, title, software_);
    result_.pages = doc_.pageCount();
    if (result != nullptr) *result = result_;
    return bytes;
  }

 private:
  const planning::PlanCase& case_;
  const planning::TreatmentPlan& plan_;
  const ReportOptions& options_;
  KeyImageOptions key_options_;
  std::map<int, const planning::PlanLesion*> lesions_;
  const Mask* liver_ = nullptr;
  Mask empty_liver_;
  std::optional<Mask> vessels_;
  std::string patient_name_, patient_id_, study_date_, software_;
  Document doc_;
  ReportResult result_;

  [[nodiscard]] const Mask& liverMask() const { return liver_ != nullptr ? *liver_ : empty_liver_; }

  // ---- every page -------------------------------------------------------------------------
  void decorate(cairo_t* cr, int page, int pages) {
    const double l = Document::kMarginX;
    const double r = Document::kPageWidth - Document::kMarginX;
    const auto show = [&](double x, double y, const std::string& text, double size, bool bold,
                          const Rgb& colour, Align align) {
      detail::setFont(cr, size, bold);
      detail::setColour(cr, colour);
      const std::string t = detail::safeUtf8(text);
      const double w = detail::textWidth(cr, t);
      const double x0 = align == Align::kRight ? x - w : x;
      cairo_move_to(cr, x0, y);
      cairo_show_text(cr, t.c_str());
      return w;
    };
    const std::string page_text = "page " + std::to_string(page) + " of " + std::to_string(pages);
    show(l, 26, kReportBanner, 8.5, true, kWarnText, Align::kLeft);
    show(r, 26, page_text, 8.5, true, Rgb{20, 20, 20}, Align::kRight);
    std::string who = "Patient " + patient_name_ + " \u00b7 ID " + patient_id_ +
                      " \u00b7 study date " + study_date_ + " \u00b7 plan " +
                      case_.plan_file.filename().string() + ", revision " +
                      std::to_string(plan_.revision);
    const std::string& section = doc_.sectionOf(page);
    detail::setFont(cr, 8, true);
    const double section_w = section.empty() ? 0 : detail::textWidth(cr, section) + 12;
    if (!section.empty()) show(r, 39, section, 8, true, Rgb{20, 40, 90}, Align::kRight);
    double size = 8;
    detail::setFont(cr, size, false);
    while (size > 5.5 && detail::textWidth(cr, who) > r - l - section_w) {
      size -= 0.25;
      detail::setFont(cr, size, false);
    }
    show(l, 39, who, size, false, Rgb{30, 30, 30}, Align::kLeft);
    cairo_set_source_rgb(cr, 0.55, 0.1, 0.1);
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, l, 46);
    cairo_line_to(cr, r, 46);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.7, 0.7, 0.7);
    cairo_set_line_width(cr, 0.4);
    cairo_move_to(cr, l, 815);
    cairo_line_to(cr, r, 815);
    cairo_stroke(cr);
    show(l, 826,
         "Research use only: a planning aid for tumour-board discussion; not a medical device, "
         "not for clinical decisions.",
         6.5, false, Rgb{110, 110, 110}, Align::kLeft);
    show(r, 826, software_, 6.5, false, Rgb{110, 110, 110}, Align::kRight);
  }

  // ---- helpers ------------------------------------------------------------------------------
  [[nodiscard]] std::size_t sliceOf(const planning::PlanLesion& l) const {
    const ImageGeometry& g = case_.image.image.geometry();
    const double k = g.lpsToIndex(l.centroid_lps).z();
    const auto n = static_cast<double>(g.size()[2]);
    return static_cast<std::size_t>(std::clamp(std::round(k), 0.0, std::max(n - 1, 0.0)));
  }

  [[nodiscard]] std::string lesionList(const std::vector<int>& ids) const {
    std::vector<std::string> out;
    for (int id : ids) out.push_back("L" + std::to_string(id));
    return out.empty() ? std::string("none") : join(out);
  }

  [[nodiscard]] std::string limitText() const {
    return pct(plan_.settings.max_ablated_liver_fraction, 1);
  }

  [[nodiscard]] std::string confirmationText() const {
    if (!plan_.settings.confirmed) {
      return "not run: preview ellipsoids only (rfaplan plan --no-confirm)";
    }
    std::set<std::string> backends;
    for (const planning::PlanLesion& l : plan_.lesions) {
      if (l.confirmation) backends.insert(l.confirmation->backend);
    }
    return "run: Pennes bioheat + Arrhenius damage with the vessel heat sink, " +
           num(plan_.settings.confirmation_spacing_mm, 1) + " mm grid" +
           (backends.empty()
                ? std::string()
                : ", " + join(std::vector<std::string>(backends.begin(), backends.end())) +
                      " solver");
  }

  [[nodiscard]] std::string reviewText(const planning::PlanSession& s) const {
    std::string t = s.review_status == planning::ReviewStatus::kNotReviewed
                        ? std::string("not reviewed")
                        : planning::toString(s.review_status);
    if (!s.review_comment.empty()) t += ": " + s.review_comment;
    if (!s.review_by.empty() || !s.review_at.empty()) {
      t += " (" + (s.review_by.empty() ? std::string() : "by " + s.review_by) +
           (s.review_by.empty() || s.review_at.empty() ? "" : ", ") + s.review_at + ")";
    }
    return t;
  }

  [[nodiscard]] std::string labText(const planning::PlanSession& s) const {
    std::string t = planning::toString(s.decision);
    if (!s.lab_date.empty()) t += " (labs of " + s.lab_date + ")";
    return t;
  }

  std::vector<std::string> lesionRow(const planning::PlanLesion& l) const {
    const ImageGeometry& g = case_.image.image.geometry();
    std::string location = "LPS " + num(l.centroid_lps.x(), 0) + ", " + num(l.centroid_lps.y(), 0) +
                           ", " + num(l.centroid_lps.z(), 0) + "\nslice " +
                           std::to_string(sliceOf(l) + 1) + "/" + std::to_string(g.size()[2]) +
                           "\n";
    if (l.vessel_gap_mm) {
      location +=
          "vessel gap " + num(*l.vessel_gap_mm, 1) + " mm" + (l.near_major_vessel ? " (near)" : "");
    } else {
      location += "no vessel \u2265 3 mm";
    }
    std::map<std::pair<std::string, std::string>, int> kinds;
    for (const planning::PlanPlacement& p : l.placements) ++kinds[{p.electrode, p.protocol}];
    std::vector<std::string> electrodes;
    for (const auto& [k, n] : kinds) {
      electrodes.push_back((n > 1 ? std::to_string(n) + "\u00d7 " : std::string()) + k.first +
                           "\n" + k.second);
    }
    std::vector<std::string> paths;
    for (const planning::PlanPlacement& p : l.placements) paths.push_back(num(p.path_length_mm, 0));
    const std::string preview = l.placements.empty()
                                    ? std::string("-")
                                    : num(l.preview.minimal_margin_mm, 1) + "\n" +
                                          num(l.preview.coverage_min_pct, 0) + " % cov.";
    const std::string confirmed =
        l.confirmation ? num(l.confirmation->margins.minimal_margin_mm, 1) + "\n" +
                             num(l.confirmation->margins.coverage_min_pct, 0) + " % cov."
                       : std::string("-");
    const std::string probability = l.uncertainty
                                        ? num(l.uncertainty->probability_margin_ok, 2) + "\n(p10 " +
                                              num(l.uncertainty->p10_margin_mm, 1) + " mm)"
                                        : std::string("-");
    const std::string word = planning::toString(l.flag);
    std::string flag = word;
    if (l.flag != planning::LesionFlag::kNone && !l.reason.empty()) {
      flag = l.reason.starts_with(word) ? l.reason : word + ": " + l.reason;
    }
    return {"L" + std::to_string(l.id),
            num(l.diameter_mm, 1),
            num(l.volume_ml, 2),
            location,
            electrodes.empty() ? std::string("-") : join(electrodes, "\n"),
            std::to_string(l.placements.size()),
            paths.empty() ? std::string("-") : join(paths),
            preview,
            confirmed,
            probability,
            flag};
  }

  void lesionTable(const std::vector<int>& ids) {
    Table t;
    t.font_size = 7;
    const std::string m = num(plan_.settings.minimum_margin_mm, 0);
    t.columns = {{"Lesion", 30, Align::kLeft},  // 523 pt in all: the text width
                 {"Diam. mm", 30, Align::kRight},
                 {"Vol. mL", 30, Align::kRight},
                 {"Location / vessel", 72, Align::kLeft},
                 {"Electrode, protocol", 84, Align::kLeft},
                 {"Abl.", 22, Align::kRight},
                 {"Path mm", 34, Align::kRight},
                 {"Preview margin mm", 42, Align::kRight},
                 {"Bioheat margin mm", 42, Align::kRight},
                 {"P(margin \u2265 " + m + " mm)", 42, Align::kRight},
                 {"Flag, reason", 95, Align::kLeft}};
    for (int id : ids) {
      const auto it = lesions_.find(id);
      if (it == lesions_.end()) continue;
      t.rows.push_back(lesionRow(*it->second));
      t.row_fill.push_back(it->second->flag != planning::LesionFlag::kNone
                               ? std::optional<Rgb>(kFlagFill)
                               : std::nullopt);
    }
    doc_.table(t);
  }

  // ---- page 1 -------------------------------------------------------------------------------
  void summary() {
    doc_.section = "Summary";
    doc_.newPage();
    doc_.heading("Treatment plan summary", 1);
    const planning::PlanSource& src = plan_.source;
    const std::optional<io::DicomSeries>& s = case_.image.series;
    const ImageGeometry& g = case_.image.image.geometry();
    std::string study = study_date_;
    if (s && !s->study.study_description.empty()) study += " \u00b7 " + s->study.study_description;
    if (s && !s->study.accession_number.empty())
      study += " \u00b7 accession " + s->study.accession_number;
    study +=
        " \u00b7 UID " +
        detail::shortUid(src.study_instance_uid.empty() ? "not recorded" : src.study_instance_uid);
    std::string series = (src.modality.empty() ? std::string("image") : src.modality);
    if (s && !s->description.empty()) series += " \u00b7 " + s->description;
    series += " \u00b7 UID " + detail::shortUid(src.series_instance_uid.empty()
                                                    ? std::string("none (volume file)")
                                                    : src.series_instance_uid);
    series += " \u00b7 " + std::to_string(g.size()[0]) + "\u00d7" + std::to_string(g.size()[1]) +
              "\u00d7" + std::to_string(g.size()[2]) + " voxels of " + num(g.spacing()[0], 2) +
              "\u00d7" + num(g.spacing()[1], 2) + "\u00d7" + num(g.spacing()[2], 2) + " mm";
    std::size_t scheduled = 0;
    std::size_t flagged = 0;
    for (const planning::PlanLesion& l : plan_.lesions) {
      if (l.session > 0) ++scheduled;
      if (l.flag != planning::LesionFlag::kNone) ++flagged;
    }
    const double fraction = plan_.cumulative_liver_fraction;
    const bool within = fraction < plan_.settings.max_ablated_liver_fraction;
    std::string uncertainty =
        plan_.settings.uncertainty_samples > 0
            ? std::to_string(plan_.settings.uncertainty_samples) +
                  " Monte Carlo samples of the needle placement error (mean 3D error " +
                  num(plan_.settings.mean_targeting_error_mm, 1) + " mm" +
                  (plan_.settings.guidance.empty() ? std::string()
                                                   : ", guidance " + plan_.settings.guidance) +
                  ")"
            : std::string("not analysed");
    doc_.keyValues({
        {"Patient", patient_name_ + " \u00b7 ID " + patient_id_},
        {"Study", study},
        {"Series", series},
        {"Frame of reference",
         detail::shortUid(src.frame_of_reference_uid.empty() ? "not recorded"
                                                             : src.frame_of_reference_uid) +
             (src.frame_of_reference_generated ? " (derived: the series had none)" : "")},
        {"Image loaded from", case_.image_path.string()},
        {"Segmentation", case_.segmentation_dir.string() +
                             (src.segmentation.empty() ? "" : " (plan: " + src.segmentation + ")")},
        {"Plan file", case_.plan_file.filename().string() + ", revision " +
                          std::to_string(plan_.revision) + ", made by " +
                          (plan_.software.empty() ? std::string("?") : plan_.software)},
        {"Protocol profile", plan_.settings.profile},
        {"Margins", "minimum " + num(plan_.settings.minimum_margin_mm, 1) + " mm, target " +
                        num(plan_.settings.target_margin_mm, 1) + " mm"},
        {"Electrodes",
         plan_.settings.electrodes.empty() ? std::string("-") : join(plan_.settings.electrodes)},
        {"Bioheat confirmation", confirmationText()},
        {"Targeting uncertainty", uncertainty},
        {"Targeting error from", plan_.settings.targeting_error_source.empty()
                                     ? std::string("not recorded")
                                     : plan_.settings.targeting_error_source},
        {"Liver volume", num(plan_.liver_volume_ml, 0) + " mL"},
        {"Total ablated", num(plan_.cumulative_volume_ml, 1) + " mL = " + pct(fraction, 1) +
                              " of the liver (limit " + limitText() + ": " +
                              (within ? "within" : "EXCEEDED") + ")"},
        {"Lesions", std::to_string(plan_.lesions.size()) + " planned, " +
                        std::to_string(scheduled) + " scheduled in " +
                        std::to_string(plan_.sessions.size()) + " session(s), " +
                        std::to_string(plan_.lesions.size() - scheduled) + " not scheduled, " +
                        std::to_string(flagged) + " flagged"},
        {"Fits the profile", plan_.fits_profile
                                 ? std::string("yes: every lesion in a session with its margin "
                                               "(or a flag and a reason)")
                                 : std::string("NO: best partial plan (see the notes and flags)")},
    });
    std::vector<std::string> notes = plan_.notes;
    for (const std::string& n : case_.notes) notes.push_back("image: " + n);
    if (!notes.empty()) {
      doc_.heading("Notes", 2, 20);
      doc_.bullets(notes, kBody);
    }

    doc_.heading("Sessions", 2);
    Table t;
    t.font_size = 8;
    t.columns = {{"Session", 44, Align::kLeft},       {"Lesions", 110, Align::kLeft},
                 {"Ablated mL", 56, Align::kRight},   {"% liver", 50, Align::kRight},
                 {"Lab decision", 115, Align::kLeft}, {"Review", 148, Align::kLeft}};
    for (const planning::PlanSession& s2 : plan_.sessions) {
      t.rows.push_back({std::to_string(s2.index), lesionList(s2.lesion_ids),
                        num(s2.ablated_volume_ml, 1), pct(s2.liver_fraction, 1), labText(s2),
                        reviewText(s2)});
      t.row_fill.push_back(s2.decision == planning::SessionDecision::kPostpone ||
                                   s2.review_status == planning::ReviewStatus::kRejected
                               ? std::optional<Rgb>(kFlagFill)
                               : std::nullopt);
    }
    if (plan_.sessions.empty()) {
      doc_.paragraph("No session could be scheduled.", kBody);
    } else {
      doc_.table(t);
    }

    doc_.heading("Lesions not scheduled", 2, 20);
    if (plan_.unplaced.empty()) {
      doc_.paragraph("None: every lesion is in a session.", kBody);
    } else {
      Table u;
      u.font_size = 8;
      u.columns = {{"Lesion", 44, Align::kLeft},
                   {"Diam. mm", 50, Align::kRight},
                   {"Reason", 429, Align::kLeft}};
      for (const planning::PlanUnplaced& p : plan_.unplaced) {
        const auto it = lesions_.find(p.id);
        u.rows.push_back({"L" + std::to_string(p.id),
                          it != lesions_.end() ? num(it->second->diameter_mm, 1) : "-", p.reason});
      }
      doc_.table(u);
    }

    doc_.heading("Timeline", 2);
    if (plan_.timeline.empty()) {
      doc_.paragraph("No timeline (no session).", kBody);
    } else {
      if (plan_.settings.start_date.empty()) {
        doc_.paragraph("Days from the first RFA (no start date given).", kSmall);
      }
      Table tl;
      tl.font_size = 7.5;
      tl.columns = {{"Day", 36, Align::kRight},
                    {"Date", 64, Align::kLeft},
                    {"Event", 150, Align::kLeft},
                    {"Details", 273, Align::kLeft}};
      for (const planning::PlanEvent& e : plan_.timeline) {
        std::string kind;
        switch (e.kind) {
          case planning::EventKind::kRfa:
            kind = "RFA session " + std::to_string(e.session);
            break;
          case planning::EventKind::kSystemicCycle:
            kind = "systemic therapy, cycle " + std::to_string(e.cycle);
            break;
          case planning::EventKind::kImagingTechnicalSuccess:
            kind = "CT/MRI: technical success";
            break;
          case planning::EventKind::kImagingFollowup:
            kind = "follow-up imaging + labs";
            break;
        }
        tl.rows.push_back(
            {std::to_string(e.day), e.date.empty() ? std::string("-") : e.date, kind, e.text});
        tl.row_fill.push_back(e.kind == planning::EventKind::kRfa
                                  ? std::optional<Rgb>(Rgb{226, 238, 252})
                                  : std::nullopt);
      }
      doc_.table(tl);
    }
  }

  // ---- session sections ---------------------------------------------------------------------
  void session(const planning::PlanSession& s) {
    doc_.section = "Session " + std::to_string(s.index);
    doc_.newPage();
    doc_.heading("Session " + std::to_string(s.index) + ": " + lesionList(s.lesion_ids), 1);
    const bool within = s.liver_fraction < plan_.settings.max_ablated_liver_fraction;
    doc_.keyValues({
        {"Ablated volume", num(s.ablated_volume_ml, 1) + " mL = " + pct(s.liver_fraction, 1) +
                               " of the liver (" + num(plan_.liver_volume_ml, 0) + " mL; limit " +
                               limitText() + ": " + (within ? "within" : "EXCEEDED") + ")"},
        {"Pre-session labs", labText(s)},
        {"Tumour-board review", reviewText(s)},
    });
    doc_.heading("Why these lesions together", 2, 20);
    if (s.reasons.empty()) {
      doc_.paragraph("No reason recorded.", kBody);
    } else {
      doc_.bullets(s.reasons, kBody);
    }
    doc_.heading("Lesions", 2);
    lesionTable(s.lesion_ids);
    labs(s);
    keyImages(s.lesion_ids, s.index);
    probeImages(s.lesion_ids, s.index);
    if (options_.overview3d) overview(s.index);
  }

  void labs(const planning::PlanSession& s) {
    doc_.heading("Lab check" + (s.lab_date.empty() ? std::string() : " (" + s.lab_date + ")"), 2,
                 30);
    if (!s.labs) {
      doc_.paragraph(
          "No labs given: blood routine, biochemistry and coagulation must be checked "
          "against the profile before this session (decision: " +
              planning::toString(s.decision) + ").",
          kBody);
      return;
    }
    Table t;
    t.font_size = 7.5;
    t.columns = {{"Check", 44, Align::kLeft},  {"Value", 50, Align::kRight},
                 {"Limit", 50, Align::kRight}, {"Unit", 44, Align::kLeft},
                 {"Status", 44, Align::kLeft}, {"Detail", 211, Align::kLeft},
                 {"Source", 80, Align::kLeft}};
    for (const planning::LabCheck& c : s.labs->checks) {
      const std::string name =
          c.quantity.empty() || c.quantity == c.name ? c.name : c.name + " (" + c.quantity + ")";
      t.rows.push_back({name, c.value ? num(*c.value, 2) : std::string("missing"),
                        c.limit ? num(*c.limit, 2) : std::string("-"), c.unit,
                        planning::toString(c.status), c.text, c.source});
      t.row_fill.push_back(c.status == planning::CheckStatus::kPassed
                               ? std::nullopt
                               : std::optional<Rgb>(kFlagFill));
    }
    doc_.table(t);
    TextStyle st = kBody;
    st.bold = true;
    if (s.labs->decision != planning::LabDecision::kProceed) st.colour = kWarnText;
    doc_.paragraph(
        "Decision: " + planning::toString(s.labs->decision) +
            (s.labs->reasons.empty() ? std::string() : " \u2014 " + join(s.labs->reasons, "; ")),
        st);
  }

  void keyImageLegend(int session) {
    const double y = doc_.y + 8;
    const double x = doc_.left();
    doc_.legendItem(x, y, kLiverColour, "outline", "liver");
    doc_.legendItem(x + 55, y, kLesionColour, "fill", "lesion");
    doc_.legendItem(x + 115, y, kMarginColour, "outline",
                    "lesion + " + num(plan_.settings.minimum_margin_mm, 0) + " mm");
    doc_.legendItem(x + 205, y, sessionColour(session), "outline", "preview zone");
    doc_.legendItem(x + 290, y, sessionColour(session), "line",
                    "needle \u00b1" + std::to_string(key_options_.solid_slices) + " slices");
    doc_.legendItem(x + 380, y, sessionColour(session), "dash", "beyond");
    doc_.legendItem(x + 435, y, sessionColour(session), "dot", "tip");
    doc_.legendItem(x + 475, y, sessionColour(session), "ring", "entry");
    doc_.y += 14;
  }

  void keyImages(const std::vector<int>& ids, int session) {
    std::vector<const planning::PlanLesion*> list;
    for (int id : ids) {
      const auto it = lesions_.find(id);
      if (it != lesions_.end()) list.push_back(it->second);
    }
    if (list.empty()) return;
    constexpr int kPerRow = 3;
    const double gap = 12;
    const double size = (doc_.width() - gap * (kPerRow - 1)) / kPerRow;
    const double caption = 2 * Document::lineHeight(kSmall) + 4;
    doc_.heading("Key images (axial, through each lesion centroid)", 2, size + caption + 16);
    keyImageLegend(session);
    for (std::size_t i = 0; i < list.size(); i += kPerRow) {
      if (i > 0 && doc_.spaceLeft() < size + caption) {
        doc_.newPage();
        doc_.heading("Key images (continued)", 2, size + caption + 16);
        keyImageLegend(session);
      }
      doc_.need(size + caption);
      const double top = doc_.y;
      for (std::size_t j = i; j < std::min(list.size(), i + kPerRow); ++j) {
        const planning::PlanLesion& l = *list[j];
        const KeyImage img = renderKeyImage(case_.image.image, liver_, *case_.segmentation.lesions,
                                            plan_, l.id, key_options_);
        const double x = doc_.left() + static_cast<double>(j - i) * (size + gap);
        const detail::PlacedBox box = doc_.picture(img.pixels, x, top, size, size);
        result_.pictures.push_back(
            {"key", session, l.id, img.slice, box.page, box.x, box.y, box.w, box.h});
        const double field = img.mm_per_px * img.pixels.width;
        doc_.text(x, top + size + kSmall.size + 2,
                  "L" + std::to_string(l.id) + " \u00b7 slice " + std::to_string(img.slice + 1) +
                      "/" + std::to_string(img.slices) + " \u00b7 " + num(l.diameter_mm, 0) +
                      " mm \u00b7 " + std::to_string(l.placements.size()) + " ablation(s)",
                  kSmall);
        doc_.text(x, top + size + kSmall.size + 2 + Document::lineHeight(kSmall),
                  "W " + num(img.window, 0) + " / L " + num(img.level, 0) + " \u00b7 field " +
                      num(field, 0) + " mm \u00b7 " + std::to_string(img.zones_cut) +
                      " zone(s) cut",
                  kSmall);
      }
      doc_.y = top + size + caption;
    }
  }

  // The simulated ultrasound of each lesion's recorded probe window (probe_image.h).
  void probeImages(const std::vector<int>& ids, int session) {
    std::vector<const planning::PlanLesion*> list;
    for (int id : ids) {
      const auto it = lesions_.find(id);
      if (it != lesions_.end() && it->second->ultrasound) list.push_back(it->second);
    }
    if (list.empty()) return;
    constexpr int kPerRow = 3;
    const double gap = 12;
    const double size = (doc_.width() - gap * (kPerRow - 1)) / kPerRow;
    const double caption = 3 * Document::lineHeight(kSmall) + 4;
    const auto legend = [&] {
      const double y = doc_.y + 8;
      const double x = doc_.left();
      doc_.legendItem(x, y, kLesionColour, "outline", "lesion in the beam's slice");
      doc_.legendItem(x + 130, y, sessionColour(session), "outline", "preview zone");
      doc_.legendItem(x + 215, y, blend(sessionColour(session), Rgb{255, 255, 255}, 0.35), "line",
                      "needle in the plane, tip dot");
      doc_.legendItem(x + 345, y, Rgb{28, 36, 64}, "fill", "beyond the CT (no data)");
      doc_.y += 14;
    };
    doc_.heading("Ultrasound (simulated from CT, probe in the first needle's plane)", 2,
                 size + caption + 16);
    doc_.paragraph(
        "What the operator should see: B-mode-like images simulated from the CT (reflection at "
        "impedance steps, shadows behind bone and gas, attenuation, speckle) for the probe window "
        "the plan found, probe face at the top. A planning aid, not an ultrasound examination.",
        kSmall);
    legend();
    for (std::size_t i = 0; i < list.size(); i += kPerRow) {
      if (i > 0 && doc_.spaceLeft() < size + caption) {
        doc_.newPage();
        doc_.heading("Ultrasound (continued)", 2, size + caption + 16);
        legend();
      }
      doc_.need(size + caption);
      const double top = doc_.y;
      for (std::size_t j = i; j < std::min(list.size(), i + kPerRow); ++j) {
        const planning::PlanLesion& l = *list[j];
        const double x = doc_.left() + static_cast<double>(j - i) * (size + gap);
        const planning::PlanUltrasound& u = *l.ultrasound;
        if (!u.access.empty()) {
          const ProbeImage img =
              renderProbeImage(case_.image.image, *case_.segmentation.lesions,
                               case_.segmentation.bone ? &*case_.segmentation.bone : nullptr,
                               case_.segmentation.lung ? &*case_.segmentation.lung : nullptr,
                               vesselMask(), plan_, l.id, 400);
          const detail::PlacedBox box = doc_.picture(img.pixels, x, top, size, size);
          result_.pictures.push_back(
              {"ultrasound", session, l.id, 0, box.page, box.x, box.y, box.w, box.h});
        } else {
          doc_.text(x, top + size / 2, "no probe window found", kSmall);
        }
        const std::vector<std::string> lines =
            doc_.wrap("L" + std::to_string(l.id) + " \u00b7 " + windowSummary(l) +
                          (u.paths_assessed > 0 ? " \u00b7 " + std::to_string(u.paths_visible) +
                                                      "/" + std::to_string(u.paths_assessed) +
                                                      " safe paths in a visible probe plane"
                                                : std::string()) +
                          (u.flags.empty() ? std::string() : " \u00b7 " + join(u.flags, "; ")),
                      kSmall, size);
        double ly = top + size + kSmall.size + 2;
        for (std::size_t k = 0; k < std::min<std::size_t>(lines.size(), 3); ++k) {
          doc_.text(x, ly, lines[k], kSmall);
          ly += Document::lineHeight(kSmall);
        }
      }
      doc_.y = top + size + caption;
    }
  }

  // The vessels as a mask (fluid for the ultrasound images), made once; null without vessels.
  const Mask* vesselMask() {
    if (!case_.segmentation.vessel_radius_mm) return nullptr;
    if (!vessels_) vessels_ = io::vesselMaskOf(case_.segmentation);
    return &*vessels_;
  }

  void overview(int session) {
    const double w = 330;
    const double h = w * options_.overview.height_px / options_.overview.width_px;
    doc_.heading("3D overview (anterior view)", 2, h + 10);
    const double top = doc_.y;
    const Overview3d ov = renderOverview3d(liverMask(), *case_.segmentation.lesions, plan_, session,
                                           options_.overview);
    const detail::PlacedBox box = doc_.picture(ov.pixels, doc_.left(), top, w, h);
    result_.pictures.push_back({"overview", session, 0, 0, box.page, box.x, box.y, box.w, box.h});
    const double lx = doc_.left() + w + 14;
    double ly = top + 10;
    const Rgb zone = sessionColour(session);
    const std::vector<std::tuple<Rgb, std::string, std::string>> items{
        {kLiverColour, "fill", "liver (translucent)"},
        {kLesionColour, "fill", "lesions of this session"},
        {kOtherLesionColour, "fill", "other lesions"},
        {zone, "fill", "preview ablation zones"},
        {blend(zone, Rgb{255, 255, 255}, 0.35), "line", "needles, skin entry to tip"},
        {Rgb{255, 255, 255}, "dot", "needle tip"},
    };
    for (const auto& [c, kind, label] : items) {
      doc_.legendItem(lx, ly, c, kind, label, 8);
      ly += 14;
    }
    ly += 4;
    const std::vector<std::string> lines = doc_.wrap(
        "View from anterior, turned " + num(options_.overview.azimuth_deg, 0) +
            "\u00b0 towards the patient's left and " + num(options_.overview.elevation_deg, 0) +
            "\u00b0 from above; the patient's right is on the left. Volumes averaged onto a " +
            num(ov.grid_spacing_mm.x(), 1) + " \u00d7 " + num(ov.grid_spacing_mm.y(), 1) +
            " \u00d7 " + num(ov.grid_spacing_mm.z(), 1) +
            " mm grid. Needles are drawn over the surfaces (no depth cue).",
        kSmall, doc_.right() - lx);
    for (const std::string& line : lines) {
      doc_.text(lx, ly, line, kSmall);
      ly += Document::lineHeight(kSmall);
    }
    doc_.y = std::max(top + h, ly) + 8;
  }

  // ---- lesions not scheduled ----------------------------------------------------------------
  void unscheduled() {
    std::vector<int> ids;
    for (const planning::PlanLesion& l : plan_.lesions) {
      if (l.session == 0) ids.push_back(l.id);
    }
    if (ids.empty()) return;
    doc_.section = "Not scheduled";
    doc_.newPage();
    doc_.heading("Lesions not scheduled: " + lesionList(ids), 1);
    doc_.paragraph(
        "These lesions are in no session; their best (partial) plan is shown with the "
        "reason. Zones and needles are grey.",
        kBody);
    lesionTable(ids);
    keyImages(ids, 0);
  }

  // ---- methods ------------------------------------------------------------------------------
  void methods() {
    doc_.section = "Methods";
    doc_.newPage();
    doc_.heading("Methods and assumptions", 1);
    const std::string m = num(plan_.settings.minimum_margin_mm, 0);
    const std::string tm = num(plan_.settings.target_margin_mm, 0);
    const std::vector<std::pair<std::string, std::string>> sections{
        {"Images and coordinates",
         "The plan was made on the series named on page 1; the report reloads that series and "
         "checks its UID, its grid and a SHA-256 of its voxels against the plan. Positions are "
         "DICOM patient coordinates (LPS: x to the patient's left, y posterior, z superior) in "
         "millimetres. Key images are the acquired slice through each lesion's centroid, shown "
         "as in radiological convention (the patient's right on the left of the image, anterior "
         "at the top), cropped around the lesion."},
        {"Segmentation",
         "Liver and lesions come from the segmentation folder of the plan (automatic, or as "
         "given); every lesion found was planned. Review it: a missed or spurious lesion changes "
         "the plan."},
        {"Preview zones",
         "Each ablation is shown as its preview ellipsoid: the zone of the electrode and protocol "
         "computed once by the bioheat solver in homogeneous perfused liver and fitted by an "
         "ellipsoid around the needle. The preview knows neither vessels nor the surrounding "
         "organs; it is what the placement search optimises, and what the key images and the 3D "
         "view draw."},
        {"Bioheat confirmation",
         "When run (page 1), every placement was simulated with the Pennes bioheat equation (RF "
         "heating, Arrhenius tissue damage) on the patient's tissue, large vessels (\u2265 3 mm) "
         "held at blood temperature. The 'bioheat margin' column gives the margin of the union of "
         "the simulated zones; the simulated zones themselves are not drawn. Without it, the "
         "margins are those of the preview only."},
        {"Margins",
         "The minimal ablative margin is the smallest distance from the lesion to the edge of the "
         "union of its zones (negative: part of the lesion is outside). Coverage is the share of "
         "the lesion grown by the minimum margin (" +
             m + " mm) that the zones contain; the target margin is " + tm +
             " mm. P(margin \u2265 " + m +
             " mm) is the share of Monte Carlo trials, each needle tip displaced by a random "
             "placement error, whose margin still reaches the minimum; p10 is the 10th percentile "
             "margin."},
        {"Flags",
         "'too large': the lesion with its minimum margin is not covered by the allowed number of "
         "overlapping ablations of any electrode. 'heat sink': the preview covers it but the "
         "bioheat confirmation does not, and a vessel \u2265 3 mm lies next to the point that "
         "falls "
         "short: flowing blood carries heat away and shrinks the zone on that side. 'vessel': a "
         "large vessel at the lesion's short side. 'no safe path': every needle path crosses bone, "
         "lung, gallbladder or a large vessel, or is too long or outside the acoustic window."},
        {"Sessions, labs and timeline",
         "Lesions are grouped into sessions of the profile's size (batch RFA: 2-6 lesions, at "
         "most 3 sessions), each session and the total under the profile's ablated liver "
         "fraction (" +
             limitText() +
             "). Lab decisions apply the profile's rules mechanically (proceed, postpone, "
             "incomplete when a value is missing). The timeline follows the profile's intervals: "
             "systemic therapy between sessions, imaging after each RFA, follow-up."},
    };
    for (const auto& [title, text] : sections) {
      doc_.heading(title, 2, 24);
      doc_.paragraph(text, kBody);
    }
    doc_.heading("Software", 2, 24);
    doc_.paragraph("Report written by " + software_ + "; plan made by " +
                       (plan_.software.empty() ? std::string("(not recorded)") : plan_.software) +
                       ", plan format version " + std::to_string(plan_.format_version) + ".",
                   kBody);
    doc_.need(60);
    doc_.y += 8;
    cairo_t* cr = doc_.cr();
    cairo_set_source_rgb(cr, 0.99, 0.92, 0.9);
    cairo_rectangle(cr, doc_.left(), doc_.y, doc_.width(), 44);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.66, 0.12, 0.12);
    cairo_set_line_width(cr, 1.2);
    cairo_stroke(cr);
    doc_.text(doc_.left() + doc_.width() / 2, doc_.y + 18, "RESEARCH USE ONLY",
              TextStyle{13, true, kWarnText}, Align::kCentre);
    doc_.text(doc_.left() + doc_.width() / 2, doc_.y + 34,
              "Not a medical device. Not for clinical decisions: every number here must be "
              "checked by the treating team.",
              TextStyle{8.5, false, kWarnText}, Align::kCentre);
    doc_.y += 52;
  }
};

}  // namespace

std::string renderReportPdf(const planning::PlanCase& plan_case, const ReportOptions& options,
                            ReportResult* result) {
  ReportWriter writer(plan_case, options);
  return writer.render(result);
}

ReportResult writeReport(const planning::PlanCase& plan_case, const std::filesystem::path& out,
                         const ReportOptions& options) {
  ReportResult result;
  const std::string bytes = renderReportPdf(plan_case, options, &result);
  writeFileAtomically(out, bytes);
  result.file = out;
  result.bytes = bytes.size();
  return result;
}

}  // namespace rfa::report
