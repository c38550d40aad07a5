// The segmentation folder ('rfaplan segment' output): round trip, absent files, a missing folder
// and a file on another grid.
#include "rfa/io/segmentation_folder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "rfa/core/error.h"
#include "rfa/io/volume_file.h"
#include "test_support.h"

namespace rfa::io {
namespace {
namespace fs = std::filesystem;

ImageGeometry grid() {
  return ImageGeometry({9, 7, 5}, Vec3(0.8, 0.9, 2.5), Vec3(-20.0, 35.5, -100.0));
}

// A mask with a box of voxels set (value `v`: 1, or another non-zero value to test the 0/1 read).
Mask boxMask(const ImageGeometry& g, std::size_t lo, std::size_t hi, std::uint8_t v = 1) {
  Mask m(g, 0);
  for (std::size_t k = lo; k < std::min(hi, g.size()[2]); ++k) {
    for (std::size_t j = lo; j < hi; ++j) {
      for (std::size_t i = lo; i < hi; ++i) m(i, j, k) = v;
    }
  }
  return m;
}

template <class T>
bool sameValues(const Volume<T>& a, const Volume<T>& b) {
  return a.geometry().sameGrid(b.geometry()) &&
         std::equal(a.data().begin(), a.data().end(), b.data().begin(), b.data().end());
}

TEST(SegmentationFolder, RoundTripKeepsEveryVolume) {
  test::TempDir tmp;
  const ImageGeometry g = grid();
  SegmentationFolder f;
  f.body = boxMask(g, 0, 7);
  f.lung = boxMask(g, 5, 7);
  f.bone = boxMask(g, 0, 1);
  f.liver = boxMask(g, 1, 5);
  f.gallbladder = boxMask(g, 4, 5);
  LabelMap lesions(g, 0);
  lesions(2, 2, 2) = 1;
  lesions(3, 3, 2) = 2;
  lesions(4, 1, 3) = 700;
  f.lesions = lesions;
  ImageVolume radius(g, 0.0F);
  radius(1, 2, 3) = 2.75F;
  radius(2, 2, 3) = 4.5F;
  f.vessel_radius_mm = radius;

  const fs::path dir = tmp / "seg" / "case1";  // created, parents included
  writeSegmentationFolder(dir, f);
  for (const char* name : {"body", "lung", "bone", "liver", "gallbladder", "lesions", "vessels"}) {
    EXPECT_TRUE(fs::exists(dir / (std::string(name) + ".nrrd"))) << name;
  }
  const SegmentationFolder r = readSegmentationFolder(dir);
  ASSERT_TRUE(r.body && r.lung && r.bone && r.liver && r.gallbladder && r.lesions &&
              r.vessel_radius_mm);
  EXPECT_TRUE(sameValues(*r.body, *f.body));
  EXPECT_TRUE(sameValues(*r.lung, *f.lung));
  EXPECT_TRUE(sameValues(*r.bone, *f.bone));
  EXPECT_TRUE(sameValues(*r.liver, *f.liver));
  EXPECT_TRUE(sameValues(*r.gallbladder, *f.gallbladder));
  EXPECT_TRUE(sameValues(*r.lesions, *f.lesions));
  EXPECT_TRUE(sameValues(*r.vessel_radius_mm, *f.vessel_radius_mm));
  EXPECT_TRUE(r.liver->geometry().sameGrid(g));
}

TEST(SegmentationFolder, AbsentFilesStayEmptyAndMasksReadAsZeroOne) {
  test::TempDir tmp;
  const ImageGeometry g = grid();
  const fs::path dir = tmp / "seg";
  SegmentationFolder f;
  f.liver = boxMask(g, 1, 5);
  writeSegmentationFolder(dir, f);
  EXPECT_FALSE(fs::exists(dir / "body.nrrd"));
  // A mask written by another tool with 255 for "inside".
  writeVolumeFile(dir / "bone.nrrd", boxMask(g, 0, 2, 255));
  const SegmentationFolder r = readSegmentationFolder(dir);
  EXPECT_FALSE(r.body || r.lung || r.gallbladder || r.lesions || r.vessel_radius_mm);
  ASSERT_TRUE(r.liver && r.bone);
  EXPECT_TRUE(sameValues(*r.liver, *f.liver));
  EXPECT_TRUE(sameValues(*r.bone, boxMask(g, 0, 2, 1)));
}

TEST(SegmentationFolder, MissingFolderIsNotFoundWithAHint) {
  test::TempDir tmp;
  const fs::path dir = tmp / "nope";
  try {
    (void)readSegmentationFolder(dir);
    FAIL() << "no exception";
  } catch (const NotFoundError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(dir.string()), std::string::npos) << m;
    EXPECT_NE(m.find("expected the output folder of 'rfaplan segment'"), std::string::npos) << m;
  }
  // A file where the folder should be is not a folder either.
  writeVolumeFile(tmp / "liver.nrrd", boxMask(grid(), 1, 5));
  EXPECT_THROW((void)readSegmentationFolder(tmp / "liver.nrrd"), NotFoundError);
}

TEST(SegmentationFolder, FileOnAnotherGridIsAGeometryErrorNamingBoth) {
  test::TempDir tmp;
  const ImageGeometry g = grid();
  const ImageGeometry other({9, 7, 6}, Vec3(0.8, 0.9, 2.0), g.origin());
  const fs::path dir = tmp / "seg";
  SegmentationFolder f;
  f.liver = boxMask(g, 1, 5);
  f.vessel_radius_mm = ImageVolume(g, 0.0F);
  writeSegmentationFolder(dir, f);
  writeVolumeFile(dir / "lesions.nrrd", LabelMap(other, 0));
  try {
    (void)readSegmentationFolder(dir);
    FAIL() << "no exception";
  } catch (const GeometryError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("lesions.nrrd (" + other.describe() + ")"), std::string::npos) << m;
    EXPECT_NE(m.find("liver.nrrd (" + g.describe() + ")"), std::string::npos) << m;
  }

  // Writing volumes on two grids fails before any file is written.
  SegmentationFolder mixed;
  mixed.body = boxMask(g, 0, 7);
  mixed.lesions = LabelMap(other, 0);
  const fs::path out = tmp / "mixed";
  EXPECT_THROW(writeSegmentationFolder(out, mixed), GeometryError);
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace rfa::io
