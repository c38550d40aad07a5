#pragma once
/// \file probe_image.h
/// \brief The ultrasound key image of a lesion: the simulated B-mode image (ultrasound/bmode.h) of
/// the probe window the plan recorded for the lesion's first needle (PlanLesion::ultrasound), with
/// the plan drawn over it - what the operator should see at the table.
///
/// Overlays: the lesion's outline where the beam's slice (the probe's slice thickness) cuts it
/// (kLesionColour), the outline of each preview ablation zone of the lesion cut by the image plane
/// (session colour), each needle of the lesion within half the slice thickness of the plane as a
/// line from where it enters the fan to its tip (session colour) with the tip as a dot; parts of
/// the fan beyond the CT's edge in a dim blue (no data, not a shadow). Picture
/// orientation as on the scanner: the probe face at the top, depth downwards, the probe's lateral
/// direction to the right.
///
/// All coordinates are DICOM patient LPS in millimetres.

#include <string>

#include "rfa/core/volume.h"
#include "rfa/planning/plan.h"
#include "rfa/report/image.h"
#include "rfa/ultrasound/bmode.h"

namespace rfa::report {

/// \brief The rendered probe-plane image and where it lies.
struct ProbeImage {
  RgbImage pixels;
  ultrasound::BModeImage bmode;  ///< the grey image and its LPS mapping
  int lesion_id = 0;
  int needles_shown = 0;  ///< needles of the lesion drawn (within half the slice thickness)
  int zones_cut = 0;      ///< preview zones of the lesion the plane cuts
  double frame_ms = 0;    ///< time of the B-mode simulation
};

/// \brief Renders lesion `lesion_id` of `plan` on `ct` (HU) with the lesion map `lesions`, the
/// optional `bone`, `lung` (obstacles) and `vessels` (fluid: anechoic) masks, all on the CT's grid,
/// with the probe model named in the plan (ultrasound::loadProbe). `size_px`: width and height.
/// \throws UsageError when the plan has no lesion `lesion_id` or size_px is outside 64..2048;
/// NoDataError when the lesion has no recorded probe window; what loadProbe() and
/// simulateBMode() throw.
ProbeImage renderProbeImage(const ImageVolume& ct, const LabelMap& lesions, const Mask* bone,
                            const Mask* lung, const Mask* vessels,
                            const planning::TreatmentPlan& plan, int lesion_id, int size_px = 400);

/// \brief The same for any probe pose: `probe` at `pose` (e.g. another rotation about the needle).
/// \throws UsageError as above; what simulateBMode() throws.
ProbeImage renderProbeImage(const ImageVolume& ct, const LabelMap& lesions, const Mask* bone,
                            const Mask* lung, const Mask* vessels,
                            const planning::TreatmentPlan& plan, int lesion_id,
                            const ultrasound::ProbeModel& probe, const ultrasound::ProbePose& pose,
                            int size_px = 400);

/// \brief One line about the lesion's window for captions and tables: e.g. "intercostal window,
/// lesion 71 % / needle 80 % visible, 92 mm deep"; "no probe window" without one; "" when not
/// assessed. Flags are not included.
std::string windowSummary(const planning::PlanLesion& lesion);

}  // namespace rfa::report
