// The open case and its steps (case_state.h).
#include "rfa/workflow/case_state.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <system_error>
#include <utility>

#include "image_modality.h"
#include "rfa/core/error.h"
#include "rfa/core/sha256.h"
#include "rfa/planning/plan_case.h"
#include "rfa/planning/profile.h"
#include "rfa/segmentation/candidates.h"
#include "rfa/segmentation/lesion.h"
#include "rfa/thermal/electrode.h"
#include "rfa/thermal/preview.h"
#include "rfa/thermal/zone_calibration.h"
#include "rfa/thermal/zone_reference.h"
#include "rfa/workflow/acoustic_windows.h"

namespace rfa::workflow {
namespace fs = std::filesystem;

namespace {

constexpr const char* kWrittenPrefix = "automatic (written to ";

bool hasLesion(const io::SegmentationFolder& seg) {
  if (!seg.lesions) return false;
  const auto v = seg.lesions->data();
  return std::any_of(v.begin(), v.end(), [](std::uint16_t x) { return x != 0; });
}

void report(const Progress& progress, double fraction) {
  if (progress) progress("segmentation", fraction);
}

std::string editedRecord(const std::string& record) {
  return record.empty() || record == "automatic" ? std::string("automatic") : std::string("edited");
}

// ensureAnatomy() on a segmentation and its record, the image given.
void ensureAnatomyOf(const ImageVolume& image, io::SegmentationFolder& seg, std::string& record,
                     bool auto_lesions, const Progress& progress, CandidateTriages& triages,
                     segmentation::Modality modality) {
  const bool lesions_present = hasLesion(seg);
  if (seg.body && seg.liver) {
    if (!auto_lesions || lesions_present) return;
    if (modality == segmentation::Modality::kMR) {
      throw UnsupportedError("automatic lesion candidates are for CT only: click the lesions");
    }
    report(progress, 0.0);
    LabelMap labels(image.geometry(), 0);
    const auto v = labels.data();
    std::uint16_t next = 1;
    triages.clear();
    for (const segmentation::LesionCandidate& c :
         segmentation::detectLesionCandidates(image, *seg.liver)) {
      if (next == std::numeric_limits<std::uint16_t>::max()) break;
      std::size_t taken = 0;
      for (const std::size_t i : c.voxels) {
        if (v[i] == 0) {
          v[i] = next;
          ++taken;
        }
      }
      if (taken > 0) triages[next++] = segmentation::triageCandidate(c);
    }
    report(progress, 1.0);
    seg.lesions = std::move(labels);
    record = editedRecord(record);
    return;
  }
  report(progress, 0.0);
  segmentation::CaseSegmentationOptions options;
  options.auto_lesions = auto_lesions && !lesions_present;
  options.modality = modality;
  segmentation::CaseSegmentation c = segmentation::segmentCase(image, options);
  if (options.auto_lesions) triages = candidateTriages(c);
  io::SegmentationFolder fresh = toSegmentationFolder(std::move(c));
  report(progress, 1.0);
  const auto fill = [](auto& have, auto& computed) {
    if (!have) have = std::move(computed);
  };
  fill(seg.body, fresh.body);
  fill(seg.lung, fresh.lung);
  fill(seg.bone, fresh.bone);
  fill(seg.liver, fresh.liver);
  fill(seg.vessel_radius_mm, fresh.vessel_radius_mm);
  if (!lesions_present) seg.lesions = std::move(fresh.lesions);
  record = editedRecord(record);
}

bool isPlanPath(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".json";
}

}  // namespace

const char* Cancelled::what() const noexcept {
  return "cancelled";
}

CaseState openCase(const fs::path& input, const std::string& series_id) {
  CaseState state;
  state.input = input.string();
  std::error_code ec;
  if (isPlanPath(input) && !fs::is_directory(input, ec)) {
    planning::PlanCase c = planning::loadPlanCase(input);
    state.image = std::move(c.image);
    state.segmentation = std::move(c.segmentation);
    state.image_input = c.plan.source.input;
    state.segmentation_record = c.plan.source.segmentation;
    if (!c.plan.settings.profile.empty()) state.profile_name = c.plan.settings.profile;
    state.plan = std::move(c.plan);
    state.plan_file = input;
    return state;
  }
  return openImageCase(input, series_id);
}

CaseState openImageCase(const fs::path& input, const std::string& series_id) {
  CaseState state;
  state.input = input.string();
  state.image = io::loadImage(input, series_id);
  state.image_input = state.input;
  std::vector<std::string> notes;
  try {
    state.modality = imageModality(state.image, "", notes);
  } catch (const UnsupportedError& e) {
    notes.emplace_back(std::string(e.what()) + ": segmented as CT");
  }
  for (std::string& n : notes) state.image.warnings.push_back(std::move(n));
  return state;
}

void useSegmentationFolder(CaseState& state, const fs::path& dir) {
  io::SegmentationFolder seg = io::readSegmentationFolder(dir);
  const auto need = [&](bool present, const char* name) {
    if (!present) {
      throw NoDataError("segmentation " + dir.string() + ": " + name +
                        ".nrrd is missing (needed to plan)");
    }
  };
  need(seg.body.has_value(), "body");
  need(seg.liver.has_value(), "liver");
  need(seg.lesions.has_value(), "lesions");
  const ImageGeometry& image = state.image.image.geometry();
  if (!seg.body->geometry().sameGrid(image)) {
    throw GeometryError("segmentation " + dir.string() + " is on another grid (" +
                        seg.body->geometry().describe() + ") than the image (" + image.describe() +
                        "): segment this series");
  }
  state.segmentation = std::move(seg);
  state.segmentation_record = dir.string();
  state.candidate_triage.clear();
  if (state.plan) state.plan_stale = true;
}

planning::PlanSource planSourceOf(const io::LoadedImage& image, const std::string& input) {
  planning::PlanSource s;
  s.input = input;
  const ImageGeometry& g = image.image.geometry();
  s.size = g.size();
  s.spacing_mm = g.spacing();
  s.origin_lps_mm = g.origin();
  s.direction = g.direction();
  s.voxel_sha256 = voxelSha256(image.image);
  if (image.series) {
    const io::DicomSeries& d = *image.series;
    s.patient_id = d.study.patient_id;
    s.study_instance_uid = d.study.study_instance_uid;
    s.series_instance_uid = d.series_instance_uid;
    s.frame_of_reference_uid = d.frame_of_reference_uid;
    s.frame_of_reference_generated = d.frame_of_reference_generated;
    s.modality = d.modality;
  }
  return s;
}

planning::PlanAnatomy anatomyOf(const io::SegmentationFolder& seg) {
  const auto need = [](bool present, const char* name) {
    if (!present) {
      throw NoDataError(std::string("the segmentation has no ") + name + " (needed to plan)");
    }
  };
  need(seg.body.has_value(), "body");
  need(seg.liver.has_value(), "liver");
  need(seg.lesions.has_value(), "lesions");
  planning::PlanAnatomy anatomy;
  anatomy.body = &*seg.body;
  anatomy.liver = &*seg.liver;
  anatomy.lesions = &*seg.lesions;
  anatomy.bone = seg.bone ? &*seg.bone : nullptr;
  anatomy.lung = seg.lung ? &*seg.lung : nullptr;
  anatomy.gallbladder = seg.gallbladder ? &*seg.gallbladder : nullptr;
  anatomy.vessel_radius_mm = seg.vessel_radius_mm ? &*seg.vessel_radius_mm : nullptr;
  return anatomy;
}

io::SegmentationFolder toSegmentationFolder(segmentation::CaseSegmentation&& c) {
  io::SegmentationFolder seg;
  seg.body = std::move(c.body);
  seg.lung = std::move(c.lung);
  seg.bone = std::move(c.bone);
  seg.liver = std::move(c.liver.mask);
  seg.lesions = std::move(c.lesions);
  seg.vessel_radius_mm = std::move(c.vessels.radius_mm);
  return seg;
}

void ensureAnatomy(CaseState& state, bool auto_lesions, const Progress& progress) {
  const bool complete = state.segmentation.body && state.segmentation.liver &&
                        (!auto_lesions || hasLesion(state.segmentation));
  if (complete) return;
  io::SegmentationFolder seg = state.segmentation;
  std::string record = state.segmentation_record;
  ensureAnatomyOf(state.image.image, seg, record, auto_lesions, progress, state.candidate_triage,
                  state.modality);
  state.segmentation = std::move(seg);
  state.segmentation_record = std::move(record);
}

int addLesionFromSeed(CaseState& state, const Vec3& seed_lps) {
  ensureAnatomy(state, false);
  const ImageVolume& ct = state.image.image;
  // A click at a mass against the liver that the automatic liver left out extends the liver with
  // it (the liver holds its lesions); a click inside the liver segments as before.
  Mask liver = *state.segmentation.liver;
  // MR: on the normalised scale, without the CT calcification step (modality.h, case.h).
  const bool mr = state.modality == segmentation::Modality::kMR;
  segmentation::LesionSeedOptions lesion_options;
  if (mr) lesion_options.calcification_hu = std::numeric_limits<float>::infinity();
  const segmentation::LesionSegmentation les = segmentation::segmentLesionInLiver(
      mr ? segmentation::normalizedMr(ct) : ct, seed_lps, liver, lesion_options);
  if (!state.segmentation.lesions) state.segmentation.lesions = LabelMap(ct.geometry(), 0);
  LabelMap& labels = *state.segmentation.lesions;
  const auto v = labels.data();
  const auto m = les.mask.data();
  std::uint16_t max_label = 0;
  std::uint16_t covering = 0;
  std::size_t free_voxels = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    max_label = std::max(max_label, v[i]);
    if (m[i] == 0) continue;
    if (v[i] == 0) {
      ++free_voxels;
    } else {
      covering = v[i];
    }
  }
  if (free_voxels == 0) {
    throw UsageError("the lesion at this point is already segmented as label " +
                     std::to_string(covering));
  }
  if (max_label == std::numeric_limits<std::uint16_t>::max()) {
    throw UnsupportedError("lesion label 65535 is taken: no label left for a new lesion");
  }
  const auto label = static_cast<std::uint16_t>(max_label + 1);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (m[i] != 0 && v[i] == 0) v[i] = label;
  }
  state.candidate_triage.erase(label);  // the user's own lesion (a label freed and taken again)
  *state.segmentation.liver = std::move(liver);
  if (state.plan) state.plan_stale = true;
  state.segmentation_record = "edited";
  return label;
}

CandidateTriages candidateTriages(const segmentation::CaseSegmentation& c) {
  CandidateTriages t;
  for (const segmentation::LesionRecord& r : c.lesion_records) {
    if (r.source == "automatic candidate") t[r.label] = {r.confident, r.triage};
  }
  return t;
}

void applyCandidateTriage(planning::TreatmentPlan& plan, const CandidateTriages& triages) {
  for (planning::PlanLesion& l : plan.lesions) {
    const auto it = triages.find(l.id);
    if (it == triages.end()) continue;
    l.detection =
        it->second.confident ? planning::Detection::kAutomatic : planning::Detection::kToReview;
    l.detection_reason = it->second.reason;
  }
}

void removeLesion(CaseState& state, int label) {
  std::size_t removed = 0;
  if (state.segmentation.lesions && label > 0 &&
      label <= std::numeric_limits<std::uint16_t>::max()) {
    for (std::uint16_t& x : state.segmentation.lesions->data()) {
      if (x == label) {
        x = 0;
        ++removed;
      }
    }
  }
  if (removed == 0) {
    throw NotFoundError("lesion label " + std::to_string(label) + " is not in the segmentation");
  }
  state.candidate_triage.erase(label);  // a rejected candidate
  if (state.plan) state.plan_stale = true;
  state.segmentation_record = "edited";
}

planning::ProtocolProfile checkPlanRequest(const PlanRequest& request,
                                           const std::string& profile_name) {
  planning::ProtocolProfile profile = planning::resolveProfile(profile_name);
  const int cycles = request.cycles_between_sessions;
  const auto& in = profile.intervals;
  if (cycles < in.systemic_cycles_between_sessions_min ||
      cycles > in.systemic_cycles_between_sessions_max) {
    throw UsageError("cycles between sessions: " + std::to_string(cycles) +
                     " is outside the profile's " +
                     std::to_string(in.systemic_cycles_between_sessions_min) + ".." +
                     std::to_string(in.systemic_cycles_between_sessions_max));
  }
  const thermal::ElectrodeCatalog catalog =
      thermal::loadElectrodeCatalog(thermal::defaultElectrodeDir());
  for (const std::string& e : request.base.electrodes) (void)catalog.find(e);
  if (!request.base.guidance) (void)planning::loadGuidance(profile.guidance);
  if (!request.ultrasound_probe.empty()) (void)ultrasound::loadProbe(request.ultrasound_probe);
  return profile;
}

PlanTimings planCase(CaseState& state, const PlanRequest& request, const std::string& version,
                     const Progress& progress) {
  using Clock = std::chrono::steady_clock;
  const auto seconds = [](Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
  };
  PlanTimings timings;
  if (state.modality == segmentation::Modality::kMR) {
    throw UnsupportedError(
        "planning on MR is not supported yet: the needle paths need the bone, lung and vessel "
        "masks, which the MR segmentation does not provide (plan on the CT)");
  }
  const planning::ProtocolProfile profile = checkPlanRequest(request, state.profile_name);
  planning::PlanBuildOptions options = request.base;
  options.labs = request.labs;
  options.start_date = request.start_date;
  options.cycles_between_sessions = request.cycles_between_sessions;
  options.progress = progress;
  // Re-planning a case that continues earlier sessions (replan.h) keeps them unless the request
  // says otherwise.
  if (state.plan && options.batching.prior_sessions == 0 && options.prior_plan.empty() &&
      state.plan->settings.prior_sessions > 0) {
    options.batching.prior_sessions = state.plan->settings.prior_sessions;
    options.batching.prior_ablated_volume_ml = state.plan->settings.prior_ablated_volume_ml;
    options.prior_plan = state.plan->settings.prior_plan;
  }
  const thermal::ElectrodeCatalog catalog =
      thermal::loadElectrodeCatalog(thermal::defaultElectrodeDir());

  // The anatomy is completed on a copy, committed with the plan.
  const bool auto_lesions = !hasLesion(state.segmentation);
  const bool complete = state.segmentation.body && state.segmentation.liver && !auto_lesions;
  std::optional<io::SegmentationFolder> fresh;
  std::string record = state.segmentation_record;
  CandidateTriages triages = state.candidate_triage;
  auto t0 = Clock::now();
  if (!complete) {
    fresh = state.segmentation;
    ensureAnatomyOf(state.image.image, *fresh, record, auto_lesions, progress, triages,
                    state.modality);
    timings.segmentation_s = seconds(t0);
    timings.segmented = true;
  }
  const io::SegmentationFolder& seg = fresh ? *fresh : state.segmentation;
  const planning::PlanAnatomy anatomy = anatomyOf(seg);

  // The preview zones: the shipped living-liver calibration, or for a research condition the
  // solver's zone in that tissue (recorded in the plan's zone model).
  t0 = Clock::now();
  const std::vector<thermal::PreviewCalibration> calibrations =
      request.condition == thermal::TissueCondition::kInVivo
          ? thermal::readPreviewCalibrations(thermal::defaultPreviewCalibrationFile())
          : thermal::conditionPreviews(
                catalog, options.electrodes, options.confirmation.materials, request.condition,
                thermal::readZoneReferenceTable(thermal::defaultZoneReferenceFile()),
                [&request](const std::string& line) {
                  if (request.log) request.log(line);
                });
  if (request.condition != thermal::TissueCondition::kInVivo) timings.previews_s = seconds(t0);
  const planning::PlanEquipment equipment{&catalog, &calibrations};

  std::optional<ultrasound::ProbeModel> probe;
  if (!request.ultrasound_probe.empty()) {
    probe = ultrasound::loadProbe(request.ultrasound_probe);
    options.needle_visibility = needleVisibility(state.image.image, seg, *probe);
    options.ultrasound_probe = probe->name;
  }
  t0 = Clock::now();
  planning::TreatmentPlan plan = planning::planLesions(anatomy, profile, equipment, options);
  timings.lesions_s = seconds(t0);
  if (request.confirm) {
    t0 = Clock::now();
    planning::confirmLesions(plan, anatomy, profile, equipment, options);
    timings.confirmation_s = seconds(t0);
  }
  if (probe) {
    t0 = Clock::now();
    recordAcousticWindows(plan, acousticWindows(plan, state.image.image, seg, *probe), probe->name);
    timings.ultrasound_s = seconds(t0);
  }
  applyCandidateTriage(plan, triages);
  planning::planSessions(plan, profile, options);
  plan.source = planSourceOf(state.image, state.image_input);
  plan.source.segmentation = record;
  plan.software = "rfaplan " + version;

  if (fresh) state.segmentation = std::move(*fresh);
  state.candidate_triage = std::move(triages);
  state.segmentation_record = std::move(record);
  state.plan = std::move(plan);
  state.plan_stale = false;
  return timings;
}

planning::PlanWriteResult savePlan(CaseState& state, const fs::path& file) {
  if (!state.plan) throw NoDataError("no plan to save: plan the case first");
  const fs::path target = file.empty() ? state.plan_file : file;
  if (target.empty()) throw UsageError("no file to save the plan to");
  planning::requirePlanTarget(target);
  planning::TreatmentPlan plan = *state.plan;
  const std::string& rec = plan.source.segmentation;
  if (rec == "automatic" || rec == "edited" || rec.rfind(kWrittenPrefix, 0) == 0) {
    const std::string name = target.stem().string() + "-segmentation";
    io::writeSegmentationFolder(target.parent_path() / name, state.segmentation);
    plan.source.segmentation = kWrittenPrefix + name + "/)";
  }
  const planning::PlanWriteResult w = planning::writePlanFile(target, plan);
  state.plan = std::move(plan);
  state.plan_file = target;
  return w;
}

}  // namespace rfa::workflow
