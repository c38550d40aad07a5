#include "rfa/workflow/autosave.h"

#include "rfa/core/atomic_file.h"
#include "rfa/core/private_files.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/planning/plan_io.h"

namespace rfa::workflow {

namespace fs = std::filesystem;

namespace {
constexpr const char* kPlanName = "autosave-plan.json";
constexpr const char* kSegmentationName = "autosave-plan-segmentation";
}  // namespace

bool autosaveCase(const CaseState& state, const fs::path& dir, bool with_segmentation) {
  if (!state.plan) return false;
  createPrivateFolder(dir);  // patient data: owner only
  planning::TreatmentPlan plan = *state.plan;
  // The recovered plan must find its series from anywhere: an absolute input path.
  std::error_code ec;
  const fs::path input = fs::absolute(plan.source.input, ec);
  if (!ec) plan.source.input = input.string();
  const fs::path seg_dir = dir / kSegmentationName;
  if (with_segmentation || !fs::exists(seg_dir, ec)) {
    io::writeSegmentationFolder(seg_dir, state.segmentation);
  }
  plan.source.segmentation = std::string("automatic (written to ") + kSegmentationName + "/)";
  writeFileAtomically(dir / kPlanName, planning::serializePlan(plan));
  restrictToOwner(dir);
  return true;
}

std::optional<fs::path> findAutosave(const fs::path& dir) {
  std::error_code ec;
  const fs::path file = dir / kPlanName;
  if (fs::is_regular_file(file, ec)) return file;
  return std::nullopt;
}

void clearAutosave(const fs::path& dir) noexcept {
  std::error_code ec;
  fs::remove(dir / kPlanName, ec);
  fs::remove_all(dir / kSegmentationName, ec);
}

}  // namespace rfa::workflow
