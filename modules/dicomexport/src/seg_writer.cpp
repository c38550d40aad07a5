// DICOM Segmentation (SEG) writer: the plan's masks as one BINARY SEG on the source series (DCMTK
// dcmseg, dcmfg, dcmiod).
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcostrmb.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmfg/fgderimg.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmiod/iodmacro.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/core/uid.h"
#include "rfa/dicomexport/seg.h"
#include "seg_common.h"

#ifndef RFAPLAN_VERSION
#define RFAPLAN_VERSION "0"
#endif

namespace rfa::dicomexport {
namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------- values

// Decimal String (DS) value of at most 16 characters (PS3.5 6.2).
std::string ds(double v) {
  if (std::abs(v) < 1e-9) v = 0.0;
  for (int prec = 10; prec >= 1; --prec) {
    char b[32];
    std::snprintf(b, sizeof b, "%.*g", prec, v);
    if (std::strlen(b) <= 16) return b;
  }
  return "0";
}

bool allDigits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// Content date/time: the source's study date/time in the reproducible mode (uid_key), else now.
std::pair<std::string, std::string> contentDateTime(const io::DicomSeries& source,
                                                    bool reproducible) {
  if (reproducible) {
    std::string date = source.study.study_date;
    std::string time = source.study.study_time.substr(0, 6);
    if (date.size() != 8 || !allDigits(date)) date = "19700101";
    if (time.size() != 6 || !allDigits(time)) time = "000000";
    return {date, time};
  }
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char d[16], t[16];
  std::strftime(d, sizeof d, "%Y%m%d", &tm);
  std::strftime(t, sizeof t, "%H%M%S", &tm);
  return {d, t};
}

// ---------------------------------------------------------------- text and character sets

std::u32string decodeUtf8(const std::string& s) {
  std::u32string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    int len = 0;
    char32_t cp = 0;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len > 0 && i + static_cast<std::size_t>(len) <= s.size();
    for (int n = 1; ok && n < len; ++n) {
      const auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(n)]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (!ok) {
      out.push_back(U'\uFFFD');  // invalid byte: replacement character
      ++i;
      continue;
    }
    out.push_back(cp);
    i += static_cast<std::size_t>(len);
  }
  return out;
}

std::string encodeUtf8(const std::u32string& s) {
  std::string out;
  for (char32_t cp : s) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

bool isAscii(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

std::string asciiStandIn(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) c = '?';
  }
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(' ');
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(' ') - b + 1);
}

enum class TextSet { kAscii, kLatin1, kUtf8, kOther };

// rfaplan text (UTF-8) -> the bytes of one DICOM text value in the chosen character set.
class TextEncoder {
 public:
  TextEncoder(TextSet set, std::string charset_name, std::vector<std::string>& notes)
      : set_(set), name_(std::move(charset_name)), notes_(notes) {}

  [[nodiscard]] const std::string& charsetName() const { return name_; }

  /// `max_chars` characters at most (cut with a note); control characters become spaces and, for
  /// multi-valued VRs (`single_value_only`), backslashes become '/'.
  std::string encode(const std::string& utf8, std::size_t max_chars, const std::string& what) {
    std::u32string cps = decodeUtf8(utf8);
    for (char32_t& c : cps) {
      if (c < 0x20 || c == 0x7F) c = U' ';
      if (c == U'\\') c = U'/';
    }
    if (cps.size() > max_chars) {
      cps.resize(max_chars);
      notes_.push_back(what + " cut to " + std::to_string(max_chars) + " characters: \"" +
                       encodeUtf8(cps) + "\"");
    }
    bool lost = false;
    std::string out;
    switch (set_) {
      case TextSet::kUtf8:
        out = encodeUtf8(cps);
        break;
      case TextSet::kLatin1:
        for (char32_t c : cps) {
          if (c <= 0xFF && c != 0xFFFD) {
            out += static_cast<char>(static_cast<unsigned char>(c));
          } else {
            out += '?';
            lost = true;
          }
        }
        break;
      case TextSet::kAscii:
      case TextSet::kOther:
        for (char32_t c : cps) {
          if (c < 0x80) {
            out += static_cast<char>(c);
          } else {
            out += '?';
            lost = true;
          }
        }
        break;
    }
    if (lost) {
      notes_.push_back(what + " \"" + utf8 + "\": characters that SpecificCharacterSet \"" + name_ +
                       "\" of the source cannot hold were written as '?'");
    }
    return out;
  }

 private:
  TextSet set_;
  std::string name_;
  std::vector<std::string>& notes_;
};

// The SEG's SpecificCharacterSet: the source's, widened to ISO_IR 100 / ISO_IR 192 only where
// the source declares none and rfaplan's own text needs it.
TextEncoder chooseCharset(const std::string& source_charset, const std::vector<std::string>& texts,
                          std::vector<std::string>& notes) {
  const std::string cs = trim(source_charset);
  bool ascii = true, latin1 = true;
  for (const auto& t : texts) {
    if (isAscii(t)) continue;
    ascii = false;
    for (char32_t c : decodeUtf8(t)) {
      if (c > 0xFF || c == 0xFFFD) latin1 = false;
    }
  }
  if (cs.empty() || cs == "ISO_IR 6") {
    if (ascii) return {TextSet::kAscii, cs, notes};
    if (latin1) return {TextSet::kLatin1, "ISO_IR 100", notes};
    return {TextSet::kUtf8, "ISO_IR 192", notes};
  }
  if (cs == "ISO_IR 100") return {TextSet::kLatin1, cs, notes};
  if (cs == "ISO_IR 192") return {TextSet::kUtf8, cs, notes};
  return {TextSet::kOther, cs, notes};
}

// ContentLabel is a CS: 1..16 of A-Z, 0-9, space, underscore.
bool validCs(const std::string& s) {
  return !s.empty() && s.size() <= 16 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '_';
  });
}

// ---------------------------------------------------------------- DCMTK helpers

class SegBuilder {
 public:
  explicit SegBuilder(const fs::path& out) : out_(out) {}
  void check(const OFCondition& c, const std::string& what) const {
    if (c.bad()) {
      throw WriteError("cannot write DICOM SEG " + out_.string() + ": " + what + ": " + c.text());
    }
  }

 private:
  const fs::path& out_;
};

// Serialises a file format object (meta header + dataset) to bytes.
std::string toBytes(DcmFileFormat& ff, const SegBuilder& b) {
  const E_TransferSyntax xfer = EXS_LittleEndianExplicit;
  b.check(ff.validateMetaInfo(xfer), "file meta information");
  std::string bytes;
  std::vector<char> chunk(1U << 20);
  DcmOutputBufferStream os(chunk.data(), static_cast<offile_off_t>(chunk.size()));
  ff.transferInit();
  OFCondition c;
  do {
    c = ff.write(os, xfer, EET_ExplicitLength, nullptr);
    void* p = nullptr;
    offile_off_t n = 0;
    os.flushBuffer(p, n);
    bytes.append(static_cast<const char*>(p), static_cast<std::size_t>(n));
  } while (c == EC_StreamNotifyClient);
  ff.transferEnd();
  b.check(c, "encoding");
  return bytes;
}

// The source slice whose position is voxel (0, 0, k) of the grid (0.01 mm in-plane, 1% of the
// slice spacing along k), or nullptr.
const io::DicomSliceInfo* sliceAt(const io::DicomSeries& source, std::size_t k) {
  const ImageGeometry& g = source.geometry;
  const Vec3 p = g.indexToLps(Vec3(0, 0, static_cast<double>(k)));
  const io::DicomSliceInfo* best = nullptr;
  double best_d = 0;
  for (const auto& s : source.slices) {
    if (!s.position) continue;
    const Vec3 c = g.lpsToIndexMatrix() * (*s.position - p);
    if (std::abs(c.x()) * g.spacing()[0] > 0.01 || std::abs(c.y()) * g.spacing()[1] > 0.01 ||
        std::abs(c.z()) > 0.01) {
      continue;
    }
    const double d = (*s.position - p).norm();
    if (!best || d < best_d) {
      best = &s;
      best_d = d;
    }
  }
  return best;
}

std::string roiWhat(const Roi& r) {
  return "ROI '" + r.name + "'";
}

}  // namespace

SegWriteResult writeSegFile(const fs::path& out, const std::vector<Roi>& rois,
                            const io::DicomSeries& source, const SegWriteOptions& o) {
  SegWriteResult result;
  std::vector<std::string>& notes = result.notes;
  const SegBuilder b(out);

  // ---- inputs
  if (!source.loadable || source.slices.empty()) {
    throw UsageError("cannot write DICOM SEG " + out.string() + ": source series " + source.id +
                     " is not a loadable image series" +
                     (source.error.empty() ? std::string() : ": " + source.error));
  }
  if (!validCs(o.content_label)) {
    throw UsageError("cannot write DICOM SEG " + out.string() + ": content label \"" +
                     o.content_label +
                     "\" is not a DICOM CS value (1 to 16 of A-Z, 0-9, space, underscore)");
  }
  if (o.series_number < 0) {
    throw UsageError("cannot write DICOM SEG " + out.string() + ": series number " +
                     std::to_string(o.series_number) + " is negative");
  }
  const ImageGeometry& g = source.geometry;
  const std::size_t nx = g.size()[0], ny = g.size()[1], nz = g.size()[2];
  if (nx == 0 || ny == 0 || nz == 0 || nx > 65535 || ny > 65535) {
    throw GeometryError("cannot write DICOM SEG " + out.string() + ": source grid " + g.describe() +
                        " does not fit SEG frames (1..65535 rows and columns)");
  }

  std::vector<const Roi*> written;
  for (const Roi& r : rois) {
    if (!r.mask) {
      notes.push_back(roiWhat(r) + " has no mask (" +
                      (r.line_lps.empty() ? std::string("no geometry") : "a needle polyline") +
                      "): not in the SEG");
      continue;
    }
    if (!r.mask->geometry().sameGrid(g) || r.mask->voxelCount() != g.voxelCount()) {
      throw GeometryError("cannot write DICOM SEG " + out.string() + ": the mask of " + roiWhat(r) +
                          " is on grid " + r.mask->geometry().describe() +
                          ", not on the grid of source series " + source.series_instance_uid + " " +
                          g.describe());
    }
    if (r.category.value.empty() || r.type.value.empty()) {
      notes.push_back(roiWhat(r) + " has no segmented property category/type code: not in the SEG");
      continue;
    }
    const auto d = r.mask->data();
    if (std::none_of(d.begin(), d.end(), [](std::uint8_t v) { return v != 0; })) {
      notes.push_back(roiWhat(r) + " has an empty mask: not in the SEG (a segment needs a frame)");
      continue;
    }
    if (written.size() == 65535) {
      throw UsageError("cannot write DICOM SEG " + out.string() + ": more than 65535 segments");
    }
    written.push_back(&r);
  }
  if (written.empty()) {
    throw NoDataError("cannot write DICOM SEG " + out.string() +
                      ": no ROI with a non-empty mask and SEG codes (" +
                      std::to_string(rois.size()) + " ROI(s) given)");
  }

  // ---- UIDs, dates, text
  const bool reproducible = !o.uid_key.empty();
  const auto uid = [&](const std::string& given, const std::string& what) {
    if (!given.empty()) {
      if (!isValidUid(given)) {
        throw UsageError("cannot write DICOM SEG " + out.string() + ": " + what + " \"" + given +
                         "\" is not a valid DICOM UID");
      }
      return given;
    }
    return reproducible ? makeUidFromKey(o.uid_key + "/seg/" + what) : makeUid();
  };
  const std::string series_uid = uid(o.series_instance_uid, "series");
  const std::string sop_uid = uid(o.sop_instance_uid, "instance");
  const std::string dimension_uid = uid({}, "dimension-organization");
  std::string study_uid = source.study.study_instance_uid;
  if (study_uid.empty()) {
    study_uid = makeUidFromKey("rfaplan-seg-study/" + source.series_instance_uid);
    notes.push_back("the source series has no StudyInstanceUID: the SEG uses " + study_uid);
  }
  if (source.series_uid_generated) {
    notes.push_back(
        "the source series has no SeriesInstanceUID: the SEG references the UID "
        "rfaplan derived for it, " +
        source.series_instance_uid);
  }
  if (source.frame_of_reference_generated) {
    notes.push_back(
        "the source series has no FrameOfReferenceUID: the SEG carries the UID "
        "rfaplan derived for it, " +
        source.frame_of_reference_uid);
  }
  const auto [content_date, content_time] = contentDateTime(source, reproducible);

  std::vector<std::string> texts{o.series_description, o.content_description, o.content_creator};
  for (const Roi* r : written) {
    for (const auto* t : {&r->name, &r->description, &r->category.meaning, &r->type.meaning}) {
      texts.push_back(*t);
    }
  }
  TextEncoder text = chooseCharset(source.study.specific_character_set, texts, notes);
  // DCMTK 3.6.7 checks text on write against the default repertoire only ("Invalid character" for
  // a Latin-1 name): text goes through DCMTK as ASCII stand-ins and the real values (final
  // encoding, or verbatim from the source) are put into the dataset afterwards.
  std::vector<std::pair<DcmTagKey, std::string>> top_text;
  const auto put = [&](const DcmTagKey& tag, const std::string& value) {
    top_text.emplace_back(tag, value);
    return asciiStandIn(value);
  };
  struct SegmentText {
    std::string label, description, category_meaning, type_meaning;
  };
  std::vector<SegmentText> segment_text;

  // ---- the segmentation object
  const IODGeneralEquipmentModule::EquipmentInfo equipment("rfaplan", "rfaplan", "0",
                                                           RFAPLAN_VERSION);
  ContentIdentificationMacro ident;
  b.check(ident.setInstanceNumber("1"), "InstanceNumber");
  b.check(ident.setContentLabel(o.content_label), "ContentLabel");
  b.check(
      ident.setContentDescription(put(DCM_ContentDescription, text.encode(o.content_description, 64,
                                                                          "content description")),
                                  OFFalse),
      "ContentDescription");
  std::string creator = text.encode(o.content_creator, 64, "content creator");
  if (!creator.empty() && creator.find_first_of("^=") == std::string::npos) creator += '^';
  b.check(ident.setContentCreatorName(put(DCM_ContentCreatorName, creator), OFFalse),
          "ContentCreatorName");
  DcmSegmentation* raw = nullptr;
  b.check(DcmSegmentation::createBinarySegmentation(raw, static_cast<Uint16>(ny),
                                                    static_cast<Uint16>(nx), equipment, ident),
          "creating the segmentation");
  const std::unique_ptr<DcmSegmentation> seg(raw);

  // Patient, study (verbatim from the source), series, frame of reference, instance.
  const io::DicomStudyInfo& st = source.study;
  IODPatientModule& patient = seg->getPatient();
  b.check(patient.setPatientName(put(DCM_PatientName, st.patient_name), OFFalse), "PatientName");
  b.check(patient.setPatientID(put(DCM_PatientID, st.patient_id), OFFalse), "PatientID");
  b.check(patient.setPatientBirthDate(put(DCM_PatientBirthDate, st.patient_birth_date), OFFalse),
          "PatientBirthDate");
  b.check(patient.setPatientSex(put(DCM_PatientSex, st.patient_sex), OFFalse), "PatientSex");
  IODGeneralStudyModule& study = seg->getStudy();
  b.check(study.setStudyInstanceUID(study_uid, OFFalse), "StudyInstanceUID");
  b.check(study.setStudyDate(put(DCM_StudyDate, st.study_date), OFFalse), "StudyDate");
  b.check(study.setStudyTime(put(DCM_StudyTime, st.study_time), OFFalse), "StudyTime");
  b.check(study.setStudyID(put(DCM_StudyID, st.study_id), OFFalse), "StudyID");
  b.check(study.setAccessionNumber(put(DCM_AccessionNumber, st.accession_number), OFFalse),
          "AccessionNumber");
  b.check(study.setReferringPhysicianName(put(DCM_ReferringPhysicianName, st.referring_physician),
                                          OFFalse),
          "ReferringPhysicianName");
  b.check(study.setStudyDescription(put(DCM_StudyDescription, st.study_description), OFFalse),
          "StudyDescription");
  IODGeneralSeriesModule& series = seg->getSeries();
  b.check(series.setSeriesInstanceUID(series_uid), "SeriesInstanceUID");
  b.check(series.setSeriesNumber(std::to_string(o.series_number)), "SeriesNumber");
  b.check(
      series.setSeriesDescription(
          put(DCM_SeriesDescription, text.encode(o.series_description, 64, "series description")),
          OFFalse),
      "SeriesDescription");
  b.check(seg->getFrameOfReference().setFrameOfReferenceUID(source.frame_of_reference_uid),
          "FrameOfReferenceUID " + source.frame_of_reference_uid);
  b.check(seg->getSOPCommon().setSOPInstanceUID(sop_uid), "SOPInstanceUID");
  if (!text.charsetName().empty()) {
    b.check(seg->getSOPCommon().setSpecificCharacterSet(text.charsetName()),
            "SpecificCharacterSet " + text.charsetName());
  }
  b.check(seg->getGeneralImage().setContentDate(content_date), "ContentDate");
  b.check(seg->getGeneralImage().setContentTime(content_time), "ContentTime");

  // Dimensions: segment, then position (as dcmqi).
  IODMultiframeDimensionModule& dims = seg->getDimensions();
  b.check(dims.addDimensionIndex(DCM_ReferencedSegmentNumber, dimension_uid,
                                 DCM_SegmentIdentificationSequence, "ReferencedSegmentNumber"),
          "dimension index ReferencedSegmentNumber");
  b.check(dims.addDimensionIndex(DCM_ImagePositionPatient, dimension_uid, DCM_PlanePositionSequence,
                                 "ImagePositionPatient"),
          "dimension index ImagePositionPatient");

  // Shared functional groups.
  {
    const Vec3 row = g.direction().col(0), col = g.direction().col(1);
    std::unique_ptr<FGPlaneOrientationPatient> orient(FGPlaneOrientationPatient::createMinimal(
        ds(row.x()), ds(row.y()), ds(row.z()), ds(col.x()), ds(col.y()), ds(col.z())));
    if (!orient) b.check(EC_IllegalParameter, "PlaneOrientationSequence");
    b.check(seg->addForAllFrames(*orient), "PlaneOrientationSequence");
    FGPixelMeasures measures;
    b.check(measures.setPixelSpacing(ds(g.spacing()[1]) + "\\" + ds(g.spacing()[0])),
            "PixelSpacing");
    b.check(measures.setSliceThickness(ds(g.spacing()[2])), "SliceThickness");
    b.check(measures.setSpacingBetweenSlices(ds(g.spacing()[2])), "SpacingBetweenSlices");
    b.check(seg->addForAllFrames(measures), "PixelMeasuresSequence");
  }

  // Source slice of every plane.
  std::vector<const io::DicomSliceInfo*> plane_slice(nz, nullptr);
  std::size_t unreferenced = 0;
  for (std::size_t k = 0; k < nz; ++k) plane_slice[k] = sliceAt(source, k);

  // Segments and frames.
  const CodeSequenceMacro derivation_code("113076", "DCM", "Segmentation");
  std::vector<Uint8> frame(nx * ny);
  std::vector<std::uint8_t> hits(g.voxelCount(), 0);
  bool overlap = false;
  std::vector<bool> referenced(nz, false);
  // PixelData packed here: DCMTK 3.6.7 mis-packs 1-bit frames whose Rows*Columns is not a multiple
  // of 8 (DCMTK issue #1132). PS3.5 8.1.1: one continuous bit stream, least significant bit first.
  std::vector<Uint8> packed;
  std::size_t bit = 0;
  for (const Roi* r : written) {
    const std::string what = roiWhat(*r);
    SegmentText& st_text = segment_text.emplace_back();
    st_text.label = text.encode(r->name, 64, what + " label");
    st_text.description = text.encode(r->description, 1024, what + " description");
    st_text.category_meaning = text.encode(r->category.meaning, 64, what + " category meaning");
    st_text.type_meaning = text.encode(r->type.meaning, 64, what + " type meaning");
    CodeSequenceMacro category, type;
    b.check(category.set(r->category.value, r->category.scheme,
                         asciiStandIn(st_text.category_meaning), "", OFFalse),
            what + " category code");
    b.check(
        type.set(r->type.value, r->type.scheme, asciiStandIn(st_text.type_meaning), "", OFFalse),
        what + " type code");
    DcmSegment* segment_raw = nullptr;
    b.check(DcmSegment::create(segment_raw, "rfaplan", category, type,
                               DcmSegTypes::SAT_SEMIAUTOMATIC, "rfaplan"),
            what + " segment");
    std::unique_ptr<DcmSegment> segment(segment_raw);
    b.check(segment->setSegmentLabel(asciiStandIn(st_text.label), OFFalse), what + " SegmentLabel");
    if (!st_text.description.empty()) {
      b.check(segment->setSegmentDescription(asciiStandIn(st_text.description), OFFalse),
              what + " SegmentDescription");
    }
    const auto lab = seg_detail::rgbToDicomLab(r->colour);
    b.check(segment->setRecommendedDisplayCIELabValue(lab[0], lab[1], lab[2]),
            what + " RecommendedDisplayCIELabValue");
    Uint16 number = 0;
    b.check(seg->addSegment(segment.get(), number), what + " segment");
    segment.release();  // owned by the segmentation now
    ++result.segments;

    const Mask& m = *r->mask;
    for (std::size_t k = 0; k < nz; ++k) {
      const auto sl = m.slice(k);
      bool any = false;
      for (std::size_t i = 0; i < sl.size(); ++i) {
        frame[i] = sl[i] != 0 ? 1 : 0;
        if (frame[i]) {
          any = true;
          auto& h = hits[k * nx * ny + i];
          if (h) overlap = true;
          h = 1;
        }
      }
      if (!any) continue;

      const Vec3 p = g.indexToLps(Vec3(0, 0, static_cast<double>(k)));
      std::unique_ptr<FGPlanePosPatient> pos(
          FGPlanePosPatient::createMinimal(ds(p.x()), ds(p.y()), ds(p.z())));
      if (!pos) b.check(EC_IllegalParameter, what + " PlanePositionSequence");
      FGFrameContent content;
      b.check(content.setDimensionIndexValues(number, 0), what + " DimensionIndexValues");
      b.check(content.setDimensionIndexValues(static_cast<Uint32>(k + 1), 1),
              what + " DimensionIndexValues");
      OFVector<FGBase*> per_frame;
      per_frame.push_back(pos.get());
      per_frame.push_back(&content);
      FGDerivationImage derivation;
      if (const io::DicomSliceInfo* s = plane_slice[k]) {
        DerivationImageItem* item = nullptr;
        b.check(derivation.addDerivationImageItem(derivation_code, "", item),
                what + " DerivationImageSequence");
        auto source_item = std::make_unique<SourceImageItem>();
        b.check(source_item->getPurposeOfReferenceCode().set(
                    "121322", "DCM", "Source image for image processing operation"),
                what + " PurposeOfReferenceCodeSequence");
        ImageSOPInstanceReferenceMacro& ref = source_item->getImageSOPInstanceReference();
        b.check(ref.setReferencedSOPClassUID(s->sop_class_uid),
                what + " ReferencedSOPClassUID " + s->sop_class_uid);
        b.check(ref.setReferencedSOPInstanceUID(s->sop_instance_uid),
                what + " ReferencedSOPInstanceUID " + s->sop_instance_uid);
        if (s->number_of_frames > 1) {
          OFVector<Uint16> frames;
          frames.push_back(static_cast<Uint16>(s->frame_index + 1));
          b.check(ref.setReferencedFrameNumber(frames), what + " ReferencedFrameNumber");
        }
        item->getSourceImageItems().push_back(source_item.release());
        per_frame.push_back(&derivation);
        referenced[k] = true;
      } else {
        ++unreferenced;
      }
      b.check(seg->addFrame(frame.data(), number, per_frame),
              what + " frame at k = " + std::to_string(k));
      packed.resize((bit + frame.size() + 7) / 8, 0);
      for (std::size_t i = 0; i < frame.size(); ++i, ++bit) {
        if (frame[i]) packed[bit >> 3] = static_cast<Uint8>(packed[bit >> 3] | (1U << (bit & 7)));
      }
      ++result.frames;
    }
  }
  if (unreferenced > 0) {
    notes.push_back(std::to_string(unreferenced) +
                    " frame(s) lie on planes without a source slice (the series was resampled to "
                    "uniform spacing): they carry no Derivation Image reference");
  }

  // Common Instance Reference: the source series and the slices the frames derive from.
  {
    auto item = std::make_unique<IODSeriesAndInstanceReferenceMacro::ReferencedSeriesItem>();
    b.check(item->setSeriesInstanceUID(source.series_instance_uid),
            "ReferencedSeriesSequence SeriesInstanceUID " + source.series_instance_uid);
    std::vector<std::string> seen;
    for (std::size_t k = 0; k < nz; ++k) {
      const io::DicomSliceInfo* s = plane_slice[k];
      if (!referenced[k] ||
          std::find(seen.begin(), seen.end(), s->sop_instance_uid) != seen.end()) {
        continue;
      }
      seen.push_back(s->sop_instance_uid);
      auto inst = std::make_unique<SOPInstanceReferenceMacro>();
      b.check(inst->setReferencedSOPClassUID(s->sop_class_uid), "ReferencedSOPClassUID");
      b.check(inst->setReferencedSOPInstanceUID(s->sop_instance_uid), "ReferencedSOPInstanceUID");
      item->getReferencedInstanceItems().push_back(inst.release());
    }
    if (!seen.empty()) {
      seg->getCommonInstanceReference().getReferencedSeriesItems().push_back(item.release());
    }
  }

  // ---- encode
  DcmFileFormat ff;
  DcmDataset& d = *ff.getDataset();
  b.check(seg->writeDataset(d), "DCMTK dcmseg");
  for (const auto& [tag, value] : top_text) {
    b.check(d.putAndInsertString(tag, value.c_str()), DcmTag(tag).getTagName());
  }
  {
    DcmSequenceOfItems* segments = nullptr;
    b.check(d.findAndGetSequence(DCM_SegmentSequence, segments), "SegmentSequence");
    if (segments->card() != segment_text.size()) b.check(EC_IllegalCall, "SegmentSequence");
    for (unsigned long s = 0; s < segments->card(); ++s) {
      DcmItem* item = segments->getItem(s);
      const SegmentText& t = segment_text[s];
      b.check(item->putAndInsertString(DCM_SegmentLabel, t.label.c_str()), "SegmentLabel");
      if (!t.description.empty()) {
        b.check(item->putAndInsertString(DCM_SegmentDescription, t.description.c_str()),
                "SegmentDescription");
      }
      for (const auto& [seq, meaning] :
           {std::pair{DCM_SegmentedPropertyCategoryCodeSequence, &t.category_meaning},
            std::pair{DCM_SegmentedPropertyTypeCodeSequence, &t.type_meaning}}) {
        DcmItem* code = nullptr;
        b.check(item->findAndGetSequenceItem(seq, code, 0), DcmTag(seq).getTagName());
        b.check(code->putAndInsertString(DCM_CodeMeaning, meaning->c_str()), "CodeMeaning");
      }
    }
  }
  if (text.charsetName().empty()) {
    d.findAndDeleteElement(DCM_SpecificCharacterSet);
  } else {
    b.check(d.putAndInsertString(DCM_SpecificCharacterSet, text.charsetName().c_str()),
            "SpecificCharacterSet");
  }
  for (const auto& [tag, value] :
       {std::pair{DCM_SeriesDate, content_date}, std::pair{DCM_SeriesTime, content_time},
        std::pair{DCM_InstanceCreationDate, content_date},
        std::pair{DCM_InstanceCreationTime, content_time}}) {
    b.check(d.putAndInsertString(tag, value.c_str()), DcmTag(tag).getTagName());
  }
  b.check(d.putAndInsertString(DCM_SegmentsOverlap, overlap ? "YES" : "NO"), "SegmentsOverlap");
  if (unreferenced > 0) {
    // Frames without a source slice: the Derivation Image Sequence is Type 2 (present, empty).
    DcmSequenceOfItems* per_frame_groups = nullptr;
    b.check(d.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, per_frame_groups),
            "PerFrameFunctionalGroupsSequence");
    for (unsigned long f = 0; f < per_frame_groups->card(); ++f) {
      DcmItem* item = per_frame_groups->getItem(f);
      if (!item->tagExists(DCM_DerivationImageSequence)) {
        b.check(item->insertEmptyElement(DCM_DerivationImageSequence), "DerivationImageSequence");
      }
    }
  }
  // Private coding schemes ("99..."): identified in the Coding Scheme Identification Sequence.
  {
    std::vector<std::string> schemes;
    for (const Roi* r : written) {
      for (const auto* s : {&r->category.scheme, &r->type.scheme}) {
        if (s->rfind("99", 0) == 0 &&
            std::find(schemes.begin(), schemes.end(), *s) == schemes.end())
          schemes.push_back(*s);
      }
    }
    for (std::size_t i = 0; i < schemes.size(); ++i) {
      DcmItem* item = nullptr;
      b.check(d.findOrCreateSequenceItem(DCM_CodingSchemeIdentificationSequence, item,
                                         static_cast<long>(i)),
              "CodingSchemeIdentificationSequence");
      const std::string scheme_name =
          schemes[i] == "99RFAPLAN" ? "rfaplan local codes" : "local codes " + schemes[i];
      b.check(item->putAndInsertString(DCM_CodingSchemeDesignator, schemes[i].c_str()),
              "CodingSchemeDesignator");
      b.check(item->putAndInsertString(DCM_CodingSchemeName, scheme_name.c_str()),
              "CodingSchemeName");
      b.check(item->putAndInsertString(DCM_CodingSchemeResponsibleOrganization, "rfaplan"),
              "CodingSchemeResponsibleOrganization");
    }
  }
  if (packed.size() % 2) packed.push_back(0);  // even length; the padding bits are 0
  b.check(d.putAndInsertUint8Array(DCM_PixelData, packed.data(),
                                   static_cast<unsigned long>(packed.size())),
          "PixelData");

  writeFileAtomically(out, toBytes(ff, b));
  return result;
}

}  // namespace rfa::dicomexport
