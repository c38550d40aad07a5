// RT Structure Set writer over DCMTK dcmrt (rtstruct.h).
#include <dcmtk/config/osconfig.h>  // must come first
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmrt/drtstrct.h>

#include <fcntl.h>
#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <system_error>

#include "dicom_text.h"
#include "rfa/core/error.h"
#include "rfa/core/uid.h"
#include "rfa/dicomexport/contour.h"
#include "rfa/dicomexport/rtstruct.h"

namespace rfa::dicomexport {
namespace fs = std::filesystem;
using detail::decimalString;
using detail::fitLength;

namespace {

void check(const OFCondition& c, const std::string& what) {
  if (c.bad()) {
    throw Error(ExitCode::kInternal, "RTSTRUCT: cannot set " + what + ": " + c.text());
  }
}

std::string pointsText(const std::vector<Vec3>& pts) {
  std::string s;
  s.reserve(pts.size() * 30);
  for (const Vec3& p : pts) {
    for (int a = 0; a < 3; ++a) {
      if (!s.empty()) s += '\\';
      s += decimalString(p[a]);
    }
  }
  return s;
}

std::string colourText(const std::array<std::uint8_t, 3>& c) {
  return std::to_string(c[0]) + "\\" + std::to_string(c[1]) + "\\" + std::to_string(c[2]);
}

// The source slice each k-slice of the grid is: exact when the series was not resampled,
// otherwise the slice at the same position along the stack (within 1 % of the spacing), if any.
std::vector<const io::DicomSliceInfo*> slicesByK(const io::DicomSeries& s) {
  const std::size_t nz = s.geometry.size()[2];
  std::vector<const io::DicomSliceInfo*> out(nz, nullptr);
  if (!s.resampled && s.slices.size() == nz) {
    for (std::size_t k = 0; k < nz; ++k) out[k] = &s.slices[k];
    return out;
  }
  const double dz = s.geometry.spacing()[2];
  for (std::size_t m = 0; m < s.slices.size() && m < s.slice_positions_mm.size(); ++m) {
    const double kk = (s.slice_positions_mm[m] - s.slice_positions_mm.front()) / dz;
    const double kr = std::round(kk);
    if (std::abs(kk - kr) <= 0.01 && kr >= 0 && kr < static_cast<double>(nz)) {
      out[static_cast<std::size_t>(kr)] = &s.slices[m];
    }
  }
  return out;
}

}  // namespace

RtstructWriteResult writeRtstructFile(const fs::path& out, const std::vector<Roi>& rois,
                                      const io::DicomSeries& source,
                                      const RtstructWriteOptions& options) {
  if (!source.loadable || source.slices.empty()) {
    throw UnsupportedError("RTSTRUCT: the source series " + source.series_instance_uid +
                           " cannot be referenced (" +
                           (source.error.empty() ? std::string("no slices") : source.error) + ")");
  }
  RtstructWriteResult result;
  std::set<int> numbers;
  for (const Roi& r : rois) {
    if (!numbers.insert(r.number).second || r.number <= 0) {
      throw UsageError("RTSTRUCT: ROI number " + std::to_string(r.number) + " ('" + r.name +
                       "') is not a unique positive number");
    }
    if (r.mask && !r.mask->geometry().sameGrid(source.geometry)) {
      throw GeometryError("RTSTRUCT: ROI '" + r.name + "' is on " + r.mask->geometry().describe() +
                          ", not on the source series' grid " + source.geometry.describe());
    }
    if (!r.mask && r.line_lps.size() != 2) {
      throw UsageError("RTSTRUCT: ROI '" + r.name +
                       "' has neither a mask nor a two-point needle line");
    }
  }

  const std::string series_uid =
      options.uid_key.empty() ? makeUid() : makeUidFromKey(options.uid_key + "/rtstruct-series");
  const std::string sop_uid =
      options.uid_key.empty() ? makeUid() : makeUidFromKey(options.uid_key + "/rtstruct-sop");
  const std::string date = options.date.empty() ? detail::utcDate() : options.date;
  const std::string time = options.time.empty() ? detail::utcTime() : options.time;
  const std::string& for_uid = source.frame_of_reference_uid;
  if (source.frame_of_reference_generated) {
    result.notes.push_back(
        "the source series has no Frame of Reference UID: the one rfaplan "
        "derived for it (" +
        for_uid + ") is used");
  }
  const io::DicomStudyInfo& st = source.study;
  const std::vector<const io::DicomSliceInfo*> by_k = slicesByK(source);

  DRTStructureSetIOD iod;
  const std::string charset =
      st.specific_character_set.empty() ? "ISO_IR 100" : st.specific_character_set;
  check(iod.setSpecificCharacterSet(charset.c_str()), "SpecificCharacterSet");
  check(iod.setSOPClassUID(UID_RTStructureSetStorage), "SOPClassUID");
  check(iod.setSOPInstanceUID(sop_uid.c_str()), "SOPInstanceUID");
  check(iod.setInstanceCreationDate(date.c_str()), "InstanceCreationDate");
  check(iod.setInstanceCreationTime(time.c_str()), "InstanceCreationTime");
  // Patient and study: verbatim from the source (same study, a new series).
  check(iod.setPatientName(st.patient_name.c_str(), OFFalse), "PatientName");
  check(iod.setPatientID(st.patient_id.c_str(), OFFalse), "PatientID");
  check(iod.setPatientBirthDate(st.patient_birth_date.c_str(), OFFalse), "PatientBirthDate");
  check(iod.setPatientSex(st.patient_sex.c_str(), OFFalse), "PatientSex");
  check(iod.setStudyInstanceUID(st.study_instance_uid.c_str()), "StudyInstanceUID");
  check(iod.setStudyDate(st.study_date.c_str(), OFFalse), "StudyDate");
  check(iod.setStudyTime(st.study_time.c_str(), OFFalse), "StudyTime");
  check(iod.setStudyID(st.study_id.c_str(), OFFalse), "StudyID");
  check(iod.setAccessionNumber(st.accession_number.c_str(), OFFalse), "AccessionNumber");
  check(iod.setReferringPhysicianName(st.referring_physician.c_str(), OFFalse),
        "ReferringPhysicianName");
  check(iod.setStudyDescription(st.study_description.c_str(), OFFalse), "StudyDescription");
  check(iod.setModality("RTSTRUCT"), "Modality");
  check(iod.setSeriesInstanceUID(series_uid.c_str()), "SeriesInstanceUID");
  check(iod.setSeriesNumber(std::to_string(options.series_number).c_str()), "SeriesNumber");
  check(iod.setSeriesDescription(
            fitLength(options.series_description, 64, "Series Description", result.notes).c_str()),
        "SeriesDescription");
  check(iod.setManufacturer("rfaplan (research use only)"), "Manufacturer");
  check(iod.setManufacturerModelName("rfaplan"), "ManufacturerModelName");
  check(iod.setSoftwareVersions(RFAPLAN_VERSION), "SoftwareVersions");
  check(iod.setInstanceNumber("1"), "InstanceNumber");
  // Frame of Reference module (part of the RT Structure Set IOD since 2019): the source's.
  check(iod.setFrameOfReferenceUID(for_uid.c_str()), "FrameOfReferenceUID");
  check(iod.setPositionReferenceIndicator(""), "PositionReferenceIndicator");
  check(iod.setStructureSetLabel(
            fitLength(options.label, 16, "Structure Set Label", result.notes).c_str()),
        "StructureSetLabel");
  if (!options.name.empty()) {
    check(iod.setStructureSetName(
              fitLength(options.name, 64, "Structure Set Name", result.notes).c_str()),
          "StructureSetName");
  }
  if (!options.description.empty()) {
    check(iod.setStructureSetDescription(options.description.c_str()), "StructureSetDescription");
  }
  check(iod.setStructureSetDate(date.c_str()), "StructureSetDate");
  check(iod.setStructureSetTime(time.c_str()), "StructureSetTime");

  // Referenced Frame of Reference -> RT Referenced Study -> Series -> every image.
  {
    DRTReferencedFrameOfReferenceSequence::Item* f = nullptr;
    check(iod.getReferencedFrameOfReferenceSequence().addItem(f), "ReferencedFrameOfReference");
    check(f->setFrameOfReferenceUID(for_uid.c_str()), "FrameOfReferenceUID");
    DRTRTReferencedStudySequence::Item* study = nullptr;
    check(f->getRTReferencedStudySequence().addItem(study), "RTReferencedStudySequence");
    // The Detached Study Management SOP Class, as RT systems reference a study.
    check(study->setReferencedSOPClassUID("1.2.840.10008.3.1.2.3.1"), "ReferencedSOPClassUID");
    check(study->setReferencedSOPInstanceUID(st.study_instance_uid.c_str()),
          "ReferencedSOPInstanceUID (study)");
    DRTRTReferencedSeriesSequence::Item* series = nullptr;
    check(study->getRTReferencedSeriesSequence().addItem(series), "RTReferencedSeriesSequence");
    check(series->setSeriesInstanceUID(source.series_instance_uid.c_str()),
          "SeriesInstanceUID (referenced)");
    std::set<std::string> seen;
    for (const io::DicomSliceInfo& sl : source.slices) {
      if (!seen.insert(sl.sop_instance_uid).second) continue;  // multi-frame: one item per file
      DRTContourImageSequence::Item* img = nullptr;
      check(series->getContourImageSequence().addItem(img), "ContourImageSequence");
      check(img->setReferencedSOPClassUID(sl.sop_class_uid.c_str()), "ReferencedSOPClassUID");
      check(img->setReferencedSOPInstanceUID(sl.sop_instance_uid.c_str()),
            "ReferencedSOPInstanceUID");
    }
  }

  int observation = 0;
  for (const Roi& r : rois) {
    const std::string name = fitLength(r.name, 64, "ROI Name", result.notes);
    DRTStructureSetROISequence::Item* ssroi = nullptr;
    check(iod.getStructureSetROISequence().addItem(ssroi), "StructureSetROISequence");
    check(ssroi->setROINumber(std::to_string(r.number).c_str()), "ROINumber");
    check(ssroi->setReferencedFrameOfReferenceUID(for_uid.c_str()),
          "ReferencedFrameOfReferenceUID");
    check(ssroi->setROIName(name.c_str()), "ROIName");
    if (!r.description.empty()) {
      check(ssroi->setROIDescription(
                fitLength(r.description, 64, "ROI Description", result.notes).c_str()),
            "ROIDescription");
    }
    check(ssroi->setROIGenerationAlgorithm(r.role == RoiRole::kOther ? "" : "SEMIAUTOMATIC"),
          "ROIGenerationAlgorithm");

    DRTROIContourSequence::Item* rc = nullptr;
    check(iod.getROIContourSequence().addItem(rc), "ROIContourSequence");
    check(rc->setReferencedROINumber(std::to_string(r.number).c_str()), "ReferencedROINumber");
    check(rc->setROIDisplayColor(colourText(r.colour).c_str()), "ROIDisplayColor");
    int contour_number = 0;
    if (r.mask) {
      const std::vector<SliceContour> contours = contoursOfMask(*r.mask);
      if (contours.empty()) result.notes.push_back("ROI '" + name + "' is empty: no contours");
      for (const SliceContour& c : contours) {
        DRTContourSequence::Item* item = nullptr;
        check(rc->getContourSequence().addItem(item), "ContourSequence");
        check(item->setContourNumber(std::to_string(++contour_number).c_str()), "ContourNumber");
        if (const io::DicomSliceInfo* sl = by_k[c.k]) {
          DRTContourImageSequence::Item* img = nullptr;
          check(item->getContourImageSequence().addItem(img), "ContourImageSequence");
          check(img->setReferencedSOPClassUID(sl->sop_class_uid.c_str()), "ReferencedSOPClassUID");
          check(img->setReferencedSOPInstanceUID(sl->sop_instance_uid.c_str()),
                "ReferencedSOPInstanceUID");
          if (sl->number_of_frames > 1) {
            check(img->setReferencedFrameNumber(std::to_string(sl->frame_index + 1).c_str()),
                  "ReferencedFrameNumber");
          }
        }
        check(item->setContourGeometricType("CLOSED_PLANAR"), "ContourGeometricType");
        check(item->setNumberOfContourPoints(std::to_string(c.points_lps.size()).c_str()),
              "NumberOfContourPoints");
        check(item->setContourData(pointsText(c.points_lps).c_str(), OFFalse), "ContourData");
        ++result.contours;
        result.points += c.points_lps.size();
      }
    } else {
      DRTContourSequence::Item* item = nullptr;
      check(rc->getContourSequence().addItem(item), "ContourSequence");
      check(item->setContourNumber("1"), "ContourNumber");
      check(item->setContourGeometricType("OPEN_NONPLANAR"), "ContourGeometricType");
      check(item->setNumberOfContourPoints("2"), "NumberOfContourPoints");
      check(item->setContourData(pointsText(r.line_lps).c_str(), OFFalse), "ContourData");
      ++result.contours;
      result.points += 2;
    }

    DRTRTROIObservationsSequence::Item* obs = nullptr;
    check(iod.getRTROIObservationsSequence().addItem(obs), "RTROIObservationsSequence");
    check(obs->setObservationNumber(std::to_string(++observation).c_str()), "ObservationNumber");
    check(obs->setReferencedROINumber(std::to_string(r.number).c_str()), "ReferencedROINumber");
    check(obs->setROIObservationLabel(r.name.substr(0, 16).c_str()), "ROIObservationLabel");
    if (!r.description.empty()) {
      check(obs->setROIObservationDescription(r.description.c_str()), "ROIObservationDescription");
    }
    check(obs->setRTROIInterpretedType(r.interpreted_type.c_str()), "RTROIInterpretedType");
    check(obs->setROIInterpreter(""), "ROIInterpreter");  // a person; none signed it
    ++result.rois;
  }

  DcmFileFormat ff;
  const OFCondition wc = iod.write(*ff.getDataset());
  if (wc.bad()) {
    throw Error(ExitCode::kInternal,
                "RTSTRUCT: DCMTK refused the structure set: " + std::string(wc.text()));
  }
  fs::path tmp = out;
  tmp += ".tmp-" + std::to_string(::getpid());
  const OFCondition sc = ff.saveFile(tmp.string().c_str(), EXS_LittleEndianExplicit);
  std::error_code ec;
  if (sc.bad()) {
    fs::remove(tmp, ec);
    throw WriteError("cannot write " + out.string() + ": " + sc.text());
  }
  // Flush to disk before the rename, so that a crash leaves the old file or the new one.
  if (const int fd = ::open(tmp.c_str(), O_RDONLY); fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
  fs::rename(tmp, out, ec);
  if (ec) {
    const std::string why = ec.message();
    fs::remove(tmp, ec);
    throw WriteError("cannot write " + out.string() + ": " + why);
  }
  result.series_instance_uid = series_uid;
  result.sop_instance_uid = sop_uid;
  return result;
}

}  // namespace rfa::dicomexport
