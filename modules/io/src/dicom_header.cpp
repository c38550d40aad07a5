// Parsing of one DICOM file's header into DicomSliceInfo records (one per frame).
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <array>
#include <cmath>
#include <cstring>
#include <fstream>
#include <string>

#include "dicom_internal.h"
#include "rfa/core/error.h"
#include "rfa/io/dicom_load.h"
#include "rfa/io/dicom_scan.h"

namespace rfa::io {
namespace detail {

bool isSmallElement(DcmItem& item, const DcmTagKey& tag) {
  // Attributes read from headers are short; a huge length field is corruption, and loading it would
  // allocate that much memory before the read fails.
  DcmElement* e = nullptr;
  return item.findAndGetElement(tag, e).good() && e != nullptr && e->getLengthField() <= 65536U;
}

std::string getString(DcmItem& item, const DcmTagKey& tag) {
  OFString v;
  if (isSmallElement(item, tag) && item.findAndGetOFStringArray(tag, v).good()) {
    std::string s(v.data(), v.size());
    // Trim padding spaces and NULs (UI values are NUL padded, others space padded).
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    std::size_t b = 0;
    while (b < s.size() && s[b] == ' ') ++b;
    return s.substr(b);
  }
  return {};
}

std::optional<double> getDouble(DcmItem& item, const DcmTagKey& tag, unsigned long pos) {
  Float64 v = 0;
  if (isSmallElement(item, tag) && item.findAndGetFloat64(tag, v, pos).good() && std::isfinite(v))
    return v;
  return std::nullopt;
}

bool getU16(DcmItem& item, const DcmTagKey& tag, std::uint16_t& out) {
  Uint16 v = 0;
  if (isSmallElement(item, tag) && item.findAndGetUint16(tag, v).good()) {
    out = v;
    return true;
  }
  return false;
}

std::optional<int> getInt(DcmItem& item, const DcmTagKey& tag) {
  Sint32 v = 0;
  if (isSmallElement(item, tag) && item.findAndGetSint32(tag, v).good()) return static_cast<int>(v);
  return std::nullopt;
}

std::optional<Vec3> getVec3(DcmItem& item, const DcmTagKey& tag, unsigned long first) {
  Vec3 r;
  for (unsigned long a = 0; a < 3; ++a) {
    const auto v = getDouble(item, tag, first + a);
    if (!v) return std::nullopt;
    r[static_cast<Eigen::Index>(a)] = *v;
  }
  return r;
}

bool hasDicmPreamble(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 132 && std::memcmp(bytes.data() + 128, "DICM", 4) == 0;
}

bool looksLikeRawDataset(std::span<const std::uint8_t> bytes) {
  // A dataset written without preamble starts with a group 0x0002 or 0x0008 tag (little endian),
  // as DCMTK/GDCM also assume for "dataset only" files.
  if (bytes.size() < 8) return false;
  const unsigned group = bytes[0] | (static_cast<unsigned>(bytes[1]) << 8U);
  const unsigned element = bytes[2] | (static_cast<unsigned>(bytes[3]) << 8U);
  return (group == 0x0002 || group == 0x0008) && element < 0x0100;
}

}  // namespace detail

namespace {

using detail::getDouble;
using detail::getInt;
using detail::getString;
using detail::getU16;
using detail::getVec3;

// Reads orientation/position/spacing/rescale from a functional-group item (enhanced multi-frame).
void applyFunctionalGroup(DcmItem& group, DicomSliceInfo& s) {
  DcmItem* seq_item = nullptr;
  if (group.findAndGetSequenceItem(DCM_PlanePositionSequence, seq_item, 0).good() && seq_item) {
    if (auto p = getVec3(*seq_item, DCM_ImagePositionPatient, 0)) s.position = p;
  }
  if (group.findAndGetSequenceItem(DCM_PlaneOrientationSequence, seq_item, 0).good() && seq_item) {
    if (auto r = getVec3(*seq_item, DCM_ImageOrientationPatient, 0)) s.row_direction = r;
    if (auto c = getVec3(*seq_item, DCM_ImageOrientationPatient, 3)) s.column_direction = c;
  }
  if (group.findAndGetSequenceItem(DCM_PixelMeasuresSequence, seq_item, 0).good() && seq_item) {
    if (auto v = getDouble(*seq_item, DCM_PixelSpacing, 0)) s.row_spacing = *v;
    if (auto v = getDouble(*seq_item, DCM_PixelSpacing, 1)) s.column_spacing = *v;
    if (auto v = getDouble(*seq_item, DCM_SliceThickness, 0)) s.slice_thickness = *v;
  }
  if (group.findAndGetSequenceItem(DCM_PixelValueTransformationSequence, seq_item, 0).good() &&
      seq_item) {
    if (auto v = getDouble(*seq_item, DCM_RescaleSlope, 0)) s.rescale_slope = *v;
    if (auto v = getDouble(*seq_item, DCM_RescaleIntercept, 0)) s.rescale_intercept = *v;
  }
}

std::vector<DicomSliceInfo> slicesFromFileFormat(DcmFileFormat& ff,
                                                 const std::filesystem::path& file) {
  DcmDataset& ds = *ff.getDataset();
  DcmMetaInfo& meta = *ff.getMetaInfo();
  const std::string name = file.string();

  if (!ds.tagExists(DCM_PixelData) && !ds.tagExists(DCM_FloatPixelData)) {
    const std::string cls = getString(ds, DCM_SOPClassUID);
    const char* cls_name = cls.empty() ? nullptr : dcmFindNameOfUID(cls.c_str());
    throw NoDataError(name + ": DICOM object without pixel data (7FE0,0010)" +
                      (cls.empty()
                           ? std::string()
                           : std::string(", SOP class ") + (cls_name ? cls_name : cls.c_str())));
  }

  {
    const std::string cls = getString(ds, DCM_SOPClassUID);
    const std::string modality = getString(ds, DCM_Modality);
    if (modality == "SEG" || cls == UID_SegmentationStorage) {
      throw NoDataError(name + ": DICOM Segmentation (SEG) object, not an image series");
    }
  }
  DicomSliceInfo s;
  s.file = file;
  s.transfer_syntax_uid = getString(meta, DCM_TransferSyntaxUID);
  if (s.transfer_syntax_uid.empty()) {
    s.transfer_syntax_uid = DcmXfer(ds.getOriginalXfer()).getXferID();
  }
  s.sop_class_uid = getString(ds, DCM_SOPClassUID);
  if (s.sop_class_uid.empty()) {
    s.sop_class_uid = getString(meta, DCM_MediaStorageSOPClassUID);
    s.notes.push_back(
        s.sop_class_uid.empty()
            ? "SOPClassUID (0008,0016) is empty"
            : "SOPClassUID (0008,0016) is empty; used MediaStorageSOPClassUID (0002,0002)");
  }
  s.sop_instance_uid = getString(ds, DCM_SOPInstanceUID);
  if (s.sop_instance_uid.empty()) {
    s.sop_instance_uid = getString(meta, DCM_MediaStorageSOPInstanceUID);
    s.notes.push_back(
        s.sop_instance_uid.empty()
            ? "SOPInstanceUID (0008,0018) is empty"
            : "SOPInstanceUID (0008,0018) is empty; used MediaStorageSOPInstanceUID (0002,0003)");
  }
  s.study.specific_character_set = getString(ds, DCM_SpecificCharacterSet);
  s.study.patient_name = getString(ds, DCM_PatientName);
  s.study.patient_id = getString(ds, DCM_PatientID);
  s.study.patient_birth_date = getString(ds, DCM_PatientBirthDate);
  s.study.patient_sex = getString(ds, DCM_PatientSex);
  s.study.study_instance_uid = getString(ds, DCM_StudyInstanceUID);
  s.study.study_date = getString(ds, DCM_StudyDate);
  s.study.study_time = getString(ds, DCM_StudyTime);
  s.study.study_id = getString(ds, DCM_StudyID);
  s.study.accession_number = getString(ds, DCM_AccessionNumber);
  s.study.referring_physician = getString(ds, DCM_ReferringPhysicianName);
  s.study.study_description = getString(ds, DCM_StudyDescription);
  s.series_instance_uid = getString(ds, DCM_SeriesInstanceUID);
  s.frame_of_reference_uid = getString(ds, DCM_FrameOfReferenceUID);
  s.modality = getString(ds, DCM_Modality);
  s.series_description = getString(ds, DCM_SeriesDescription);
  s.series_number = getInt(ds, DCM_SeriesNumber);
  s.instance_number = getInt(ds, DCM_InstanceNumber);
  s.acquisition_number = getInt(ds, DCM_AcquisitionNumber);
  s.position = getVec3(ds, DCM_ImagePositionPatient, 0);
  s.row_direction = getVec3(ds, DCM_ImageOrientationPatient, 0);
  s.column_direction = getVec3(ds, DCM_ImageOrientationPatient, 3);
  if (auto v = getDouble(ds, DCM_PixelSpacing, 0)) s.row_spacing = *v;
  if (auto v = getDouble(ds, DCM_PixelSpacing, 1)) s.column_spacing = *v;
  if (auto v = getDouble(ds, DCM_SliceThickness, 0)) s.slice_thickness = *v;
  if (auto v = getDouble(ds, DCM_GantryDetectorTilt, 0)) s.gantry_tilt_deg = *v;
  if (auto v = getDouble(ds, DCM_RescaleSlope, 0)) s.rescale_slope = *v;
  if (auto v = getDouble(ds, DCM_RescaleIntercept, 0)) s.rescale_intercept = *v;
  getU16(ds, DCM_Rows, s.rows);
  getU16(ds, DCM_Columns, s.columns);
  getU16(ds, DCM_BitsAllocated, s.bits_allocated);
  getU16(ds, DCM_BitsStored, s.bits_stored);
  getU16(ds, DCM_HighBit, s.high_bit);
  getU16(ds, DCM_PixelRepresentation, s.pixel_representation);
  if (!getU16(ds, DCM_SamplesPerPixel, s.samples_per_pixel)) s.samples_per_pixel = 1;
  s.photometric_interpretation = getString(ds, DCM_PhotometricInterpretation);
  if (s.bits_stored == 0) s.bits_stored = s.bits_allocated;
  if (s.high_bit == 0 && s.bits_stored > 0)
    s.high_bit = static_cast<std::uint16_t>(s.bits_stored - 1);
  if (s.rescale_slope == 0.0) {
    s.notes.push_back("RescaleSlope (0028,1053) is 0; used 1");
    s.rescale_slope = 1.0;
  }
  if (s.rows == 0 || s.columns == 0) {
    throw CorruptDataError(name + ": Rows (0028,0010) / Columns (0028,0011) missing or zero");
  }

  const int frames = getInt(ds, DCM_NumberOfFrames).value_or(1);
  if (frames < 1 || frames > 100000) {
    throw CorruptDataError(name + ": NumberOfFrames (0028,0008) = " + std::to_string(frames));
  }
  s.number_of_frames = frames;
  if (frames == 1) return {s};

  // Multi-frame: enhanced objects carry per-frame geometry in functional groups.
  std::vector<DicomSliceInfo> out;
  out.reserve(static_cast<std::size_t>(frames));
  DcmItem* shared = nullptr;
  const bool has_shared =
      ds.findAndGetSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0).good() && shared;
  for (int f = 0; f < frames; ++f) {
    DicomSliceInfo fs = s;
    fs.frame_index = f;
    fs.position.reset();
    if (has_shared) applyFunctionalGroup(*shared, fs);
    DcmItem* per_frame = nullptr;
    if (ds.findAndGetSequenceItem(DCM_PerFrameFunctionalGroupsSequence, per_frame,
                                  static_cast<signed long>(f))
            .good() &&
        per_frame) {
      applyFunctionalGroup(*per_frame, fs);
    }
    if (!fs.position) fs.notes.push_back("frame " + std::to_string(f) + " has no Plane Position");
    out.push_back(std::move(fs));
  }
  return out;
}

}  // namespace

std::vector<DicomSliceInfo> readSliceHeaders(const std::filesystem::path& file) {
  initDicomCodecs();
  std::array<std::uint8_t, 132> head{};
  std::size_t got = 0;
  {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw NotFoundError("cannot open " + file.string());
    in.read(reinterpret_cast<char*>(head.data()), head.size());
    got = static_cast<std::size_t>(in.gcount());
  }
  const std::span<const std::uint8_t> bytes(head.data(), got);
  const bool preamble = detail::hasDicmPreamble(bytes);
  if (!preamble && !detail::looksLikeRawDataset(bytes)) {
    throw NoDataError(file.string() + ": not a DICOM file (no 'DICM' prefix at byte 128)");
  }
  DcmFileFormat ff;
  // Values longer than 4 KiB (the pixel data) stay on disk until decoded.
  const OFCondition st = ff.loadFile(file.c_str(), EXS_Unknown, EGL_noChange, 4096, ERM_autoDetect);
  if (st.bad()) {
    throw CorruptDataError(file.string() + ": cannot parse DICOM (" + st.text() +
                           "); the file may be truncated");
  }
  detail::checkPixelDataLength(ff, file);
  return slicesFromFileFormat(ff, file);
}

}  // namespace rfa::io
