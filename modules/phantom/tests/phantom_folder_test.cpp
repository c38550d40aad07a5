// A phantom folder read back: truth.json, the phantom regenerated and checked against it, the
// voxels as the DICOM series holds them (read back with the real DICOM loader).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/phantom/ct_writer.h"
#include "rfa/phantom/phantom.h"
#include "rfa/phantom/phantom_folder.h"
#include "test_support.h"

namespace rfa::phantom {
namespace {

namespace fs = std::filesystem;

PhantomOptions smallOptions() {
  PhantomOptions o;
  o.size = {96, 80, 40};
  o.spacing_mm = Vec3(3, 3, 4);
  o.lesions = 2;
  o.min_lesion_diameter_mm = 12;
  o.max_lesion_diameter_mm = 20;
  o.seed = 7;
  return o;
}

nlohmann::json readJson(const fs::path& f) {
  std::ifstream in(f);
  return nlohmann::json::parse(in);
}

void writeJson(const fs::path& f, const nlohmann::json& j) {
  std::ofstream(f) << j.dump(2) << "\n";
}

TEST(PhantomFolder, ReadBackRegeneratedAndStoredVoxels) {
  test::TempDir tmp;
  const Phantom p = generatePhantom(smallOptions());
  writePhantomFolder(p, tmp.path());

  const PhantomFolderTruth t = readPhantomFolderTruth(tmp.path());
  EXPECT_EQ(t.options.seed, 7U);
  EXPECT_EQ(t.options.lesions, 2);
  EXPECT_TRUE(t.grid.sameGrid(p.ct.geometry(), 1e-9));
  ASSERT_EQ(t.lesions.size(), p.lesion_truth.size());
  EXPECT_EQ(t.lesions[0].label, p.lesion_truth[0].label);
  EXPECT_FALSE(t.series_instance_uid.empty());

  const Phantom again = regeneratePhantom(t);
  EXPECT_EQ(again.ct.data().size(), p.ct.data().size());
  EXPECT_TRUE(std::equal(again.ct.data().begin(), again.ct.data().end(), p.ct.data().begin()));

  // The stored values are what the DICOM loader reads back, voxel for voxel.
  const io::LoadedImage loaded = io::loadImage(tmp.path() / "ct");
  const ImageVolume stored = storedCtValues(p.ct);
  ASSERT_EQ(loaded.image.data().size(), stored.data().size());
  std::size_t differ = 0;
  for (std::size_t i = 0; i < stored.data().size(); ++i) {
    differ += loaded.image.data()[i] != stored.data()[i] ? 1 : 0;
  }
  EXPECT_EQ(differ, 0U);
  EXPECT_EQ(storedCtPixel(-2000.0), 0);
  EXPECT_EQ(storedCtPixel(-0.4), 1024);
  EXPECT_EQ(storedCtPixel(5000.0), 4095);
}

TEST(PhantomFolder, Errors) {
  test::TempDir tmp;
  EXPECT_THROW((void)readPhantomFolderTruth(tmp.path() / "missing"), NotFoundError);
  EXPECT_THROW((void)readPhantomFolderTruth(tmp.path()), NotFoundError);  // no truth.json

  const Phantom p = generatePhantom(smallOptions());
  writePhantomFolder(p, tmp.path());
  const fs::path file = tmp.path() / "truth.json";
  const nlohmann::json good = readJson(file);

  std::ofstream(file) << "{ broken";
  EXPECT_THROW((void)readPhantomFolderTruth(tmp.path()), CorruptDataError);

  nlohmann::json j = good;
  j.erase("options");
  writeJson(file, j);
  try {
    (void)readPhantomFolderTruth(tmp.path());
    FAIL() << "no CorruptDataError";
  } catch (const CorruptDataError& e) {
    EXPECT_NE(std::string(e.what()).find("older rfaplan"), std::string::npos) << e.what();
  }

  j = good;
  j["options"]["mr_t2"] = true;
  writeJson(file, j);
  EXPECT_THROW((void)readPhantomFolderTruth(tmp.path()), UnsupportedError);

  // Options the generator refuses: CorruptDataError naming the file.
  j = good;
  j["options"]["lesions"] = 99;
  writeJson(file, j);
  EXPECT_THROW((void)regeneratePhantom(readPhantomFolderTruth(tmp.path())), CorruptDataError);

  // A recorded truth that the options do not reproduce: SelectionError saying what differs.
  j = good;
  j["liver_volume_ml"] = good["liver_volume_ml"].get<double>() + 10.0;
  writeJson(file, j);
  try {
    (void)regeneratePhantom(readPhantomFolderTruth(tmp.path()));
    FAIL() << "no SelectionError";
  } catch (const SelectionError& e) {
    EXPECT_NE(std::string(e.what()).find("liver"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rfa::phantom
