// DICOM CT series writer (DCMTK) and phantom folder writer.
#include "rfa/phantom/ct_writer.h"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <system_error>

#include "rfa/core/error.h"
#include "rfa/core/parallel.h"
#include "rfa/core/uid.h"
#include "rfa/io/volume_file.h"
#include "rfa/phantom/phantom_folder.h"

namespace rfa::phantom {
namespace fs = std::filesystem;

namespace {

// Decimal String (DS) value of at most 16 characters (PS3.5 6.2).
std::string ds(double v) {
  for (int prec = 10; prec >= 1; --prec) {
    char b[32];
    std::snprintf(b, sizeof b, "%.*g", prec, std::abs(v) < 1e-9 ? 0.0 : v);
    if (std::strlen(b) <= 16) return b;
  }
  return "0";
}

std::string dsMulti(std::initializer_list<double> values) {
  std::string s;
  for (double v : values) s += (s.empty() ? "" : "\\") + ds(v);
  return s;
}

void put(DcmDataset& d, const DcmTagKey& tag, const std::string& value) {
  const OFCondition st = d.putAndInsertString(tag, value.c_str());
  if (st.bad()) {
    throw WriteError("cannot set DICOM attribute " + std::string(DcmTag(tag).getTagName()) + ": " +
                     st.text());
  }
}

}  // namespace

void writeCtSeries(const ImageVolume& hu, const fs::path& dir, const CtSeriesOptions& o) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw WriteError("cannot create folder " + dir.string() + ": " + ec.message());
  const auto& g = hu.geometry();
  const std::string study_uid =
      o.study_instance_uid.empty() ? makeUidFromKey(o.uid_key + "/study") : o.study_instance_uid;
  const std::string series_uid =
      o.series_instance_uid.empty() ? makeUidFromKey(o.uid_key + "/series") : o.series_instance_uid;
  const std::string for_uid = o.frame_of_reference_uid.empty() ? makeUidFromKey(o.uid_key + "/for")
                                                               : o.frame_of_reference_uid;
  const Vec3 row = g.direction().col(0);
  const Vec3 col = g.direction().col(1);
  const std::size_t nx = g.size()[0];
  const std::size_t ny = g.size()[1];
  const std::size_t nz = g.size()[2];
  const int digits = std::max(4, static_cast<int>(std::to_string(nz).size()));
  if (o.modality != "CT" && o.modality != "MR") {
    throw UsageError("writeCtSeries: modality must be CT or MR (got '" + o.modality + "')");
  }
  const bool mr = o.modality == "MR";

  parallelFor(nz, [&](std::size_t k) {
    DcmFileFormat ff;
    DcmDataset& d = *ff.getDataset();
    const std::string sop_uid =
        makeUidFromKey(o.uid_key + "/series/" + series_uid + "/slice/" + std::to_string(k));
    const Vec3 pos = g.indexToLps(Vec3(0, 0, static_cast<double>(k)));
    put(d, DCM_SpecificCharacterSet, "ISO_IR 100");
    put(d, DCM_ImageType, mr ? "ORIGINAL\\PRIMARY\\OTHER" : "ORIGINAL\\PRIMARY\\AXIAL");
    put(d, DCM_SOPClassUID, mr ? UID_MRImageStorage : UID_CTImageStorage);
    put(d, DCM_SOPInstanceUID, sop_uid);
    put(d, DCM_StudyDate, o.study_date);
    put(d, DCM_SeriesDate, o.study_date);
    put(d, DCM_ContentDate, o.study_date);
    put(d, DCM_StudyTime, "120000");
    put(d, DCM_SeriesTime, "120000");
    put(d, DCM_ContentTime, "120000");
    put(d, DCM_AccessionNumber, "");
    put(d, DCM_Modality, mr ? "MR" : "CT");
    put(d, DCM_Manufacturer, "rfaplan");
    put(d, DCM_ReferringPhysicianName, "");
    put(d, DCM_StudyDescription, o.study_description);
    put(d, DCM_SeriesDescription, o.series_description);
    put(d, DCM_ManufacturerModelName, "rfaplan phantom generator");
    put(d, DCM_PatientName, o.patient_name);
    put(d, DCM_PatientID, o.patient_id);
    put(d, DCM_PatientBirthDate, "");
    put(d, DCM_PatientSex, "O");
    put(d, DCM_BodyPartExamined, "ABDOMEN");
    put(d, DCM_SliceThickness, ds(g.spacing()[2]));
    if (mr) {  // MR Image module: a T2-weighted fat-suppressed turbo spin echo
      put(d, DCM_ScanningSequence, "SE");
      put(d, DCM_SequenceVariant, "SK\\SP");
      put(d, DCM_ScanOptions, "FS");
      put(d, DCM_MRAcquisitionType, "2D");
      put(d, DCM_RepetitionTime, "2000");
      put(d, DCM_EchoTime, "80");
      put(d, DCM_EchoTrainLength, "16");
      put(d, DCM_MagneticFieldStrength, "1.5");
      put(d, DCM_SpacingBetweenSlices, ds(g.spacing()[2]));
    } else {
      put(d, DCM_KVP, "120");
    }
    put(d, DCM_PatientPosition, "HFS");
    put(d, DCM_StudyInstanceUID, study_uid);
    put(d, DCM_SeriesInstanceUID, series_uid);
    put(d, DCM_StudyID, "1");
    put(d, DCM_SeriesNumber, std::to_string(o.series_number));
    put(d, DCM_AcquisitionNumber, "1");
    put(d, DCM_InstanceNumber, std::to_string(k + 1));
    put(d, DCM_ImagePositionPatient, dsMulti({pos.x(), pos.y(), pos.z()}));
    put(d, DCM_ImageOrientationPatient,
        dsMulti({row.x(), row.y(), row.z(), col.x(), col.y(), col.z()}));
    if (o.write_frame_of_reference) put(d, DCM_FrameOfReferenceUID, for_uid);
    put(d, DCM_PositionReferenceIndicator, "");
    put(d, DCM_SliceLocation, ds(pos.z()));
    put(d, DCM_SamplesPerPixel, "1");
    put(d, DCM_PhotometricInterpretation, "MONOCHROME2");
    d.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(ny));
    d.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(nx));
    put(d, DCM_PixelSpacing, dsMulti({g.spacing()[1], g.spacing()[0]}));
    d.putAndInsertUint16(DCM_BitsAllocated, 16);
    d.putAndInsertUint16(DCM_BitsStored, 12);
    d.putAndInsertUint16(DCM_HighBit, 11);
    d.putAndInsertUint16(DCM_PixelRepresentation, 0);
    put(d, DCM_WindowCenter, mr ? "400" : "60");
    put(d, DCM_WindowWidth, mr ? "800" : "400");
    if (!mr) {  // the MR Image IOD has no Modality LUT: stored values are the signal
      put(d, DCM_RescaleIntercept, "-1024");
      put(d, DCM_RescaleSlope, "1");
      put(d, DCM_RescaleType, "HU");
    }
    const auto src = hu.slice(k);
    std::vector<Uint16> px(nx * ny);
    for (std::size_t i = 0; i < px.size(); ++i) {
      const double v = static_cast<double>(src[i]);
      px[i] = mr ? static_cast<Uint16>(std::clamp(std::round(v), 0.0, 4095.0)) : storedCtPixel(v);
    }
    d.putAndInsertUint16Array(DCM_PixelData, px.data(), static_cast<unsigned long>(px.size()));
    char name[64];
    std::snprintf(name, sizeof name, "%s%0*zu.dcm", o.file_prefix.c_str(), digits, k + 1);
    const fs::path file = dir / name;
    const OFCondition st = ff.saveFile(file.c_str(), EXS_LittleEndianExplicit);
    if (st.bad()) throw WriteError("cannot write " + file.string() + ": " + st.text());
  });
}

void writePhantomFolder(const Phantom& p, const fs::path& dir) {
  const PhantomOptions& o = p.options;
  CtSeriesOptions co;
  co.uid_key = "rfaplan-phantom/seed-" + std::to_string(o.seed) + "/lesions-" +
               std::to_string(o.lesions) + "/" + p.ct.geometry().describe();
  co.patient_id = "RFAPHANTOM-" + std::to_string(o.seed);
  if (o.mr_t2) {
    co.modality = "MR";
    co.uid_key += "/mr-t2";
    co.series_description = "rfaplan phantom MR (T2 fat-suppressed)";
    co.file_prefix = "MR";
  }
  writeCtSeries(p.ct, dir / "ct", co);

  const fs::path truth = dir / "truth";
  io::writeVolumeFile(truth / "liver.nrrd", p.liver);
  io::writeVolumeFile(truth / "lesions.nrrd", p.lesions);
  io::writeVolumeFile(truth / "vessels.nrrd", p.vessel_radius);
  io::writeVolumeFile(truth / "bone.nrrd", p.bone);
  io::writeVolumeFile(truth / "lung.nrrd", p.lung);
  io::writeVolumeFile(truth / "body.nrrd", p.body);
  io::writeVolumeFile(truth / "gallbladder.nrrd", p.gallbladder);

  using nlohmann::json;
  auto v3 = [](const Vec3& v) { return json::array({v.x(), v.y(), v.z()}); };
  json j;
  j["generator"] = "rfaplan phantom";
  j["frame"] = "DICOM patient LPS, mm";
  j["seed"] = o.seed;
  j["lesion_count"] = o.lesions;
  j["noise_sigma_hu"] = o.noise_sigma_hu;
  // Every PhantomOptions member, so that the phantom can be regenerated bit for bit (e.g. by
  // `rfaplan phantom-followup`).
  j["options"] = {{"lesions", o.lesions},
                  {"seed", o.seed},
                  {"size", {o.size[0], o.size[1], o.size[2]}},
                  {"spacing_mm", v3(o.spacing_mm)},
                  {"noise_sigma_hu", o.noise_sigma_hu},
                  {"min_lesion_diameter_mm", o.min_lesion_diameter_mm},
                  {"max_lesion_diameter_mm", o.max_lesion_diameter_mm},
                  {"neighbours", o.neighbours},
                  {"mr_t2", o.mr_t2}};
  const auto& g = p.ct.geometry();
  j["geometry"] = {{"size", {g.size()[0], g.size()[1], g.size()[2]}},
                   {"spacing_mm", v3(g.spacing())},
                   {"origin_lps_mm", v3(g.origin())}};
  j["series"] = {{"study_instance_uid", makeUidFromKey(co.uid_key + "/study")},
                 {"series_instance_uid", makeUidFromKey(co.uid_key + "/series")},
                 {"frame_of_reference_uid", makeUidFromKey(co.uid_key + "/for")}};
  j["liver_volume_ml"] = p.liver_volume_ml;
  j["lesions"] = json::array();
  for (const auto& l : p.lesion_truth) {
    j["lesions"].push_back({{"label", l.label},
                            {"center_lps_mm", v3(l.center_lps)},
                            {"centroid_voxels_lps_mm", v3(l.centroid_voxels_lps)},
                            {"semi_axes_mm", v3(l.semi_axes_mm)},
                            {"diameter_mm", l.diameter_mm},
                            {"volume_ml_analytic", l.volume_ml_analytic},
                            {"volume_ml_voxels", l.volume_ml_voxels},
                            {"mean_hu", l.mean_hu},
                            {"location", l.location}});
  }
  j["vessels"] = json::array();
  for (const auto& s : p.vessel_truth) {
    j["vessels"].push_back({{"tree", s.tree},
                            {"start_lps_mm", v3(s.start_lps)},
                            {"end_lps_mm", v3(s.end_lps)},
                            {"radius_mm", s.radius_mm}});
  }
  j["files"] = {{"ct", "ct/"},
                {"liver", "truth/liver.nrrd"},
                {"lesions", "truth/lesions.nrrd (instance labels 1..N)"},
                {"vessels", "truth/vessels.nrrd (radius in mm, 0 outside)"},
                {"bone", "truth/bone.nrrd"},
                {"lung", "truth/lung.nrrd"},
                {"body", "truth/body.nrrd"},
                {"gallbladder", "truth/gallbladder.nrrd"}};
  const fs::path out = dir / "truth.json";
  const fs::path tmp = dir / (".truth.json.tmp-" + std::to_string(::getpid()));
  {
    std::ofstream f(tmp);
    f << j.dump(2) << "\n";
    if (!f) throw WriteError("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, out, ec);
  if (ec) throw WriteError("cannot write " + out.string() + ": " + ec.message());
}

}  // namespace rfa::phantom
