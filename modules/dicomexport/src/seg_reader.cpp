// DICOM Segmentation (SEG) reader: segments and frames of a BINARY/FRACTIONAL SEG back into masks
// on the grid of its source series. Segment and functional-group attributes through DCMTK dcmseg;
// the pixel data are unpacked here (DCMTK 3.6.7 mis-packs 1-bit frames whose Rows*Columns is not a
// multiple of 8, DCMTK issue #1132), following PS3.5 8.1.1/8.2: one continuous little-endian
// bit stream, pixel n of frame f at bit f*Rows*Columns + n, least significant bit first.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmfg/fginterface.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmfg/fgseg.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/dicomexport/seg.h"
#include "seg_common.h"

namespace rfa::dicomexport {
namespace fs = std::filesystem;

namespace {

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4f", v);
  return b;
}

std::string vecStr(const Vec3& v) {
  return "(" + num(v.x()) + ", " + num(v.y()) + ", " + num(v.z()) + ")";
}

std::string trimmed(const OFString& s) {
  std::string t = s.c_str();
  while (!t.empty() && (t.back() == ' ' || t.back() == '\0')) t.pop_back();
  while (!t.empty() && t.front() == ' ') t.erase(t.begin());
  return t;
}

// Text of the SEG as UTF-8: ISO_IR 100 (Latin-1) is converted, other sets are kept as stored.
std::string toUtf8(const std::string& s, bool latin1) {
  if (!latin1) return s;
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x80) {
      out += ch;
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

std::string stringOf(DcmItem& item, const DcmTagKey& tag) {
  OFString v;
  if (item.findAndGetOFStringArray(tag, v).bad()) return {};
  return trimmed(v);
}

CodedConcept codeOf(CodeSequenceMacro& m, bool latin1) {
  OFString v, s, meaning;
  m.getCodeValue(v);
  m.getCodingSchemeDesignator(s);
  m.getCodeMeaning(meaning);
  return {trimmed(v), trimmed(s), toUtf8(trimmed(meaning), latin1)};
}

template <class T>
T* group(FGInterface& fg, std::size_t frame, DcmFGTypes::E_FGType type) {
  return dynamic_cast<T*>(fg.get(static_cast<Uint32>(frame), type));
}

}  // namespace

SegRead readSegFile(const fs::path& in, const ImageGeometry& reference,
                    const std::string& reference_frame_of_reference_uid) {
  const std::string name = "DICOM SEG " + in.string();
  std::error_code ec;
  if (!fs::is_regular_file(in, ec)) throw NotFoundError(name + " does not exist or is not a file");

  DcmFileFormat ff;
  const OFCondition loaded = ff.loadFile(in.c_str());
  if (loaded.bad()) throw CorruptDataError("cannot read " + name + ": " + loaded.text());
  DcmDataset& d = *ff.getDataset();
  const std::string sop_class = stringOf(d, DCM_SOPClassUID);
  if (sop_class != UID_SegmentationStorage) {
    throw NoDataError(in.string() + " is not a DICOM Segmentation (SOPClassUID (0008,0016) \"" +
                      sop_class + "\")");
  }
  const DcmXfer xfer(d.getOriginalXfer());
  if (xfer.isEncapsulated() || xfer.getByteOrder() != EBO_LittleEndian) {
    throw UnsupportedError(name + ": transfer syntax " + xfer.getXferName() +
                           " is not supported (native little endian only)");
  }

  SegRead out;
  out.geometry = reference;
  out.segmentation_type = stringOf(d, DCM_SegmentationType);
  const bool binary = out.segmentation_type == "BINARY";
  if (!binary && out.segmentation_type != "FRACTIONAL") {
    throw UnsupportedError(name + ": SegmentationType (0062,0001) \"" + out.segmentation_type +
                           "\" is not supported (BINARY or FRACTIONAL)");
  }
  Uint16 max_fraction = 0;
  if (!binary &&
      (d.findAndGetUint16(DCM_MaximumFractionalValue, max_fraction).bad() || max_fraction == 0)) {
    throw CorruptDataError(name + ": FRACTIONAL without a MaximumFractionalValue (0062,000E)");
  }
  const bool latin1 = stringOf(d, DCM_SpecificCharacterSet) == "ISO_IR 100";
  out.series_instance_uid = stringOf(d, DCM_SeriesInstanceUID);
  out.sop_instance_uid = stringOf(d, DCM_SOPInstanceUID);
  out.frame_of_reference_uid = stringOf(d, DCM_FrameOfReferenceUID);
  {
    DcmItem* series = nullptr;
    if (d.findAndGetSequenceItem(DCM_ReferencedSeriesSequence, series, 0).good() && series) {
      out.referenced_series_uid = stringOf(*series, DCM_SeriesInstanceUID);
    }
  }
  if (!reference_frame_of_reference_uid.empty()) {
    if (out.frame_of_reference_uid.empty()) {
      out.notes.push_back(name + " has no FrameOfReferenceUID; frames are placed by position");
    } else if (out.frame_of_reference_uid != reference_frame_of_reference_uid) {
      throw GeometryError(name + ": FrameOfReferenceUID (0020,0052) " + out.frame_of_reference_uid +
                          " differs from the reference series' FrameOfReferenceUID " +
                          reference_frame_of_reference_uid);
    }
  }

  // Frame size against the reference grid.
  Uint16 rows = 0, columns = 0;
  d.findAndGetUint16(DCM_Rows, rows);
  d.findAndGetUint16(DCM_Columns, columns);
  const std::size_t nx = reference.size()[0], ny = reference.size()[1], nz = reference.size()[2];
  if (rows != ny || columns != nx) {
    throw GeometryError(name + ": frames of " + std::to_string(columns) + " columns x " +
                        std::to_string(rows) + " rows do not match the reference grid " +
                        reference.describe());
  }

  // Pixel data, taken out of the dataset and replaced by zeros (two bytes longer) while DCMTK
  // parses the object, so that DCMTK's own frame unpacking (see file comment) works on harmless
  // data and cannot read past the end.
  std::unique_ptr<DcmElement> pixel_element;
  {
    DcmElement* e = nullptr;
    if (d.findAndGetElement(DCM_PixelData, e).good() && e) pixel_element.reset(d.remove(e));
  }
  Uint8* pixels = nullptr;
  const unsigned long pixel_bytes = pixel_element ? pixel_element->getLength() : 0;
  if (!pixel_element || pixel_element->getUint8Array(pixels).bad() || pixels == nullptr) {
    throw CorruptDataError(name + ": no PixelData (7FE0,0010)");
  }
  {
    const std::vector<Uint8> zeros((pixel_bytes + 3) / 2 * 2, 0);
    if (d.putAndInsertUint8Array(DCM_PixelData, zeros.data(),
                                 static_cast<unsigned long>(zeros.size()))
            .bad()) {
      throw CorruptDataError(name + ": cannot stage PixelData (7FE0,0010) for parsing");
    }
  }

  DcmSegmentation* raw = nullptr;
  const OFCondition parsed = DcmSegmentation::loadDataset(d, raw);
  const std::unique_ptr<DcmSegmentation> seg(raw);
  if (parsed.bad() || !seg) throw CorruptDataError("cannot parse " + name + ": " + parsed.text());

  // Segments, in SegmentSequence order; numbers as stored.
  std::map<unsigned, std::size_t> index_of_number;
  {
    DcmSequenceOfItems* sequence = nullptr;
    if (d.findAndGetSequence(DCM_SegmentSequence, sequence).bad() || !sequence ||
        sequence->card() == 0) {
      throw CorruptDataError(name + ": empty SegmentSequence (0062,0002)");
    }
    if (sequence->card() != seg->getNumberOfSegments()) {
      throw CorruptDataError(name + ": DCMTK read " + std::to_string(seg->getNumberOfSegments()) +
                             " of the " + std::to_string(sequence->card()) + " segments");
    }
    for (unsigned long s = 0; s < sequence->card(); ++s) {
      DcmItem* item = sequence->getItem(s);
      Uint16 number = 0;
      if (!item || item->findAndGetUint16(DCM_SegmentNumber, number).bad() ||
          index_of_number.count(number)) {
        throw CorruptDataError(name + ": segment " + std::to_string(s + 1) +
                               " has no or a duplicate SegmentNumber (0062,0004)");
      }
      index_of_number[number] = s;
      DcmSegment* segment = seg->getSegment(s + 1);
      if (!segment) {
        throw CorruptDataError(name + ": DCMTK cannot read segment " + std::to_string(s + 1));
      }
      SegSegmentRead r;
      r.number = number;
      OFString v;
      segment->getSegmentLabel(v);
      r.label = toUtf8(trimmed(v), latin1);
      v.clear();
      segment->getSegmentDescription(v);
      r.description = toUtf8(trimmed(v), latin1);
      r.category = codeOf(segment->getSegmentedPropertyCategoryCode(), latin1);
      r.type = codeOf(segment->getSegmentedPropertyTypeCode(), latin1);
      r.algorithm_type = stringOf(*item, DCM_SegmentAlgorithmType);
      Uint16 lab_l = 0, lab_a = 0, lab_b = 0;
      if (segment->getRecommendedDisplayCIELabValue(lab_l, lab_a, lab_b).good() &&
          item->tagExistsWithValue(DCM_RecommendedDisplayCIELabValue)) {
        r.colour = seg_detail::dicomLabToRgb({lab_l, lab_a, lab_b});
      }
      r.mask = Mask(reference, 0);
      out.segments.push_back(std::move(r));
    }
  }

  // Frames.
  FGInterface& fg = seg->getFunctionalGroups();
  const std::size_t frames = fg.getNumberOfFrames();
  const std::size_t per_frame = static_cast<std::size_t>(rows) * columns;
  const std::size_t needed = binary ? (frames * per_frame + 7) / 8 : frames * per_frame;
  if (pixel_bytes < needed) {
    throw CorruptDataError(name + ": PixelData holds " + std::to_string(pixel_bytes) + " bytes, " +
                           std::to_string(frames) + " frames of " + std::to_string(columns) + "x" +
                           std::to_string(rows) + " need " + std::to_string(needed));
  }
  const Vec3 ref_row = reference.direction().col(0), ref_col = reference.direction().col(1);
  const auto spacingDrifts = [&](double seg_sp, std::size_t axis) {
    const double ref_sp = reference.spacing()[axis];
    const double n = static_cast<double>(std::max<std::size_t>(reference.size()[axis], 2) - 1);
    return std::abs(seg_sp - ref_sp) * n > std::max(0.01, 0.05 * ref_sp);
  };
  std::set<const FGBase*> checked;
  std::set<std::pair<std::size_t, std::size_t>> filled;  // (segment index, k)
  bool merged = false;
  for (std::size_t f = 0; f < frames; ++f) {
    const std::string frame_name = name + ": frame " + std::to_string(f + 1);
    auto* orient = group<FGPlaneOrientationPatient>(fg, f, DcmFGTypes::EFG_PLANEORIENTPATIENT);
    auto* measures = group<FGPixelMeasures>(fg, f, DcmFGTypes::EFG_PIXELMEASURES);
    auto* position = group<FGPlanePosPatient>(fg, f, DcmFGTypes::EFG_PLANEPOSPATIENT);
    auto* segment_fg = group<FGSegmentation>(fg, f, DcmFGTypes::EFG_SEGMENTATION);
    if (!orient || !measures || !position || !segment_fg) {
      throw CorruptDataError(frame_name +
                             " lacks Plane Orientation, Pixel Measures, Plane Position or "
                             "Segment Identification");
    }
    if (checked.insert(orient).second) {
      Float64 rx = 0, ry = 0, rz = 0, cx = 0, cy = 0, cz = 0;
      if (orient->getImageOrientationPatient(rx, ry, rz, cx, cy, cz).bad()) {
        throw CorruptDataError(frame_name + " has no ImageOrientationPatient (0020,0037)");
      }
      const Vec3 row(rx, ry, rz), col(cx, cy, cz);
      if ((row - ref_row).cwiseAbs().maxCoeff() > 1e-4 ||
          (col - ref_col).cwiseAbs().maxCoeff() > 1e-4) {
        throw GeometryError(frame_name + ": ImageOrientationPatient " + vecStr(row) + " " +
                            vecStr(col) + " differs from the reference grid's " + vecStr(ref_row) +
                            " " + vecStr(ref_col));
      }
    }
    if (checked.insert(measures).second) {
      Float64 between_rows = 0, between_columns = 0;
      if (measures->getPixelSpacing(between_rows, 0).bad() ||
          measures->getPixelSpacing(between_columns, 1).bad()) {
        throw CorruptDataError(frame_name + " has no PixelSpacing (0028,0030)");
      }
      if (spacingDrifts(between_columns, 0) || spacingDrifts(between_rows, 1)) {
        throw GeometryError(frame_name + ": PixelSpacing " + num(between_rows) + "\\" +
                            num(between_columns) + " mm differs from the reference grid's " +
                            num(reference.spacing()[1]) + "\\" + num(reference.spacing()[0]) +
                            " mm");
      }
    }
    Float64 px = 0, py = 0, pz = 0;
    if (position->getImagePositionPatient(px, py, pz).bad()) {
      throw CorruptDataError(frame_name + " has no ImagePositionPatient (0020,0032)");
    }
    const Vec3 p(px, py, pz);
    const Vec3 c = reference.lpsToIndex(p);
    const double k_round = std::round(c.z());
    if (std::abs(c.x()) * reference.spacing()[0] > 0.01 ||
        std::abs(c.y()) * reference.spacing()[1] > 0.01 || std::abs(c.z() - k_round) > 0.01 ||
        k_round < 0 || k_round >= static_cast<double>(nz)) {
      const double k_near = std::clamp(k_round, 0.0, static_cast<double>(nz) - 1);
      throw GeometryError(frame_name + " at " + vecStr(p) +
                          " is not on a slice of the reference grid " + reference.describe() +
                          " (nearest slice k = " + std::to_string(static_cast<long>(k_near)) +
                          " at " + vecStr(reference.indexToLps(Vec3(0, 0, k_near))) + ")");
    }
    const auto k = static_cast<std::size_t>(k_round);
    Uint16 number = 0;
    if (segment_fg->getReferencedSegmentNumber(number).bad() || !index_of_number.count(number)) {
      throw CorruptDataError(frame_name + " references segment " + std::to_string(number) +
                             ", which is not in the SegmentSequence");
    }
    const std::size_t s = index_of_number[number];
    if (!filled.insert({s, k}).second) merged = true;
    auto slice = out.segments[s].mask.slice(k);
    if (binary) {
      const std::size_t base = f * per_frame;
      for (std::size_t n = 0; n < per_frame; ++n) {
        const std::size_t bit = base + n;
        if ((pixels[bit >> 3] >> (bit & 7)) & 1U) slice[n] = 1;
      }
    } else {
      const Uint8* frame = pixels + f * per_frame;
      for (std::size_t n = 0; n < per_frame; ++n) {
        if (frame[n] > 0 && 2U * frame[n] >= max_fraction) slice[n] = 1;
      }
    }
  }
  if (merged) {
    out.notes.push_back(name + " has several frames of one segment on the same plane: merged");
  }
  return out;
}

}  // namespace rfa::dicomexport
