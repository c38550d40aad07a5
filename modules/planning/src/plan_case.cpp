// Loading a plan with its image and segmentation (plan_case.h).
#include "rfa/planning/plan_case.h"

#include <system_error>

#include "rfa/core/error.h"
#include "rfa/core/sha256.h"
#include "rfa/planning/plan_io.h"

namespace rfa::planning {
namespace fs = std::filesystem;

namespace {

// `recorded` as given, then relative to the plan's folder; empty when neither exists.
fs::path locate(const fs::path& recorded, const fs::path& plan_file) {
  std::error_code ec;
  if (fs::exists(recorded, ec)) return recorded;
  if (recorded.is_relative()) {
    const fs::path beside = plan_file.parent_path() / recorded;
    if (fs::exists(beside, ec)) return beside;
  }
  return {};
}

fs::path segmentationOf(const planning::TreatmentPlan& plan, const fs::path& plan_file) {
  const std::string& rec = plan.source.segmentation;
  const std::string prefix = "automatic (written to ";
  if (rec.rfind(prefix, 0) == 0) {
    std::string name = rec.substr(prefix.size());
    if (!name.empty() && name.back() == ')') name.pop_back();
    if (!name.empty() && name.back() == '/') name.pop_back();
    return plan_file.parent_path() / name;
  }
  return rec;
}

}  // namespace

PlanCase loadPlanCase(const fs::path& plan_file, const PlanCaseOptions& options) {
  PlanCase c;
  c.plan_file = plan_file;
  c.plan = planning::readPlanFile(plan_file);
  const planning::PlanSource& src = c.plan.source;

  if (!options.series.empty()) {
    c.image_path = options.series;
  } else {
    c.image_path = locate(src.input, plan_file);
    if (c.image_path.empty()) {
      throw NotFoundError("the series recorded in " + plan_file.string() + " ('" + src.input +
                          "') is not found (as given, nor beside the plan): give --series DIR");
    }
  }
  c.image = io::loadImage(c.image_path, src.series_instance_uid);
  c.notes = c.image.warnings;
  const auto differs = [&](const std::string& what, const std::string& planned,
                           const std::string& found) {
    throw SelectionError(c.image_path.string() + " is not the series planned in " +
                         plan_file.string() + ": " + what + " " + found + " (planned: " + planned +
                         ")");
  };
  if (c.image.series && !src.series_instance_uid.empty() &&
      c.image.series->series_instance_uid != src.series_instance_uid) {
    differs("Series Instance UID", src.series_instance_uid, c.image.series->series_instance_uid);
  }
  const ImageGeometry planned(src.size, src.spacing_mm, src.origin_lps_mm, src.direction);
  if (!c.image.image.geometry().sameGrid(planned, 1e-3)) {
    differs("grid", planned.describe(), c.image.image.geometry().describe());
  }
  if (!src.voxel_sha256.empty()) {
    const std::string sha = voxelSha256(c.image.image);
    if (sha != src.voxel_sha256) differs("SHA-256 of the voxels", src.voxel_sha256, sha);
  }

  fs::path seg = options.segmentation;
  if (seg.empty()) {
    const fs::path recorded = segmentationOf(c.plan, plan_file);
    seg = locate(recorded, plan_file);
    if (seg.empty()) {
      throw NotFoundError("the segmentation recorded in " + plan_file.string() + " ('" +
                          src.segmentation + "' -> " + recorded.string() +
                          ") is not found: give --segmentation DIR");
    }
  }
  c.segmentation_dir = seg;
  c.segmentation = io::readSegmentationFolder(seg);
  if (!c.segmentation.liver || !c.segmentation.lesions) {
    throw NoDataError("segmentation " + seg.string() + ": " +
                      (!c.segmentation.liver ? "liver.nrrd" : "lesions.nrrd") +
                      " is missing (needed for the plan's structures)");
  }
  if (!c.segmentation.liver->geometry().sameGrid(c.image.image.geometry())) {
    throw GeometryError("segmentation " + seg.string() + " is on " +
                        c.segmentation.liver->geometry().describe() + ", the series on " +
                        c.image.image.geometry().describe());
  }
  return c;
}

}  // namespace rfa::planning
