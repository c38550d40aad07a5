// DICOM SEG export and read-back on a real CT series written to disk (no mocks): dciodvfy and
// dcmdump accept the file, masks/labels/codes/colours come back exactly, frames reference the
// source slice at their position, wrong grids/FoRs are refused, the file is reproducible, the
// bit stream follows PS3.5 for frames that are not a multiple of 8 pixels, and a dcmqi SEG reads.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmfg/fgfracon.h>
#include <dcmtk/dcmfg/fgpixmsr.h>
#include <dcmtk/dcmfg/fgplanor.h>
#include <dcmtk/dcmfg/fgplanpo.h>
#include <dcmtk/dcmseg/segdoc.h>
#include <dcmtk/dcmseg/segment.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/dicomexport/seg.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"
#include "rfa/phantom/ct_writer.h"
#include "test_support.h"

namespace rfa::dicomexport {
namespace {
namespace fs = std::filesystem;

// A proper rotation (det +1): 20 deg about z, then 12 deg about x.
Mat3 obliqueDirection() {
  const double a = 20.0 * M_PI / 180.0, b = 12.0 * M_PI / 180.0;
  Mat3 rz, rx;
  rz << std::cos(a), -std::sin(a), 0, std::sin(a), std::cos(a), 0, 0, 0, 1;
  rx << 1, 0, 0, 0, std::cos(b), -std::sin(b), 0, std::sin(b), std::cos(b);
  return rx * rz;
}

// Writes a CT series of `size` voxels and loads it back through io (as rfaplan does).
io::LoadedImage makeCt(const fs::path& dir, const Size3& size, const Vec3& spacing,
                       const Mat3& direction, const std::string& key) {
  ImageVolume hu(ImageGeometry(size, spacing, Vec3(-20.5, 31.25, -102.0), direction), 40.0F);
  for (std::size_t k = 0; k < size[2]; ++k) {
    for (std::size_t j = 0; j < size[1]; ++j) {
      for (std::size_t i = 0; i < size[0]; ++i) {
        hu(i, j, k) = static_cast<float>((i * 7 + j * 3 + k * 11) % 200) - 50.0F;
      }
    }
  }
  phantom::CtSeriesOptions options;
  options.uid_key = key;
  options.patient_name = "Test^Seg";
  options.study_date = "20250314";
  phantom::writeCtSeries(hu, dir, options);
  io::LoadedImage loaded = io::loadImage(dir);
  if (!loaded.series) throw std::runtime_error("no DICOM series loaded from " + dir.string());
  return loaded;
}

// Voxels whose centre lies within `radius_mm` of the centre of voxel `c`.
template <class F>
Mask maskWhere(const ImageGeometry& g, F inside) {
  Mask m(g, 0);
  for (std::size_t k = 0; k < g.size()[2]; ++k) {
    for (std::size_t j = 0; j < g.size()[1]; ++j) {
      for (std::size_t i = 0; i < g.size()[0]; ++i) {
        const Vec3 ijk(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k));
        if (inside(ijk, g.indexToLps(ijk))) m(i, j, k) = 1;
      }
    }
  }
  return m;
}

std::size_t count(const Mask& m) {
  return static_cast<std::size_t>(std::count(m.data().begin(), m.data().end(), std::uint8_t{1}));
}

std::size_t nonEmptySlices(const Mask& m) {
  std::size_t n = 0;
  for (std::size_t k = 0; k < m.size()[2]; ++k) {
    const auto s = m.slice(k);
    if (std::any_of(s.begin(), s.end(), [](std::uint8_t v) { return v != 0; })) ++n;
  }
  return n;
}

std::vector<Roi> planRois(const ImageGeometry& g) {
  const Vec3 c1 = g.indexToLps(Vec3(14, 16, 5));
  const Vec3 c2 = g.indexToLps(Vec3(30, 20, 6));
  const Vec3 island = g.indexToLps(Vec3(42, 5, 2));
  std::vector<Roi> rois(4);
  rois[0].name = "Liver";
  rois[0].description = "liver parenchyma";
  rois[0].role = RoiRole::kLiver;
  rois[0].colour = {221, 130, 101};
  rois[0].category = {"123037004", "SCT", "Anatomical Structure"};
  rois[0].type = {"10200004", "SCT", "Liver"};
  rois[0].mask = maskWhere(g, [&](const Vec3&, const Vec3& p) { return (p - c1).norm() <= 7.0; });

  rois[1].name = "GTV L1 Läsion";  // not ASCII: Latin-1 in the file (ISO_IR 100 source)
  rois[1].description = "hollow lesion with a satellite";
  rois[1].role = RoiRole::kLesion;
  rois[1].colour = {255, 0, 0};
  rois[1].category = {"49755003", "SCT", "Morphologically Altered Structure"};
  rois[1].type = {"108369006", "SCT", "Neoplasm"};
  rois[1].mask = maskWhere(g, [&](const Vec3&, const Vec3& p) {
    const double r = (p - c2).norm();
    return (r <= 9.0 && r > 4.0) || (p - island).norm() <= 1.6;
  });

  rois[2].name = "Ablation zone L1 #1";
  rois[2].role = RoiRole::kAblationZone;
  rois[2].colour = {0, 151, 206};
  rois[2].category = {"RFA-CAT-PLAN", "99RFAPLAN", "Planned treatment"};
  rois[2].type = {"RFA-ZONE", "99RFAPLAN", "Planned ablation zone"};
  // Touches the i = 0, j = ny-1, k = 0 and k = nz-1 faces of the grid.
  const auto ny = static_cast<double>(g.size()[1]);
  rois[2].mask = maskWhere(g, [&](const Vec3& ijk, const Vec3&) {
    return ijk.x() <= 5 && ijk.y() >= ny - 9 && (ijk.x() + ijk.z()) >= 1;
  });

  rois[3].name = "Needle L1 #1";
  rois[3].role = RoiRole::kNeedle;
  rois[3].colour = {255, 255, 0};
  rois[3].line_lps = {g.indexToLps(Vec3(0, 0, 0)), c2};
  return rois;
}

std::string readBytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// dciodvfy (dicom3tools) prints no line starting with "Error"; everything it prints goes to the
// test log (the expected warnings are listed in the module's report).
void expectNoDciodvfyErrors(const fs::path& file) {
  if (!test::haveProgram("dciodvfy")) {
    std::cout << "dciodvfy not installed: IOD validation of " << file << " skipped\n";
    return;
  }
  const test::RunResult v = test::run({"dciodvfy", file.string()});
  std::istringstream lines(v.out + v.err);
  std::string line;
  std::vector<std::string> errors;
  while (std::getline(lines, line)) {
    std::cout << "[dciodvfy " << file.filename().string() << "] " << line << "\n";
    if (line.rfind("Error", 0) == 0) errors.push_back(line);
  }
  EXPECT_TRUE(errors.empty()) << errors.size() << " error(s), first: " << errors.front();
}

class SegFile : public ::testing::Test {
 protected:
  void SetUp() override {
    ct_ = makeCt(tmp_ / "ct", Size3{48, 40, 12}, Vec3(0.8, 0.8, 2.5), obliqueDirection(),
                 "seg-test-ct");
    rois_ = planRois(ct_.image.geometry());
    options_.uid_key = "seg-test";
  }
  test::TempDir tmp_;
  io::LoadedImage ct_;
  std::vector<Roi> rois_;
  SegWriteOptions options_;
};

TEST_F(SegFile, WritesValidSegAndReadsMasksBackExactly) {
  const fs::path out = tmp_ / "plan_seg.dcm";
  const SegWriteResult w = writeSegFile(out, rois_, *ct_.series, options_);
  EXPECT_EQ(w.segments, 3);
  const std::size_t frames = nonEmptySlices(*rois_[0].mask) + nonEmptySlices(*rois_[1].mask) +
                             nonEmptySlices(*rois_[2].mask);
  EXPECT_EQ(static_cast<std::size_t>(w.frames), frames);
  EXPECT_LT(static_cast<std::size_t>(w.frames), 3U * 12U);  // empty slices have no frame
  ASSERT_EQ(w.notes.size(), 1U);
  EXPECT_NE(w.notes[0].find("Needle L1 #1"), std::string::npos) << w.notes[0];

  expectNoDciodvfyErrors(out);
  if (test::haveProgram("dcmdump")) {
    const test::RunResult dump = test::run({"dcmdump", "-q", out.string()});
    EXPECT_EQ(dump.exit_code, 0) << dump.err;
    EXPECT_NE(dump.out.find("SegmentationStorage"), std::string::npos);
  }

  const SegRead r = readSegFile(out, ct_.image.geometry(), ct_.series->frame_of_reference_uid);
  EXPECT_EQ(r.segmentation_type, "BINARY");
  EXPECT_EQ(r.frame_of_reference_uid, ct_.series->frame_of_reference_uid);
  EXPECT_EQ(r.referenced_series_uid, ct_.series->series_instance_uid);
  EXPECT_NE(r.series_instance_uid, ct_.series->series_instance_uid);
  EXPECT_TRUE(r.notes.empty());
  ASSERT_EQ(r.segments.size(), 3U);
  for (std::size_t s = 0; s < 3; ++s) {
    const Roi& roi = rois_[s];
    const SegSegmentRead& seg = r.segments[s];
    SCOPED_TRACE(roi.name);
    EXPECT_EQ(seg.number, static_cast<int>(s + 1));
    EXPECT_EQ(seg.label, roi.name);
    EXPECT_EQ(seg.description, roi.description);
    EXPECT_EQ(seg.category.value, roi.category.value);
    EXPECT_EQ(seg.category.scheme, roi.category.scheme);
    EXPECT_EQ(seg.category.meaning, roi.category.meaning);
    EXPECT_EQ(seg.type.value, roi.type.value);
    EXPECT_EQ(seg.type.scheme, roi.type.scheme);
    EXPECT_EQ(seg.type.meaning, roi.type.meaning);
    EXPECT_EQ(seg.algorithm_type, "SEMIAUTOMATIC");
    EXPECT_EQ(seg.colour, roi.colour);
    ASSERT_TRUE(seg.mask.geometry().sameGrid(roi.mask->geometry()));
    EXPECT_GT(count(seg.mask), 0U);
    EXPECT_TRUE(
        std::equal(seg.mask.data().begin(), seg.mask.data().end(), roi.mask->data().begin()))
        << count(seg.mask) << " voxels read, " << count(*roi.mask) << " written";
  }
}

TEST_F(SegFile, FramesReferenceTheSourceSliceAtTheirPosition) {
  const fs::path out = tmp_ / "seg.dcm";
  writeSegFile(out, rois_, *ct_.series, options_);
  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile(out.c_str()).good());
  DcmDataset& d = *ff.getDataset();
  OFString s;
  ASSERT_TRUE(d.findAndGetOFString(DCM_FrameOfReferenceUID, s).good());
  EXPECT_EQ(std::string(s.c_str()), ct_.series->frame_of_reference_uid);
  ASSERT_TRUE(d.findAndGetOFString(DCM_StudyInstanceUID, s).good());
  EXPECT_EQ(std::string(s.c_str()), ct_.series->study.study_instance_uid);
  ASSERT_TRUE(d.findAndGetOFString(DCM_PatientName, s).good());
  EXPECT_EQ(std::string(s.c_str()), "Test^Seg");
  ASSERT_TRUE(d.findAndGetOFString(DCM_Modality, s).good());
  EXPECT_EQ(std::string(s.c_str()), "SEG");
  // The liver ball and the lesion shell share voxels; the border box touches neither.
  bool overlap = false;
  for (std::size_t v = 0; v < rois_[0].mask->voxelCount(); ++v) {
    overlap = overlap ||
              (rois_[0].mask->data()[v] + rois_[1].mask->data()[v] + rois_[2].mask->data()[v]) > 1;
  }
  ASSERT_TRUE(overlap);
  ASSERT_TRUE(d.findAndGetOFString(DCM_SegmentsOverlap, s).good());
  EXPECT_EQ(std::string(s.c_str()), "YES");

  DcmSequenceOfItems* frames = nullptr;
  ASSERT_TRUE(d.findAndGetSequence(DCM_PerFrameFunctionalGroupsSequence, frames).good());
  ASSERT_GT(frames->card(), 0U);
  const ImageGeometry& g = ct_.image.geometry();
  for (unsigned long f = 0; f < frames->card(); ++f) {
    DcmItem* item = frames->getItem(f);
    DcmItem* pos = nullptr;
    ASSERT_TRUE(item->findAndGetSequenceItem(DCM_PlanePositionSequence, pos, 0).good());
    Vec3 p;
    for (unsigned long a = 0; a < 3; ++a) {
      Float64 v = 0;
      ASSERT_TRUE(pos->findAndGetFloat64(DCM_ImagePositionPatient, v, a).good());
      p[static_cast<Eigen::Index>(a)] = v;
    }
    const double k = g.lpsToIndex(p).z();
    const auto ki = static_cast<std::size_t>(std::lround(k));
    ASSERT_NEAR(k, static_cast<double>(ki), 1e-4);
    // The CT slice at this position (by its own ImagePositionPatient).
    const io::DicomSliceInfo* slice = nullptr;
    for (const auto& sl : ct_.series->slices) {
      if ((*sl.position - p).norm() < 1e-3) slice = &sl;
    }
    ASSERT_NE(slice, nullptr) << "no CT slice at frame " << f + 1;
    DcmItem* der = nullptr;
    DcmItem* src = nullptr;
    DcmItem* purpose = nullptr;
    ASSERT_TRUE(item->findAndGetSequenceItem(DCM_DerivationImageSequence, der, 0).good());
    ASSERT_TRUE(der->findAndGetSequenceItem(DCM_SourceImageSequence, src, 0).good());
    ASSERT_TRUE(src->findAndGetOFString(DCM_ReferencedSOPInstanceUID, s).good());
    EXPECT_EQ(std::string(s.c_str()), slice->sop_instance_uid) << "frame " << f + 1;
    ASSERT_TRUE(src->findAndGetOFString(DCM_ReferencedSOPClassUID, s).good());
    EXPECT_EQ(std::string(s.c_str()), slice->sop_class_uid);
    ASSERT_TRUE(src->findAndGetSequenceItem(DCM_PurposeOfReferenceCodeSequence, purpose, 0).good());
    ASSERT_TRUE(purpose->findAndGetOFString(DCM_CodeValue, s).good());
    EXPECT_EQ(std::string(s.c_str()), "121322");
  }
}

TEST_F(SegFile, ReadAgainstAnotherGridOrFrameOfReferenceFails) {
  const fs::path out = tmp_ / "seg.dcm";
  writeSegFile(out, rois_, *ct_.series, options_);
  const ImageGeometry& g = ct_.image.geometry();
  const std::string& for_uid = ct_.series->frame_of_reference_uid;

  // Shifted by 1.2 mm along k: frames fall between slices.
  const ImageGeometry shifted(g.size(), g.spacing(), g.origin() + g.direction().col(2) * 1.2,
                              g.direction());
  try {
    (void)readSegFile(out, shifted, for_uid);
    FAIL() << "no GeometryError for a shifted grid";
  } catch (const GeometryError& e) {
    EXPECT_NE(std::string(e.what()).find("frame 1"), std::string::npos) << e.what();
  }
  // Other orientation.
  const ImageGeometry axial(g.size(), g.spacing(), g.origin());
  EXPECT_THROW((void)readSegFile(out, axial, for_uid), GeometryError);
  // Other size.
  const ImageGeometry smaller(Size3{40, 40, 12}, g.spacing(), g.origin(), g.direction());
  EXPECT_THROW((void)readSegFile(out, smaller, for_uid), GeometryError);
  // Other frame of reference: both UIDs named.
  try {
    (void)readSegFile(out, g, "1.2.3.4.5");
    FAIL() << "no GeometryError for another frame of reference";
  } catch (const GeometryError& e) {
    EXPECT_NE(std::string(e.what()).find("1.2.3.4.5"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(for_uid), std::string::npos) << e.what();
  }
  // Not a SEG, missing file.
  EXPECT_THROW((void)readSegFile(ct_.series->slices[0].file, g, for_uid), NoDataError);
  EXPECT_THROW((void)readSegFile(tmp_ / "absent.dcm", g, for_uid), NotFoundError);
}

TEST_F(SegFile, WriterRefusesMasksOnAnotherGridAndKeepsNothingOnFailure) {
  std::vector<Roi> rois = rois_;
  const ImageGeometry& g = ct_.image.geometry();
  rois[1].mask = Mask(ImageGeometry(g.size(), g.spacing(), g.origin()), 1);
  try {
    (void)writeSegFile(tmp_ / "bad.dcm", rois, *ct_.series, options_);
    FAIL() << "no GeometryError";
  } catch (const GeometryError& e) {
    EXPECT_NE(std::string(e.what()).find("GTV L1"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(tmp_ / "bad.dcm"));

  // Unwritable target (its folder is a regular file): WriteError with the path, no leftovers.
  { std::ofstream(tmp_ / "not_a_folder") << "x"; }
  const fs::path out = tmp_ / "not_a_folder" / "seg.dcm";
  try {
    (void)writeSegFile(out, rois_, *ct_.series, options_);
    FAIL() << "no WriteError";
  } catch (const WriteError& e) {
    EXPECT_NE(std::string(e.what()).find(out.string()), std::string::npos) << e.what();
  }
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(tmp_.path())) {
    left.push_back(e.path().filename().string());
  }
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"ct", "not_a_folder"}));

  // Nothing to write: only a needle and an empty mask.
  std::vector<Roi> nothing{rois_[3], rois_[0]};
  nothing[1].mask = Mask(g, 0);
  EXPECT_THROW((void)writeSegFile(tmp_ / "none.dcm", nothing, *ct_.series, options_), NoDataError);
  EXPECT_FALSE(fs::exists(tmp_ / "none.dcm"));
}

TEST_F(SegFile, SameInputAndKeyGiveTheSameBytes) {
  writeSegFile(tmp_ / "a.dcm", rois_, *ct_.series, options_);
  writeSegFile(tmp_ / "b.dcm", rois_, *ct_.series, options_);
  const std::string a = readBytes(tmp_ / "a.dcm"), b = readBytes(tmp_ / "b.dcm");
  ASSERT_GT(a.size(), 1000U);
  EXPECT_TRUE(a == b) << "files differ";
  // Another key: other UIDs; no key: fresh UIDs each time.
  SegWriteOptions other = options_;
  other.uid_key = "seg-test-2";
  writeSegFile(tmp_ / "c.dcm", rois_, *ct_.series, other);
  EXPECT_NE(readSegFile(tmp_ / "c.dcm", ct_.image.geometry(), "").sop_instance_uid,
            readSegFile(tmp_ / "a.dcm", ct_.image.geometry(), "").sop_instance_uid);
  other.uid_key.clear();
  writeSegFile(tmp_ / "d.dcm", rois_, *ct_.series, other);
  writeSegFile(tmp_ / "e.dcm", rois_, *ct_.series, other);
  EXPECT_NE(readSegFile(tmp_ / "d.dcm", ct_.image.geometry(), "").series_instance_uid,
            readSegFile(tmp_ / "e.dcm", ct_.image.geometry(), "").series_instance_uid);
}

// A series with a missing slice loads resampled to uniform spacing: the plane without a CT slice
// keeps its frame (no Derivation Image reference, with a note) and everything reads back.
TEST(SegResampled, PlaneWithoutSourceSliceIsWrittenWithANote) {
  test::TempDir tmp;
  const fs::path dir = tmp / "ct";
  (void)makeCt(dir, Size3{16, 16, 8}, Vec3(1.0, 1.0, 2.0), Mat3::Identity(), "seg-gap-ct");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 8U);
  fs::remove(files[4]);
  const io::LoadedImage ct = io::loadImage(dir);
  ASSERT_TRUE(ct.series->resampled);
  ASSERT_EQ(ct.image.size()[2], 8U);
  std::vector<Roi> rois(1);
  rois[0].name = "Liver";
  rois[0].category = {"123037004", "SCT", "Anatomical Structure"};
  rois[0].type = {"10200004", "SCT", "Liver"};
  rois[0].mask = maskWhere(ct.image.geometry(), [](const Vec3& ijk, const Vec3&) {
    return ijk.x() > 3 && ijk.x() < 12 && ijk.y() > 2 && ijk.y() < 10;
  });
  const fs::path out = tmp / "seg.dcm";
  const SegWriteResult w = writeSegFile(out, rois, *ct.series);
  EXPECT_EQ(w.frames, 8);
  ASSERT_EQ(w.notes.size(), 1U);
  EXPECT_NE(w.notes[0].find("1 frame(s) lie on planes without a source slice"), std::string::npos)
      << w.notes[0];
  expectNoDciodvfyErrors(out);
  const SegRead r = readSegFile(out, ct.image.geometry(), ct.series->frame_of_reference_uid);
  ASSERT_EQ(r.segments.size(), 1U);
  EXPECT_TRUE(std::equal(r.segments[0].mask.data().begin(), r.segments[0].mask.data().end(),
                         rois[0].mask->data().begin()));
}

// Frames of 13x11 = 143 pixels (not a multiple of 8): the bits of frame f start at bit f*143 of
// one continuous stream, least significant bit first (PS3.5 8.1.1), decoded here independently.
TEST(SegBits, FramesThatAreNotAMultipleOf8PixelsFollowTheStandardBitStream) {
  test::TempDir tmp;
  const io::LoadedImage ct =
      makeCt(tmp / "ct", Size3{13, 11, 5}, Vec3(1.1, 0.9, 3.0), Mat3::Identity(), "seg-bits-ct");
  const ImageGeometry& g = ct.image.geometry();
  std::vector<Roi> rois(2);
  for (std::size_t r = 0; r < 2; ++r) {
    rois[r].name = "segment " + std::to_string(r + 1);
    rois[r].category = {"123037004", "SCT", "Anatomical Structure"};
    rois[r].type = {"10200004", "SCT", "Liver"};
    rois[r].mask = maskWhere(g, [r](const Vec3& ijk, const Vec3&) {
      const auto i = static_cast<int>(ijk.x()), j = static_cast<int>(ijk.y()),
                 k = static_cast<int>(ijk.z());
      return ((i * 5 + j * 3 + k * 7 + static_cast<int>(r)) % 4) == 0;
    });
  }
  SegWriteOptions options;
  options.uid_key = "seg-bits";
  const fs::path out = tmp / "bits.dcm";
  const SegWriteResult w = writeSegFile(out, rois, *ct.series, options);
  ASSERT_EQ(w.frames, 10);

  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile(out.c_str()).good());
  const Uint8* px = nullptr;
  unsigned long len = 0;
  ASSERT_TRUE(ff.getDataset()->findAndGetUint8Array(DCM_PixelData, px, &len).good());
  const std::size_t n = 13 * 11;
  EXPECT_EQ(len, ((10 * n + 7) / 8 + 1) / 2 * 2);
  for (std::size_t f = 0; f < 10; ++f) {
    const Mask& m = *rois[f / 5].mask;  // segment 1: k = 0..4, then segment 2
    const auto slice = m.slice(f % 5);
    for (std::size_t p = 0; p < n; ++p) {
      const std::size_t bit = f * n + p;
      ASSERT_EQ((px[bit / 8] >> (bit % 8)) & 1, slice[p]) << "frame " << f + 1 << " pixel " << p;
    }
  }
  const SegRead r = readSegFile(out, g, ct.series->frame_of_reference_uid);
  ASSERT_EQ(r.segments.size(), 2U);
  for (std::size_t s = 0; s < 2; ++s) {
    EXPECT_TRUE(std::equal(r.segments[s].mask.data().begin(), r.segments[s].mask.data().end(),
                           rois[s].mask->data().begin()));
  }
  expectNoDciodvfyErrors(out);
}

// A FRACTIONAL SEG (written here with DCMTK directly) reads back thresholded at 50%: a pixel is in
// when value * 2 >= MaximumFractionalValue.
TEST(SegFractional, ThresholdedAtHalfTheMaximum) {
  test::TempDir tmp;
  const io::LoadedImage ct =
      makeCt(tmp / "ct", Size3{8, 6, 3}, Vec3(1.0, 1.0, 2.0), Mat3::Identity(), "seg-frac-ct");
  const ImageGeometry& g = ct.image.geometry();
  DcmSegmentation* raw = nullptr;
  ASSERT_TRUE(DcmSegmentation::createFractionalSegmentation(
                  raw, 6, 8, DcmSegTypes::SFT_PROBABILITY, 200,
                  IODGeneralEquipmentModule::EquipmentInfo("test", "test", "0", "1"),
                  ContentIdentificationMacro("1", "FRACTIONAL", "", ""))
                  .good());
  const std::unique_ptr<DcmSegmentation> seg(raw);
  seg->getStudy().setStudyInstanceUID(ct.series->study.study_instance_uid);
  seg->getFrameOfReference().setFrameOfReferenceUID(ct.series->frame_of_reference_uid);
  DcmSegment* segment = nullptr;
  ASSERT_TRUE(
      DcmSegment::create(segment, "Lesion probability",
                         CodeSequenceMacro("49755003", "SCT", "Morphologically Altered Structure"),
                         CodeSequenceMacro("108369006", "SCT", "Neoplasm"),
                         DcmSegTypes::SAT_AUTOMATIC, "test")
          .good());
  Uint16 number = 0;
  ASSERT_TRUE(seg->addSegment(segment, number).good());
  std::unique_ptr<FGPlaneOrientationPatient> orient(
      FGPlaneOrientationPatient::createMinimal("1", "0", "0", "0", "1", "0"));
  ASSERT_TRUE(seg->addForAllFrames(*orient).good());
  FGPixelMeasures measures;
  measures.setPixelSpacing("1\\1");
  measures.setSliceThickness("2");
  ASSERT_TRUE(seg->addForAllFrames(measures).good());
  Mask expected(g, 0);
  for (std::size_t k : {0U, 2U}) {
    std::vector<Uint8> frame(48);
    for (std::size_t n = 0; n < 48; ++n) {
      frame[n] = static_cast<Uint8>((n * 37 + k * 11) % 201);  // 0..200
      if (2U * frame[n] >= 200U && frame[n] > 0) expected.slice(k)[n] = 1;
    }
    const Vec3 p = g.indexToLps(Vec3(0, 0, static_cast<double>(k)));
    std::unique_ptr<FGPlanePosPatient> pos(FGPlanePosPatient::createMinimal(
        std::to_string(p.x()).c_str(), std::to_string(p.y()).c_str(),
        std::to_string(p.z()).c_str()));
    FGFrameContent content;
    content.setDimensionIndexValues(1, 0);
    OFVector<FGBase*> groups;
    groups.push_back(pos.get());
    groups.push_back(&content);
    ASSERT_TRUE(seg->addFrame(frame.data(), number, groups).good());
  }
  seg->getDimensions().addDimensionIndex(DCM_ReferencedSegmentNumber, "1.2.3.4",
                                         DCM_SegmentIdentificationSequence);
  const fs::path out = tmp / "fractional.dcm";
  seg->getSeries().setSeriesNumber("1");
  const OFCondition saved = seg->saveFile(out.c_str());
  ASSERT_TRUE(saved.good()) << saved.text();

  const SegRead r = readSegFile(out, g, ct.series->frame_of_reference_uid);
  EXPECT_EQ(r.segmentation_type, "FRACTIONAL");
  ASSERT_EQ(r.segments.size(), 1U);
  EXPECT_EQ(r.segments[0].algorithm_type, "AUTOMATIC");
  EXPECT_GT(count(expected), 10U);
  EXPECT_LT(count(expected), 48U);
  EXPECT_TRUE(std::equal(r.segments[0].mask.data().begin(), r.segments[0].mask.data().end(),
                         expected.data().begin()));
}

// A SEG written by dcmqi (DCMTK 3.6.1) for a real 3-slice abdominal CT reads onto the CT's grid
// and agrees voxel for voxel with the NRRD dcmqi made from the same segmentation.
TEST(SegShared, DcmqiLiverSegReadsOntoItsCt) {
  const fs::path dir = test::sharedTestData("dcmqi-liver-ct3slice");
  RFA_SKIP_IF_MISSING(dir, "dcmqi-liver-ct3slice");
  const io::LoadedImage ct = io::loadImage(dir);
  ASSERT_TRUE(ct.series.has_value());
  const SegRead r =
      readSegFile(dir / "liver_seg.dcm", ct.image.geometry(), ct.series->frame_of_reference_uid);
  ASSERT_EQ(r.segments.size(), 1U);
  EXPECT_EQ(r.segments[0].label, "Liver");
  EXPECT_EQ(r.segments[0].type.meaning, "Liver");
  EXPECT_EQ(r.referenced_series_uid, ct.series->series_instance_uid);
  const Mask& m = r.segments[0].mask;
  EXPECT_GT(count(m), 1000U);
  EXPECT_EQ(nonEmptySlices(m), 3U);
  const LabelMap nrrd = io::readLabelFile(dir / "liver_seg.nrrd");
  ASSERT_EQ(nrrd.size(), m.size());
  std::size_t differ = 0;
  for (std::size_t v = 0; v < m.voxelCount(); ++v) {
    if ((nrrd.data()[v] != 0) != (m.data()[v] != 0)) ++differ;
  }
  EXPECT_EQ(differ, 0U);
}

}  // namespace
}  // namespace rfa::dicomexport
