#pragma once
/// \file seg.h
/// \brief DICOM Segmentation (SEG, Segmentation Storage 1.2.840.10008.5.1.4.1.1.66.4) export of the
/// plan's volumetric regions of interest and read-back of a SEG into masks on the grid of its
/// source series (DCMTK dcmseg/dcmfg/dcmiod).
///
/// Frames, positions and directions are DICOM patient LPS in mm. A SEG frame is one k-slice of the
/// source grid: Rows = size()[1] (j), Columns = size()[0] (i), pixel (row j, column i) is voxel
/// (i, j, k); ImagePositionPatient = centre of voxel (0, 0, k), ImageOrientationPatient = the i and
/// j columns of the grid's direction, PixelSpacing = spacing j \ spacing i.

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "rfa/core/geometry.h"
#include "rfa/core/volume.h"
#include "rfa/dicomexport/roi.h"
#include "rfa/io/dicom_types.h"

namespace rfa::dicomexport {

/// \brief Series/instance attributes of a written SEG.
struct SegWriteOptions {
  std::string series_description = "rfaplan plan segmentation";  ///< (0008,103E), <= 64 chars
  int series_number = 901;                                       ///< (0020,0011)
  /// ContentLabel (0070,0080), VR CS: 1..16 of A-Z 0-9 space underscore.
  std::string content_label = "RFAPLAN";
  std::string content_description = "rfaplan radiofrequency ablation plan";  ///< (0070,0081)
  /// ContentCreatorName (0070,0084), a PN; a value without '^' or '=' is written as a family name
  /// ("rfaplan^"), since dciodvfy reads a bare single component as the retired ACR-NEMA form.
  std::string content_creator = "rfaplan";
  /// (0020,000E) and (0008,0018). Empty: derived from `uid_key` when it is set, else fresh random
  /// UIDs (rfa::makeUid).
  std::string series_instance_uid, sop_instance_uid;
  /// Non-empty: every UID the writer makes (series, instance, dimension organization) is derived
  /// from this key (rfa::makeUidFromKey) and the content/series date and time are the source's
  /// StudyDate/StudyTime (19700101 / 000000 when absent or malformed) instead of the clock, so
  /// that the same inputs and key give a byte-identical file. Empty: the current date and time.
  std::string uid_key;
};

/// \brief What writeSegFile() wrote.
struct SegWriteResult {
  int segments = 0;  ///< segments in the file (one per written ROI, numbered from 1 in ROI order)
  int frames = 0;    ///< frames in the file
  /// Decisions a user should know about: ROIs left out (no mask, empty mask, no SEG codes), labels
  /// shortened, characters that the character set could not hold, planes without a source slice.
  std::vector<std::string> notes;
};

/// \brief Writes a BINARY DICOM SEG of the ROIs of `rois` that have a non-empty mask, referencing
/// `source`, the CT/MR series the masks were made on.
///
/// - One segment per written ROI, in the order of `rois`: SegmentLabel = Roi::name (LO, cut to 64
///   characters with a note), SegmentDescription = Roi::description, Segmented Property Category /
///   Type Code Sequences = Roi::category / Roi::type, RecommendedDisplayCIELabValue = Roi::colour
///   (sRGB converted to DICOM CIELab), SegmentAlgorithmType SEMIAUTOMATIC with SegmentAlgorithmName
///   "rfaplan" (the regions come from rfaplan's automatic segmentation and planning, under the
///   user's review), SegmentsOverlap (0062,0013) YES/NO as measured on the masks.
/// - ROIs without a mask (needle polylines), with an all-zero mask, or without a category/type code
///   value are left out with a note: a SEG segment needs at least one frame and coded semantics.
/// - Frames only for the k-slices where a segment has voxels, ordered by segment then k. Per frame:
///   Plane Position (Patient), Frame Content (DimensionIndexValues = segment number, k + 1) and
///   Derivation Image (derivation code (113076, DCM, "Segmentation"), Source Image Sequence -> the
///   source slice at that position: its SOP Class/Instance UID, ReferencedFrameNumber for a
///   multi-frame source, purpose (121322, DCM, "Source image for image processing operation")).
///   A plane with no source slice within 0.01 mm in-plane and 1% of the slice spacing along k (a
///   series that io resampled to uniform spacing) gets an empty Derivation Image Sequence (Type 2)
///   and a note. Shared: Plane Orientation (Patient) and Pixel Measures (PixelSpacing,
///   SliceThickness = SpacingBetweenSlices = spacing along k).
/// - Dimension Organization: ReferencedSegmentNumber (Segment Identification Sequence) then
///   ImagePositionPatient (Plane Position Sequence), as dcmqi writes it.
/// - Patient and study attributes copied verbatim from `source` (same study, new series, Modality
///   SEG), FrameOfReferenceUID = source.frame_of_reference_uid (also when io generated it, with a
///   note), the source series and its referenced instances in the Common Instance Reference module,
///   private coding schemes ("99...") in the Coding Scheme Identification Sequence. Equipment:
///   Manufacturer/ManufacturerModelName "rfaplan", SoftwareVersions = the rfaplan version,
///   DeviceSerialNumber "0" (Type 1 in Enhanced General Equipment; software has none).
/// - PixelData: packed here as PS3.5 8.1.1 asks (one continuous bit stream, least significant bit
///   first, frames not padded to bytes); DCMTK 3.6.7 mis-packs frames whose Rows*Columns is not a
///   multiple of 8 (DCMTK issue #1132).
/// - SpecificCharacterSet: the source's. rfaplan text (UTF-8) that is not ASCII is written as
///   ISO_IR 192 when the source uses it, as ISO_IR 100 (Latin-1) when the source is ISO_IR 100 or
///   declares none and the text fits Latin-1 (ISO_IR 192 when it does not and the source declares
///   none); characters the source's set cannot hold become '?' with a note.
/// - Explicit VR little endian, written atomically (rfa::writeFileAtomically): a failed write
///   leaves neither a partial file nor a temporary file.
///
/// \throws GeometryError if a mask's grid differs from source.geometry (names the ROI and both
///   grids), or the grid does not fit a SEG frame (more than 65535 rows/columns).
/// \throws UsageError if `source` is not loadable, has no slices, or an option is not a valid
///   DICOM value (content_label, series_number < 0, a given UID that is not a valid UID).
/// \throws NoDataError if no ROI is left to write (a SEG needs at least one segment and frame).
/// \throws WriteError naming `out` if DCMTK cannot encode the object or the file cannot be written.
SegWriteResult writeSegFile(const std::filesystem::path& out, const std::vector<Roi>& rois,
                            const io::DicomSeries& source, const SegWriteOptions& options = {});

/// \brief One segment read back from a SEG.
struct SegSegmentRead {
  int number = 0;  ///< SegmentNumber (0062,0004), from 1
  std::string label;
  std::string description;
  CodedConcept category, type;
  std::string algorithm_type;  ///< SegmentAlgorithmType: AUTOMATIC, SEMIAUTOMATIC or MANUAL
  /// RecommendedDisplayCIELabValue converted to sRGB; {128,128,128} when the SEG has none.
  std::array<std::uint8_t, 3> colour{128, 128, 128};
  Mask mask;  ///< 0/1 on the reference grid (all 0 when the segment has no frame)
};

/// \brief A SEG read back onto the grid of its source series.
struct SegRead {
  std::string series_instance_uid;       ///< the SEG's (0020,000E)
  std::string sop_instance_uid;          ///< the SEG's (0008,0018)
  std::string referenced_series_uid;     ///< first series of the Referenced Series Sequence
  std::string frame_of_reference_uid;    ///< the SEG's (0020,0052) (empty if absent)
  std::string segmentation_type;         ///< BINARY or FRACTIONAL
  ImageGeometry geometry;                ///< the reference grid the masks are on
  std::vector<SegSegmentRead> segments;  ///< in SegmentSequence order
  std::vector<std::string> notes;        ///< e.g. frames of one segment on the same plane merged
};

/// \brief Reads a BINARY SEG, or a FRACTIONAL one thresholded at 50% (value * 2 >= Maximum
/// Fractional Value), into masks on `reference` (the grid of the source series, as io loads it).
/// Native little-endian transfer syntaxes only. Segment attributes and functional groups through
/// DCMTK dcmseg; the pixel bits are unpacked here (see writeSegFile). Text of an ISO_IR 100 SEG is
/// returned as UTF-8; other character sets as stored.
///
/// Every frame must lie on a k-slice of `reference`: its ImagePositionPatient within 0.01 mm of
/// the slice's first voxel centre in-plane and within 1% of the slice spacing along k; its
/// ImageOrientationPatient equal to the grid's i/j directions (1e-4); Rows/Columns equal to the
/// grid's j/i sizes and PixelSpacing equal within a drift of 0.01 mm (or 5% of a voxel) across
/// the frame. Frames of the same segment on the same plane are OR-ed (with a note).
///
/// \throws NotFoundError if `in` does not exist; NoDataError if it is not a Segmentation Storage
///   object; CorruptDataError if DCMTK cannot parse it, a frame has no position/segment number, or
///   a frame references a segment that is not in the SegmentSequence.
/// \throws GeometryError naming both UIDs if the SEG's FrameOfReferenceUID differs from a
///   non-empty `reference_frame_of_reference_uid`, and naming the frame (from 1) and positions
///   when a frame is off the grid, or orientation/size/spacing differ.
/// \throws UnsupportedError for a SEG that is neither BINARY nor FRACTIONAL (e.g. LABELMAP).
SegRead readSegFile(const std::filesystem::path& in, const ImageGeometry& reference,
                    const std::string& reference_frame_of_reference_uid);

}  // namespace rfa::dicomexport
