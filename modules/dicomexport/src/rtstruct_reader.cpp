// RT Structure Set reader (DCMTK dcmrt) and import onto a series' grid (rtstruct.h).
#include <dcmtk/config/osconfig.h>  // must come first
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmrt/drtstrct.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "rfa/core/error.h"
#include "rfa/dicomexport/contour.h"
#include "rfa/dicomexport/rtstruct.h"

namespace rfa::dicomexport {
namespace fs = std::filesystem;

namespace {

std::string str(const OFString& s) {
  return {s.c_str()};
}

template <class Item, class Getter>
std::string get(const Item& item, Getter g) {
  OFString v;
  (void)(item.*g)(v, 0);
  return str(v);
}

std::string shortList(const std::vector<std::string>& v, std::size_t max_items = 3) {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < max_items; ++i) s += (i ? ", " : "") + v[i];
  if (v.size() > max_items) s += ", ... (" + std::to_string(v.size()) + " in all)";
  return s;
}

}  // namespace

std::size_t RtstructFile::contourCount() const {
  std::size_t n = 0;
  for (const RtstructRoi& r : rois) n += r.contours.size();
  return n;
}

RtstructFile readRtstructFile(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw NotFoundError(file.string() + ": no such file");
  DcmFileFormat ff;
  const OFCondition lc = ff.loadFile(file.string().c_str(), EXS_Unknown, EGL_noChange,
                                     DCM_MaxReadLength, ERM_autoDetect);
  if (lc.bad()) {
    throw CorruptDataError(file.string() + ": not a readable DICOM file (" + lc.text() + ")");
  }
  DcmDataset& ds = *ff.getDataset();
  OFString sop_class;
  OFString modality;
  (void)ds.findAndGetOFString(DCM_SOPClassUID, sop_class);
  (void)ds.findAndGetOFString(DCM_Modality, modality);
  if (sop_class.empty())
    (void)ff.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPClassUID, sop_class);
  if (sop_class != UID_RTStructureSetStorage && modality != "RTSTRUCT") {
    throw CorruptDataError(file.string() +
                           ": not an RT Structure Set (SOP Class UID (0008,0016) '" +
                           str(sop_class) + "', Modality (0008,0060) '" + str(modality) + "')");
  }
  DRTStructureSetIOD iod;
  const OFCondition rc = iod.read(ds);
  if (rc.bad()) {
    throw CorruptDataError(file.string() + ": cannot read the RT Structure Set (" + rc.text() +
                           ")");
  }
  RtstructFile out;
  out.file = file;
  OFString v;
  (void)iod.getSOPInstanceUID(v);
  out.sop_instance_uid = str(v);
  (void)iod.getSeriesInstanceUID(v);
  out.series_instance_uid = str(v);
  (void)iod.getStudyInstanceUID(v);
  out.study_instance_uid = str(v);
  (void)iod.getPatientID(v);
  out.patient_id = str(v);
  (void)iod.getStructureSetLabel(v);
  out.label = str(v);
  (void)iod.getSpecificCharacterSet(v);
  out.specific_character_set = str(v);

  auto& fors = iod.getReferencedFrameOfReferenceSequence();
  for (std::size_t f = 0; f < fors.getNumberOfItems(); ++f) {
    auto& fi = fors.getItem(f);
    const std::string for_uid =
        get(fi, &DRTReferencedFrameOfReferenceSequence::Item::getFrameOfReferenceUID);
    auto& studies = fi.getRTReferencedStudySequence();
    if (studies.getNumberOfItems() == 0) {
      out.references.push_back({for_uid, {}, {}, {}});
      continue;
    }
    for (std::size_t s = 0; s < studies.getNumberOfItems(); ++s) {
      auto& si = studies.getItem(s);
      const std::string study_uid =
          get(si, &DRTRTReferencedStudySequence::Item::getReferencedSOPInstanceUID);
      auto& series = si.getRTReferencedSeriesSequence();
      for (std::size_t r = 0; r < series.getNumberOfItems(); ++r) {
        auto& ri = series.getItem(r);
        RtstructReference ref;
        ref.frame_of_reference_uid = for_uid;
        ref.study_instance_uid = study_uid;
        ref.series_instance_uid =
            get(ri, &DRTRTReferencedSeriesSequence::Item::getSeriesInstanceUID);
        auto& imgs = ri.getContourImageSequence();
        for (std::size_t m = 0; m < imgs.getNumberOfItems(); ++m) {
          ref.image_sop_instance_uids.push_back(
              get(imgs.getItem(m), &DRTContourImageSequence::Item::getReferencedSOPInstanceUID));
        }
        out.references.push_back(std::move(ref));
      }
    }
  }

  std::map<int, std::size_t> by_number;
  auto& ssrois = iod.getStructureSetROISequence();
  for (std::size_t m = 0; m < ssrois.getNumberOfItems(); ++m) {
    auto& it = ssrois.getItem(m);
    RtstructRoi roi;
    Sint32 number = 0;
    (void)it.getROINumber(number, 0);
    roi.number = number;
    roi.name = get(it, &DRTStructureSetROISequence::Item::getROIName);
    roi.description = get(it, &DRTStructureSetROISequence::Item::getROIDescription);
    roi.frame_of_reference_uid =
        get(it, &DRTStructureSetROISequence::Item::getReferencedFrameOfReferenceUID);
    by_number[roi.number] = out.rois.size();
    out.rois.push_back(std::move(roi));
  }
  auto& obs = iod.getRTROIObservationsSequence();
  for (std::size_t m = 0; m < obs.getNumberOfItems(); ++m) {
    auto& it = obs.getItem(m);
    Sint32 ref = 0;
    (void)it.getReferencedROINumber(ref, 0);
    if (auto f = by_number.find(ref); f != by_number.end()) {
      out.rois[f->second].interpreted_type =
          get(it, &DRTRTROIObservationsSequence::Item::getRTROIInterpretedType);
    }
  }
  auto& rcs = iod.getROIContourSequence();
  for (std::size_t m = 0; m < rcs.getNumberOfItems(); ++m) {
    auto& it = rcs.getItem(m);
    Sint32 ref = 0;
    (void)it.getReferencedROINumber(ref, 0);
    const auto f = by_number.find(ref);
    if (f == by_number.end()) {
      throw CorruptDataError(file.string() + ": ROI Contour Sequence item " +
                             std::to_string(m + 1) + " references ROI number " +
                             std::to_string(ref) +
                             ", which is not in the Structure Set ROI Sequence (3006,0020)");
    }
    RtstructRoi& roi = out.rois[f->second];
    Sint32 c0 = 0;
    Sint32 c1 = 0;
    Sint32 c2 = 0;
    if (it.getROIDisplayColor(c0, 0).good() && it.getROIDisplayColor(c1, 1).good() &&
        it.getROIDisplayColor(c2, 2).good()) {
      const auto clamp8 = [](Sint32 x) {
        return static_cast<std::uint8_t>(std::clamp<Sint32>(x, 0, 255));
      };
      roi.colour = {clamp8(c0), clamp8(c1), clamp8(c2)};
      roi.has_colour = true;
    }
    auto& cs = it.getContourSequence();
    for (std::size_t c = 0; c < cs.getNumberOfItems(); ++c) {
      auto& ci = cs.getItem(c);
      RtstructContour contour;
      contour.geometric_type = get(ci, &DRTContourSequence::Item::getContourGeometricType);
      OFVector<Float64> data;
      (void)ci.getContourData(data);
      Sint32 npts = 0;
      (void)ci.getNumberOfContourPoints(npts, 0);
      if (data.size() % 3 != 0 || (npts > 0 && data.size() != 3 * static_cast<std::size_t>(npts))) {
        throw CorruptDataError(file.string() + ": ROI '" + roi.name + "' contour " +
                               std::to_string(c + 1) + ": Contour Data (3006,0050) holds " +
                               std::to_string(data.size()) + " numbers for " +
                               std::to_string(npts) + " points (3006,0046)");
      }
      for (std::size_t p = 0; p + 2 < data.size(); p += 3) {
        contour.points_lps.emplace_back(data[p], data[p + 1], data[p + 2]);
      }
      auto& imgs = ci.getContourImageSequence();
      for (std::size_t m2 = 0; m2 < imgs.getNumberOfItems(); ++m2) {
        contour.image_sop_instance_uids.push_back(
            get(imgs.getItem(m2), &DRTContourImageSequence::Item::getReferencedSOPInstanceUID));
      }
      roi.contours.push_back(std::move(contour));
    }
  }
  return out;
}

RtstructImport importRtstruct(const RtstructFile& rtss, const io::DicomSeries& series,
                              const RtstructImportOptions& options) {
  if (!series.loadable) {
    throw UnsupportedError("series " + series.series_instance_uid +
                           " cannot be loaded: " + series.error);
  }
  RtstructImport out;
  const std::string file = rtss.file.string();
  std::vector<std::string> problems;

  // Frame of reference: the file's own and each ROI's.
  std::set<std::string> file_fors;
  for (const auto& r : rtss.references) {
    if (!r.frame_of_reference_uid.empty()) file_fors.insert(r.frame_of_reference_uid);
  }
  if (series.frame_of_reference_generated) {
    out.notes.push_back(
        "the series has no Frame of Reference UID: the structure set is matched by "
        "its series and image references");
  } else {
    for (const std::string& f : file_fors) {
      if (f != series.frame_of_reference_uid) {
        problems.push_back("it references Frame of Reference " + f + ", the series is in " +
                           series.frame_of_reference_uid);
        break;
      }
    }
    for (const RtstructRoi& r : rtss.rois) {
      if (!r.frame_of_reference_uid.empty() &&
          r.frame_of_reference_uid != series.frame_of_reference_uid) {
        problems.push_back("ROI '" + r.name + "' is in Frame of Reference " +
                           r.frame_of_reference_uid + ", the series is in " +
                           series.frame_of_reference_uid);
        break;
      }
    }
  }
  // Referenced series.
  std::vector<std::string> ref_series;
  for (const auto& r : rtss.references) {
    if (!r.series_instance_uid.empty()) ref_series.push_back(r.series_instance_uid);
  }
  if (!ref_series.empty() && std::find(ref_series.begin(), ref_series.end(),
                                       series.series_instance_uid) == ref_series.end()) {
    problems.push_back("it references series " + shortList(ref_series) + ", not " +
                       series.series_instance_uid);
  }
  // Every image a contour lies on must be in the series.
  std::set<std::string> images;
  for (const auto& s : series.slices) images.insert(s.sop_instance_uid);
  std::vector<std::string> missing;
  std::size_t missing_contours = 0;
  for (const RtstructRoi& r : rtss.rois) {
    for (const RtstructContour& c : r.contours) {
      bool miss = false;
      for (const std::string& uid : c.image_sop_instance_uids) {
        if (images.count(uid) == 0) {
          miss = true;
          if (std::find(missing.begin(), missing.end(), uid) == missing.end()) {
            missing.push_back(uid);
          }
        }
      }
      if (miss) ++missing_contours;
    }
  }
  if (!missing.empty()) {
    problems.push_back(std::to_string(missing_contours) +
                       " contour(s) lie on images not in the "
                       "series: " +
                       shortList(missing));
  }
  if (!problems.empty()) {
    std::string text;
    for (const std::string& p : problems) text += (text.empty() ? "" : "; ") + p;
    if (options.check_references) {
      throw SelectionError(file + " does not reference series " + series.series_instance_uid +
                           ": " + text);
    }
    out.notes.push_back("references not checked (" + text + ")");
  }

  for (const RtstructRoi& r : rtss.rois) {
    Roi roi;
    roi.number = r.number;
    roi.name = r.name;
    roi.description = r.description;
    roi.interpreted_type = r.interpreted_type;
    roi.role = RoiRole::kOther;
    if (r.has_colour) roi.colour = r.colour;
    std::vector<std::vector<Vec3>> closed;
    for (const RtstructContour& c : r.contours) {
      if (c.geometric_type == "CLOSED_PLANAR") {
        closed.push_back(c.points_lps);
      } else {
        roi.line_lps.insert(roi.line_lps.end(), c.points_lps.begin(), c.points_lps.end());
      }
    }
    if (!closed.empty() || roi.line_lps.empty()) {
      FillReport rep;
      roi.mask = fillContours(series.geometry, closed, file + " ROI '" + r.name + "'", &rep);
      if (rep.off_grid > 0) {
        out.notes.push_back("ROI '" + r.name + "': " + std::to_string(rep.off_grid) +
                            " contour(s) outside the series' slices were left out");
      }
      if (rep.snapped > 0) {
        std::ostringstream m;
        m << "ROI '" << r.name << "': " << rep.snapped << " contour(s) up to "
          << rep.max_plane_offset << " slice spacings off a slice plane were put on the nearest";
        out.notes.push_back(m.str());
      }
      if (rep.degenerate > 0) {
        out.notes.push_back("ROI '" + r.name + "': " + std::to_string(rep.degenerate) +
                            " closed contour(s) with fewer than 3 points were left out");
      }
    }
    out.contour_counts.push_back(r.contours.size());
    out.rois.push_back(std::move(roi));
  }
  return out;
}

}  // namespace rfa::dicomexport
