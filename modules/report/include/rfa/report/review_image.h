#pragma once
/// \file review_image.h
/// \brief Review pictures of an automatic segmentation, for the radiologist who accepts or
/// rejects it: the liver on coronal and axial slices across its extent (does it stop at the heart,
/// the spleen, the stomach, the bowel?) and each lesion or candidate on the axial, coronal and
/// sagittal planes through its centroid (is it a mass in the liver, or a vessel, the gallbladder,
/// the hilum?), with the masks outlined over the image.
///
/// Display convention (radiological): axial pictures show the patient's Right on the left and
/// Anterior at the top; coronal ones Right on the left and Superior at the top; sagittal ones
/// Anterior on the left and Superior at the top. The planes are patient planes (LPS), sampled
/// trilinearly whatever the storage of the series, so an oblique series gives true axial pictures.
/// All coordinates are DICOM patient LPS in millimetres. Research use only.

#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/core/volume.h"
#include "rfa/report/image.h"

namespace rfa::report {

/// \brief A patient plane.
enum class ReviewPlane { kAxial, kCoronal, kSagittal };

/// \brief A mask drawn over a review panel: its outline in `colour`, and a translucent fill when
/// `fill` > 0 (alpha in [0, 1]). The mask may lie on any grid (sampled by nearest voxel).
struct ReviewOverlay {
  const Mask* mask = nullptr;
  Rgb colour;
  double fill = 0.0;
};

/// \brief How to draw one panel.
struct ReviewPanelOptions {
  int size_px = 320;         ///< width = height (32..2048)
  double field_mm = 160;     ///< width = height of the field of view (> 0)
  double window = 400;       ///< grey window width (abdomen W 400 / L 40 HU)
  double level = 40;         ///< grey window centre
  bool auto_window = false;  ///< window from the 1st-99th percentile of the panel (MR)
  std::string caption;       ///< drawn at the top left
};

/// \brief One panel: the `plane` through `centre_lps`, centred on it, the overlays outlined, the
/// orientation letters and a 10 mm scale bar.
/// \throws UsageError for size_px outside 32..2048, field_mm <= 0 or window <= 0, or an overlay
/// without a mask.
RgbImage renderReviewPanel(const ImageVolume& image, ReviewPlane plane, const Vec3& centre_lps,
                           const std::vector<ReviewOverlay>& overlays,
                           const ReviewPanelOptions& options = {});

/// \brief The panels side by side, `columns` per row, 4 px dark gaps; an empty list gives an
/// empty picture. \throws UsageError when the panels differ in size or columns < 1.
RgbImage montage(const std::vector<RgbImage>& panels, int columns);

/// \brief The liver review: 3 coronal planes (through the liver's centroid and 25 % of its
/// anterior-posterior extent in front of and behind it) and 3 axial planes (at 20, 50 and 80 % of
/// its cranio-caudal extent) and 3 sagittal planes (at 25, 50 and 75 % of its right-left extent),
/// field 1.2 x the liver's largest extent (at least 160 mm), the liver
/// outlined and `lesions` (may be null) filled. \throws NoDataError for an empty liver mask.
RgbImage renderLiverReview(const ImageVolume& image, const Mask& liver, const LabelMap* lesions,
                           bool auto_window = false);

/// \brief The review of label `label` of `lesions`: axial, coronal and sagittal planes through its
/// centroid, field 100 mm, the lesion outlined and filled, the liver (may be null) and the vessels
/// (may be null) outlined; `caption` on the first panel. \throws NoDataError when the label has no
/// voxel.
RgbImage renderLesionReview(const ImageVolume& image, const LabelMap& lesions, int label,
                            const Mask* liver, const Mask* vessels, const std::string& caption,
                            bool auto_window = false);

}  // namespace rfa::report
