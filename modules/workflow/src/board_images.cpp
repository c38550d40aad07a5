// The pictures of the tumour-board screen (board_images.h).
#include "rfa/workflow/board_images.h"

#include "rfa/core/error.h"
#include "rfa/io/segmentation_folder.h"
#include "rfa/report/key_image.h"
#include "rfa/report/overview3d.h"
#include "rfa/report/probe_image.h"

namespace rfa::workflow {

BoardImages boardImages(const CaseState& state, int thumb_px, int overview_px) {
  if (!state.plan) throw NoDataError("tumour board: the case has no plan");
  const io::SegmentationFolder& seg = state.segmentation;
  if (!seg.lesions) throw NoDataError("tumour board: the case has no lesion map");
  const planning::TreatmentPlan& plan = *state.plan;
  const ImageVolume& ct = state.image.image;
  const std::optional<Mask> vessels = io::vesselMaskOf(seg);
  report::KeyImageOptions key;
  key.size_px = thumb_px;
  if (plan.source.modality == "MR") key.auto_window = true;
  BoardImages out;
  for (const planning::PlanLesion& l : plan.lesions) {
    LesionThumbnails t;
    t.lesion_id = l.id;
    t.axial =
        report::renderKeyImage(ct, seg.liver ? &*seg.liver : nullptr, *seg.lesions, plan, l.id, key)
            .pixels;
    if (l.ultrasound && !l.ultrasound->access.empty() && !l.placements.empty()) {
      t.ultrasound =
          report::renderProbeImage(ct, *seg.lesions, seg.bone ? &*seg.bone : nullptr,
                                   seg.lung ? &*seg.lung : nullptr, vessels ? &*vessels : nullptr,
                                   plan, l.id, std::max(64, thumb_px))
              .pixels;
    }
    out.lesions.push_back(std::move(t));
  }
  if (seg.liver) {
    report::Overview3dOptions o;
    o.width_px = overview_px;
    o.height_px = overview_px * 5 / 6;
    for (const planning::PlanSession& s : plan.sessions) {
      out.sessions.push_back(
          {s.index, report::renderOverview3d(*seg.liver, *seg.lesions, plan, s.index, o).pixels});
    }
  }
  return out;
}

}  // namespace rfa::workflow
