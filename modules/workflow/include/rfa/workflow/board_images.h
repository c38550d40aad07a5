#pragma once
/// \file board_images.h
/// \brief The pictures of the tumour-board screen, from the open case: per planned lesion its
/// axial key image (report/key_image.h: the slice through the lesion with its zones and needles)
/// and, when the plan recorded an acoustic window for it, the simulated ultrasound of that probe
/// plane (report/probe_image.h); per session a 3D overview (report/overview3d.h). The same
/// pictures as the PDF report's. Research use only.

#include <optional>
#include <vector>

#include "rfa/report/image.h"
#include "rfa/workflow/case_state.h"

namespace rfa::workflow {

/// \brief One lesion's thumbnails.
struct LesionThumbnails {
  int lesion_id = 0;
  report::RgbImage axial;                      ///< the key image, square
  std::optional<report::RgbImage> ultrasound;  ///< the probe-plane image, when a window is recorded
};

/// \brief One session's 3D overview.
struct SessionOverview {
  int session = 0;
  report::RgbImage overview;
};

/// \brief Every picture of the board.
struct BoardImages {
  std::vector<LesionThumbnails> lesions;  ///< plan order
  std::vector<SessionOverview> sessions;  ///< plan order
};

/// \brief The board's pictures of `state`'s plan: key and probe images `thumb_px` square, overviews
/// `overview_px` wide (3:2.5). \throws NoDataError when the case has no plan or no lesion map; what
/// the report's renderers throw.
BoardImages boardImages(const CaseState& state, int thumb_px = 240, int overview_px = 360);

}  // namespace rfa::workflow
