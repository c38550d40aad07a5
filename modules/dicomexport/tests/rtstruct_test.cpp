// RT Structure Set export and import (rtstruct.h) on real DICOM files: dciodvfy, DCMTK read-back,
// plastimatch rasterisation, reference checks, and RTSTRUCTs of other systems (../shared).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "rfa/core/error.h"
#include "rfa/dicomexport/rtstruct.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"
#include "rfa/phantom/ct_writer.h"
#include "test_support.h"

namespace rfa::dicomexport {
namespace {
namespace fs = std::filesystem;

// A small oblique CT: 48 x 44 x 10 voxels, 0.8 x 0.9 x 2.5 mm, rotated 15 degrees in-plane.
io::LoadedImage writeSeries(const fs::path& dir, const std::string& key, bool with_for = true) {
  const double a = 15.0 * M_PI / 180.0;
  Mat3 d;
  d << std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1;
  ImageVolume hu(ImageGeometry({48, 44, 10}, Vec3(0.8, 0.9, 2.5), Vec3(-20.0, -15.5, 100.0), d),
                 -1000.0F);
  for (std::size_t k = 0; k < 10; ++k) {
    for (std::size_t j = 4; j < 40; ++j) {
      for (std::size_t i = 4; i < 44; ++i) hu(i, j, k) = 50.0F + static_cast<float>(i % 7);
    }
  }
  phantom::CtSeriesOptions o;
  o.uid_key = key;
  o.write_frame_of_reference = with_for;
  phantom::writeCtSeries(hu, dir, o);
  return io::loadImage(dir);
}

Mask ball(const ImageGeometry& g, const Vec3& c_idx, double r_vox, double hole_vox = 0) {
  Mask m(g, 0);
  const auto& s = g.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const double dx = static_cast<double>(i) - c_idx.x();
        const double dy = static_cast<double>(j) - c_idx.y();
        const double dz = (static_cast<double>(k) - c_idx.z()) * 3.0;
        const double r = std::sqrt(dx * dx + dy * dy + dz * dz);
        if (r <= r_vox && r > hole_vox) m(i, j, k) = 1;
      }
    }
  }
  return m;
}

std::vector<Roi> testRois(const ImageGeometry& g) {
  std::vector<Roi> rois(4);
  rois[0].number = 1;
  rois[0].name = "Liver";
  rois[0].interpreted_type = "ORGAN";
  rois[0].role = RoiRole::kLiver;
  rois[0].colour = {221, 130, 101};
  rois[0].mask = ball(g, Vec3(24, 22, 4.5), 18, 0);
  rois[1].number = 2;
  rois[1].name = "GTV L1 S1";
  rois[1].description = "a ball with a hole and an island in the hole";
  rois[1].interpreted_type = "GTV";
  rois[1].role = RoiRole::kLesion;
  rois[1].colour = {255, 220, 40};
  rois[1].mask = ball(g, Vec3(24, 22, 4.5), 10, 5);
  {
    Mask island = ball(g, Vec3(24, 22, 4.5), 2, 0);
    for (std::size_t v = 0; v < island.voxelCount(); ++v) {
      if (island.data()[v] != 0) rois[1].mask->data()[v] = 1;
    }
  }
  rois[2].number = 5;
  rois[2].name = "Zone L1 S1 #1 with a very long name that goes beyond sixty-four characters";
  rois[2].interpreted_type = "TREATED_VOLUME";
  rois[2].role = RoiRole::kAblationZone;
  rois[2].colour = {60, 200, 80};
  rois[2].mask = ball(g, Vec3(3, 40, 0), 6, 0);  // cut by the grid border
  rois[3].number = 6;
  rois[3].name = "Needle L1 S1 #1";
  rois[3].role = RoiRole::kNeedle;
  rois[3].colour = {60, 200, 80};
  rois[3].line_lps = {g.indexToLps(Vec3(0, 0, 2)), g.indexToLps(Vec3(24, 22, 4.5))};
  return rois;
}

Mask readMask(const fs::path& f) {
  const LabelMap l = io::readLabelFile(f);
  Mask m(l.geometry(), 0);
  for (std::size_t v = 0; v < l.voxelCount(); ++v) m.data()[v] = l.data()[v] != 0 ? 1 : 0;
  return m;
}

std::size_t differences(const Mask& a, const Mask& b) {
  std::size_t n = 0;
  for (std::size_t v = 0; v < a.voxelCount(); ++v) n += (a.data()[v] != 0) != (b.data()[v] != 0);
  return n;
}

double dice(const Mask& a, const Mask& b) {
  std::size_t na = 0;
  std::size_t nb = 0;
  std::size_t both = 0;
  for (std::size_t v = 0; v < a.voxelCount(); ++v) {
    na += a.data()[v] != 0;
    nb += b.data()[v] != 0;
    both += (a.data()[v] != 0) && (b.data()[v] != 0);
  }
  return na + nb == 0 ? 1.0 : 2.0 * static_cast<double>(both) / static_cast<double>(na + nb);
}

// dciodvfy's lines that start with "Error", and the whole output for the log.
std::vector<std::string> dciodvfyErrors(const fs::path& f, std::string* all = nullptr) {
  const auto r = test::run({"dciodvfy", f.string()});
  const std::string text = r.out + r.err;
  if (all != nullptr) *all = text;
  std::vector<std::string> errors;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Error", 0) == 0) errors.push_back(line);
  }
  return errors;
}

TEST(Rtstruct, WrittenFilePassesDciodvfyAndReadsBackToTheSameMasks) {
  test::TempDir tmp;
  const io::LoadedImage img = writeSeries(tmp / "ct", "rtss-a");
  ASSERT_TRUE(img.series);
  const std::vector<Roi> rois = testRois(img.image.geometry());
  RtstructWriteOptions o;
  o.uid_key = "rtss-a";
  o.date = "20261123";
  o.time = "101500";
  const fs::path f = tmp / "rtss.dcm";
  const RtstructWriteResult w = writeRtstructFile(f, rois, *img.series, o);
  EXPECT_EQ(w.rois, 4U);
  EXPECT_FALSE(w.notes.empty());  // the long name was shortened
  std::cout << "written: " << w.rois << " ROIs, " << w.contours << " contours, " << w.points
            << " points\n";

  if (test::haveProgram("dciodvfy")) {
    std::string all;
    const auto errors = dciodvfyErrors(f, &all);
    EXPECT_TRUE(errors.empty()) << all;
    std::cout << "dciodvfy:\n" << all << "\n";
  } else {
    ADD_FAILURE() << "dciodvfy (Debian dicom3tools) is not installed: packaging/install-deps.sh";
  }

  const RtstructFile r = readRtstructFile(f);
  ASSERT_EQ(r.rois.size(), 4U);
  EXPECT_EQ(r.rois[0].name, "Liver");
  EXPECT_EQ(r.rois[0].interpreted_type, "ORGAN");
  EXPECT_LE(r.rois[2].name.size(), 64U);
  EXPECT_EQ(r.rois[2].name.substr(0, 20), "Zone L1 S1 #1 with a");
  EXPECT_EQ(r.rois[2].number, 5);
  EXPECT_TRUE(r.rois[1].has_colour);
  EXPECT_EQ(r.rois[1].colour, (std::array<std::uint8_t, 3>{255, 220, 40}));
  EXPECT_EQ(r.sop_instance_uid, w.sop_instance_uid);
  EXPECT_EQ(r.study_instance_uid, img.series->study.study_instance_uid);
  ASSERT_EQ(r.references.size(), 1U);
  EXPECT_EQ(r.references[0].series_instance_uid, img.series->series_instance_uid);
  EXPECT_EQ(r.references[0].frame_of_reference_uid, img.series->frame_of_reference_uid);
  EXPECT_EQ(r.references[0].image_sop_instance_uids.size(), 10U);
  // Each closed contour names the slice it lies on.
  for (const RtstructContour& c : r.rois[1].contours) {
    ASSERT_EQ(c.image_sop_instance_uids.size(), 1U);
    const Vec3 idx = img.image.geometry().lpsToIndex(c.points_lps[0]);
    const auto k = static_cast<std::size_t>(std::lround(idx.z()));
    EXPECT_EQ(c.image_sop_instance_uids[0], img.series->slices[k].sop_instance_uid);
  }
  ASSERT_EQ(r.rois[3].contours.size(), 1U);
  EXPECT_EQ(r.rois[3].contours[0].geometric_type, "OPEN_NONPLANAR");

  const RtstructImport imp = importRtstruct(r, *img.series);
  ASSERT_EQ(imp.rois.size(), 4U);
  for (int m = 0; m < 3; ++m) {
    ASSERT_TRUE(imp.rois[static_cast<std::size_t>(m)].mask);
    EXPECT_EQ(differences(*imp.rois[static_cast<std::size_t>(m)].mask,
                          *rois[static_cast<std::size_t>(m)].mask),
              0U)
        << rois[static_cast<std::size_t>(m)].name;
  }
  ASSERT_EQ(imp.rois[3].line_lps.size(), 2U);
  EXPECT_LT((imp.rois[3].line_lps[1] - rois[3].line_lps[1]).norm(), 1e-3);

  // Same inputs and key, same bytes.
  const fs::path f2 = tmp / "rtss2.dcm";
  (void)writeRtstructFile(f2, rois, *img.series, o);
  std::ifstream a(f, std::ios::binary);
  std::ifstream b(f2, std::ios::binary);
  const std::string ba((std::istreambuf_iterator<char>(a)), {});
  const std::string bb((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(ba, bb);
}

TEST(Rtstruct, PlastimatchRasterisesEveryRoiLikeOurMasks) {
  if (!test::haveProgram("plastimatch")) {
    GTEST_FAIL() << "plastimatch is not installed: packaging/install-deps.sh";
  }
  test::TempDir tmp;
  const io::LoadedImage img = writeSeries(tmp / "ct", "rtss-p");
  std::vector<Roi> rois = testRois(img.image.geometry());
  rois[2].name = "Zone L1 S1 #1";
  (void)writeRtstructFile(tmp / "rtss.dcm", rois, *img.series, {});
  const auto r = test::run({"plastimatch", "convert", "--input", (tmp / "rtss.dcm").string(),
                            "--referenced-ct", (tmp / "ct").string(), "--output-prefix",
                            (tmp / "pm").string(), "--prefix-format", "nrrd"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(tmp / "pm")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (int m = 0; m < 3; ++m) {
    const Roi& roi = rois[static_cast<std::size_t>(m)];
    // plastimatch names the files after the ROI, with characters it dislikes replaced.
    fs::path found;
    for (const fs::path& p : files) {
      std::string stem = p.stem().string();
      std::string want = roi.name;
      for (auto* s : {&stem, &want}) {
        s->erase(
            std::remove_if(s->begin(), s->end(),
                           [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }),
            s->end());
      }
      if (stem == want) found = p;
    }
    ASSERT_FALSE(found.empty()) << "no plastimatch output for " << roi.name << " in "
                                << (tmp / "pm").string();
    const Mask pm = readMask(found);
    ASSERT_TRUE(pm.geometry().sameGrid(img.image.geometry(), 1e-2))
        << pm.geometry().describe() << " vs " << img.image.geometry().describe();
    const double d = dice(pm, *roi.mask);
    std::cout << roi.name << ": plastimatch Dice " << d << "\n";
    if (d < 0.999) {
      for (std::size_t k = 0; k < pm.size()[2]; ++k) {
        std::size_t fp = 0, fn = 0;
        for (std::size_t j = 0; j < pm.size()[1]; ++j)
          for (std::size_t i = 0; i < pm.size()[0]; ++i) {
            fp += pm(i, j, k) && !(*roi.mask)(i, j, k);
            fn += !pm(i, j, k) && (*roi.mask)(i, j, k);
          }
        std::cout << "  k=" << k << " fp " << fp << " fn " << fn << "\n";
      }
    }
    EXPECT_GE(d, 0.95) << roi.name;
  }
}

TEST(Rtstruct, SeriesWithoutFrameOfReferenceUsesTheDerivedUidThroughout) {
  test::TempDir tmp;
  const io::LoadedImage img = writeSeries(tmp / "ct", "rtss-nofor", false);
  ASSERT_TRUE(img.series->frame_of_reference_generated);
  const RtstructWriteResult w =
      writeRtstructFile(tmp / "rtss.dcm", testRois(img.image.geometry()), *img.series, {});
  EXPECT_NE(std::find_if(w.notes.begin(), w.notes.end(),
                         [](const std::string& n) {
                           return n.find("Frame of Reference") != std::string::npos;
                         }),
            w.notes.end());
  const RtstructFile r = readRtstructFile(tmp / "rtss.dcm");
  for (const RtstructRoi& roi : r.rois) {
    EXPECT_EQ(roi.frame_of_reference_uid, img.series->frame_of_reference_uid);
  }
  EXPECT_NO_THROW((void)importRtstruct(r, *img.series));
}

TEST(Rtstruct, ImportIntoAnotherSeriesIsRefusedNamingTheUids) {
  test::TempDir tmp;
  const io::LoadedImage a = writeSeries(tmp / "a", "rtss-a");
  const io::LoadedImage b = writeSeries(tmp / "b", "rtss-b");
  (void)writeRtstructFile(tmp / "rtss.dcm", testRois(a.image.geometry()), *a.series, {});
  const RtstructFile r = readRtstructFile(tmp / "rtss.dcm");
  try {
    (void)importRtstruct(r, *b.series);
    FAIL() << "expected SelectionError";
  } catch (const SelectionError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(b.series->series_instance_uid), std::string::npos) << m;
    EXPECT_NE(m.find(a.series->frame_of_reference_uid), std::string::npos) << m;
    EXPECT_NE(m.find("images not in the series"), std::string::npos) << m;
  }
  RtstructImportOptions loose;
  loose.check_references = false;
  const RtstructImport imp = importRtstruct(r, *b.series, loose);
  EXPECT_FALSE(imp.notes.empty());
  EXPECT_EQ(imp.rois.size(), 4U);
}

TEST(Rtstruct, NotAnRtstructIsACorruptDataErrorNamingTheFile) {
  test::TempDir tmp;
  const io::LoadedImage a = writeSeries(tmp / "a", "rtss-a");
  const fs::path ct = a.series->slices[0].file;
  try {
    (void)readRtstructFile(ct);
    FAIL();
  } catch (const CorruptDataError& e) {
    EXPECT_NE(std::string(e.what()).find(ct.string()), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("not an RT Structure Set"), std::string::npos);
  }
  EXPECT_THROW((void)readRtstructFile(tmp / "missing.dcm"), NotFoundError);
}

TEST(Rtstruct, WriteIntoAMissingFolderIsAWriteErrorAndLeavesNothing) {
  test::TempDir tmp;
  const io::LoadedImage a = writeSeries(tmp / "a", "rtss-a");
  EXPECT_THROW((void)writeRtstructFile(tmp / "no" / "such" / "rtss.dcm",
                                       testRois(a.image.geometry()), *a.series, {}),
               WriteError);
  EXPECT_FALSE(fs::exists(tmp / "no"));
}

// --- RTSTRUCTs of other systems (../shared/testdata/rtstruct-refs) ---

struct Expected {
  const char* file;
  std::size_t rois;
  std::size_t contours;
  std::vector<std::string> some_names;
};

TEST(RtstructRefs, EclipseAriaAndMimFilesGiveTheirRoiNamesAndContourCounts) {
  const fs::path root = test::sharedTestData("rtstruct-refs");
  RFA_SKIP_IF_MISSING(root, "rtstruct-refs");
  const std::vector<Expected> cases{
      {"dicompyler-core_eclipse_breast/rtss.dcm", 10, 441, {}},
      {"slicerrt_eclipse_prostate_phantom/"
       "RS.1.2.246.352.71.4.2088656855.2404649.20110920153449.dcm",
       16,
       210,
       {}},
      {"rt-utils_mim_phantom_ct5/rt.dcm", 4, 12, {}},
  };
  for (const Expected& c : cases) {
    const RtstructFile r = readRtstructFile(root / c.file);
    EXPECT_EQ(r.rois.size(), c.rois) << c.file;
    EXPECT_EQ(r.contourCount(), c.contours) << c.file;
    std::cout << c.file << ": " << r.rois.size() << " ROIs, " << r.contourCount() << " contours:";
    for (const RtstructRoi& roi : r.rois) {
      std::cout << " '" << roi.name << "' (" << roi.contours.size() << ")";
      EXPECT_FALSE(roi.name.empty()) << c.file;
    }
    std::cout << "\n";
  }
}

TEST(RtstructRefs, MimStructureSetImportsOntoItsPhantomCt) {
  const fs::path root = test::sharedTestData("rtstruct-refs/rt-utils_mim_phantom_ct5");
  RFA_SKIP_IF_MISSING(root, "rtstruct-refs/rt-utils_mim_phantom_ct5");
  const io::LoadedImage img = io::loadImage(root);
  ASSERT_TRUE(img.series);
  const RtstructImport imp = importRtstruct(readRtstructFile(root / "rt.dcm"), *img.series);
  ASSERT_EQ(imp.rois.size(), 4U);
  for (std::size_t m = 0; m < imp.rois.size(); ++m) {
    std::size_t n = 0;
    for (auto v : imp.rois[m].mask->data()) n += v;
    std::cout << imp.rois[m].name << ": " << imp.contour_counts[m] << " contours, " << n
              << " voxels\n";
    EXPECT_GT(n, 0U) << imp.rois[m].name;
  }
}

TEST(RtstructRefs, RtUtilsMocksWithBrokenReferencesAreRefusedNamingTheMissingImage) {
  const fs::path root = test::sharedTestData("rtstruct-refs/rt-utils_mock");
  RFA_SKIP_IF_MISSING(root, "rtstruct-refs/rt-utils_mock");
  // The mock CT folder also holds the RTSTRUCTs: load the two CT files only.
  test::TempDir tmp;
  fs::create_directories(tmp / "ct");
  fs::copy_file(root / "ct_1.dcm", tmp / "ct" / "ct_1.dcm");
  fs::copy_file(root / "ct_2.dcm", tmp / "ct" / "ct_2.dcm");
  const io::LoadedImage img = io::loadImage(tmp / "ct");
  for (const char* f : {"invalid_reference_rt.dcm", "non_existent_reference_rt.dcm"}) {
    try {
      (void)importRtstruct(readRtstructFile(root / f), *img.series);
      ADD_FAILURE() << f << ": expected SelectionError";
    } catch (const SelectionError& e) {
      const std::string m = e.what();
      std::cout << f << ": " << m << "\n";
      EXPECT_NE(m.find(f), std::string::npos) << m;
      EXPECT_NE(m.find("images not in the series"), std::string::npos) << m;
    }
  }
}

TEST(RtstructRefs, Ircadb17ReferenceStructureSetImportsWithDiceAbove097) {
  const fs::path root = test::sharedTestData("ircadb1-17");
  RFA_SKIP_IF_MISSING(root, "ircadb1-17");
  const io::LoadedImage img = io::loadImage(root / "ct");
  const RtstructFile r = readRtstructFile(root / "reference_rtstruct_plastimatch_from_masks.dcm");
  EXPECT_EQ(r.contourCount(), 208U);
  const RtstructImport imp = importRtstruct(r, *img.series);
  for (std::size_t m = 0; m < imp.rois.size(); ++m) {
    const Mask ref = readMask(root / "labels_nrrd" / (imp.rois[m].name + ".nrrd"));
    ASSERT_TRUE(ref.geometry().sameGrid(img.image.geometry(), 1e-2)) << imp.rois[m].name;
    const double d = dice(*imp.rois[m].mask, ref);
    std::cout << imp.rois[m].name << ": Dice " << d << " against the reference mask\n";
    EXPECT_GE(d, 0.97) << imp.rois[m].name;
  }
  for (const auto& n : imp.notes) std::cout << "note: " << n << "\n";
}

}  // namespace
}  // namespace rfa::dicomexport
