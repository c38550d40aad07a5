// The MR variant of the phantom (PhantomOptions::mr_t2): T2-weighted fat-suppressed signal per
// tissue (arbitrary units, in the spirit of T2-SPIR: fat suppressed, fluid bright, flowing blood
// and cortical bone dark, metastases moderately brighter than the liver) and a smooth receive-coil
// sensitivity. Values are design choices, not measurements: the variant tests that the MR methods
// do not assume Hounsfield units, with a bias field as real MR has.
#include <algorithm>

#include "anatomy_model.h"

namespace rfa::phantom::detail {

namespace {

constexpr float kLiverT2 = 300.0F;

}  // namespace

float t2Signal(const VoxelValue& v) {
  if (v.t2 >= 0.0F) return v.t2;  // an organ sample (neighbourOrgan)
  if (v.lesion != 0) return std::clamp(kLiverT2 + 3.0F * (kLiverHu - v.hu), 330.0F, 700.0F);
  if (v.vessel_radius > 0.0F) return 60.0F;  // flow void
  if (v.gallbladder != 0) return 950.0F;
  if (v.liver != 0) return kLiverT2;
  if (v.lung != 0) return 15.0F;
  if (v.bone != 0) return v.hu == kCancellousHu ? 110.0F : 20.0F;  // marrow fat suppressed
  if (v.body == 0) return 5.0F;
  if (v.hu == kSkinHu) return 250.0F;
  if (v.hu == kFatHu) return 90.0F;
  if (v.hu == kMuscleHu) return 140.0F;
  if (v.hu == kDiscHu) return 450.0F;
  if (v.hu == kCsfHu) return 900.0F;
  return 260.0F;  // other soft tissue (kSoftTissueHu)
}

float coilSensitivity(const Vec3& p) {
  const double f = 1.0 - 0.15 * std::clamp(p.y() / 120.0, -1.0, 1.0) +
                   0.10 * std::clamp(p.x() / 150.0, -1.0, 1.0);
  return static_cast<float>(f);
}

}  // namespace rfa::phantom::detail
