// Enhanced multi-frame CT: per-frame positions from the functional groups, frames in any order.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>

#include "rfa/core/uid.h"
#include "rfa/io/dicom_load.h"
#include "rfa/io/dicom_scan.h"
#include "test_support.h"

namespace rfa::io {
namespace {

// Writes an Enhanced CT Image Storage file whose frames are stored in reverse z order.
void writeEnhancedCt(const std::filesystem::path& file, int nx, int ny, int frames) {
  DcmFileFormat ff;
  DcmDataset& d = *ff.getDataset();
  d.putAndInsertString(DCM_SOPClassUID, UID_EnhancedCTImageStorage);
  d.putAndInsertString(DCM_SOPInstanceUID, makeUid().c_str());
  d.putAndInsertString(DCM_StudyInstanceUID, makeUid().c_str());
  d.putAndInsertString(DCM_SeriesInstanceUID, "1.2.826.0.1.3680043.2.1125.77");
  d.putAndInsertString(DCM_FrameOfReferenceUID, makeUid().c_str());
  d.putAndInsertString(DCM_Modality, "CT");
  d.putAndInsertString(DCM_NumberOfFrames, std::to_string(frames).c_str());
  d.putAndInsertUint16(DCM_Rows, static_cast<Uint16>(ny));
  d.putAndInsertUint16(DCM_Columns, static_cast<Uint16>(nx));
  d.putAndInsertUint16(DCM_SamplesPerPixel, 1);
  d.putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
  d.putAndInsertUint16(DCM_BitsAllocated, 16);
  d.putAndInsertUint16(DCM_BitsStored, 16);
  d.putAndInsertUint16(DCM_HighBit, 15);
  d.putAndInsertUint16(DCM_PixelRepresentation, 1);
  DcmItem* shared = nullptr;
  d.findOrCreateSequenceItem(DCM_SharedFunctionalGroupsSequence, shared, 0);
  DcmItem* item = nullptr;
  shared->findOrCreateSequenceItem(DCM_PixelMeasuresSequence, item, 0);
  item->putAndInsertString(DCM_PixelSpacing, "0.5\\0.6");
  item->putAndInsertString(DCM_SliceThickness, "2");
  shared->findOrCreateSequenceItem(DCM_PlaneOrientationSequence, item, 0);
  item->putAndInsertString(DCM_ImageOrientationPatient, "1\\0\\0\\0\\1\\0");
  shared->findOrCreateSequenceItem(DCM_PixelValueTransformationSequence, item, 0);
  item->putAndInsertString(DCM_RescaleIntercept, "-10");
  item->putAndInsertString(DCM_RescaleSlope, "2");
  std::vector<Uint16> px(static_cast<std::size_t>(nx * ny * frames));
  for (int f = 0; f < frames; ++f) {
    const int z_index = frames - 1 - f;  // stored in reverse order
    DcmItem* per = nullptr;
    d.findOrCreateSequenceItem(DCM_PerFrameFunctionalGroupsSequence, per, f);
    per->findOrCreateSequenceItem(DCM_PlanePositionSequence, item, 0);
    const std::string ipp = "-5\\-6\\" + std::to_string(100 + 2 * z_index);
    item->putAndInsertString(DCM_ImagePositionPatient, ipp.c_str());
    for (int i = 0; i < nx * ny; ++i)
      px[static_cast<std::size_t>(f * nx * ny + i)] = static_cast<Uint16>(z_index * 100 + i);
  }
  ASSERT_TRUE(
      d.putAndInsertUint16Array(DCM_PixelData, px.data(), static_cast<unsigned long>(px.size()))
          .good());
  ASSERT_TRUE(ff.saveFile(file.c_str(), EXS_LittleEndianExplicit).good());
}

TEST(MultiFrame, EnhancedCtFramesArePlacedByPerFramePosition) {
  test::TempDir tmp;
  writeEnhancedCt(tmp / "enhanced.dcm", 6, 5, 4);
  const ScanResult scan = scanDicom(tmp.path());
  ASSERT_EQ(scan.series.size(), 1U);
  const DicomSeries& s = scan.series[0];
  ASSERT_TRUE(s.loadable) << s.error;
  EXPECT_EQ(s.slices.size(), 4U);
  const LoadedSeries l = loadSeries(s);
  const auto& g = l.image.geometry();
  EXPECT_EQ(g.size(), (Size3{6, 5, 4}));
  EXPECT_NEAR(g.spacing()[0], 0.6, 1e-9);  // column spacing
  EXPECT_NEAR(g.spacing()[1], 0.5, 1e-9);  // row spacing
  EXPECT_NEAR(g.spacing()[2], 2.0, 1e-9);
  EXPECT_NEAR(g.origin().z(), 100.0, 1e-9);
  for (std::size_t k = 0; k < 4; ++k) {
    for (std::size_t i = 0; i < 30; ++i) {
      // value = slope * stored + intercept, stored = z_index * 100 + i
      ASSERT_FLOAT_EQ(l.image.slice(k)[i], 2.0F * static_cast<float>(k * 100 + i) - 10.0F);
    }
  }
}

}  // namespace
}  // namespace rfa::io
