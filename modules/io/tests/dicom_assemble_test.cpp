// Series assembly on synthetic slice records: grouping, sorting, checks (no files involved).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "rfa/io/dicom_scan.h"

namespace rfa::io {
namespace {

DicomSliceInfo slice(double z, int instance, const std::string& uid = "1.2.3") {
  DicomSliceInfo s;
  s.file = "slice_" + std::to_string(instance);
  s.series_instance_uid = uid;
  s.frame_of_reference_uid = "1.2.3.4";
  s.modality = "CT";
  s.instance_number = instance;
  s.position = Vec3(-100, -120, z);
  s.row_direction = Vec3(1, 0, 0);
  s.column_direction = Vec3(0, 1, 0);
  s.row_spacing = 0.8;
  s.column_spacing = 0.7;
  s.rows = 64;
  s.columns = 48;
  s.bits_allocated = 16;
  s.bits_stored = 16;
  s.sop_instance_uid = uid + "." + std::to_string(instance);
  return s;
}

bool anyWarningContains(const DicomSeries& s, const std::string& text) {
  return std::any_of(s.warnings.begin(), s.warnings.end(),
                     [&](const std::string& w) { return w.find(text) != std::string::npos; });
}

TEST(Assemble, SortsByPositionNotInstanceNumberOrInputOrder) {
  std::vector<DicomSliceInfo> v;
  // Instance numbers run opposite to position; input order is shuffled.
  for (int i = 0; i < 10; ++i) v.push_back(slice(50.0 - 2.5 * i, i + 1));
  std::mt19937 rng(7);
  std::shuffle(v.begin(), v.end(), rng);
  const auto series = assembleSeries(v);
  ASSERT_EQ(series.size(), 1U);
  const auto& s = series.front();
  ASSERT_TRUE(s.loadable) << s.error;
  EXPECT_EQ(s.geometry.size()[0], 48U);  // columns along i
  EXPECT_EQ(s.geometry.size()[1], 64U);
  EXPECT_EQ(s.geometry.size()[2], 10U);
  EXPECT_NEAR(s.geometry.spacing()[0], 0.7, 1e-12);  // column spacing
  EXPECT_NEAR(s.geometry.spacing()[1], 0.8, 1e-12);  // row spacing
  EXPECT_NEAR(s.geometry.spacing()[2], 2.5, 1e-12);
  EXPECT_NEAR(s.geometry.origin().z(), 27.5, 1e-12);
  for (std::size_t k = 1; k < s.slices.size(); ++k) {
    EXPECT_LT(s.slices[k - 1].position->z(), s.slices[k].position->z());
  }
  EXPECT_EQ(s.slices.front().instance_number, 10);
  EXPECT_TRUE(s.warnings.empty());
}

TEST(Assemble, TwoSeriesUidsGiveTwoSeries) {
  std::vector<DicomSliceInfo> v;
  for (int i = 0; i < 5; ++i) v.push_back(slice(i * 2.0, i, "1.2.3"));
  for (int i = 0; i < 7; ++i) v.push_back(slice(i * 3.0, i, "1.2.4"));
  const auto series = assembleSeries(v);
  ASSERT_EQ(series.size(), 2U);
  std::vector<std::size_t> counts{series[0].slices.size(), series[1].slices.size()};
  std::sort(counts.begin(), counts.end());
  EXPECT_EQ(counts, (std::vector<std::size_t>{5, 7}));
}

TEST(Assemble, OneUidWithTwoStacksIsSplit) {
  std::vector<DicomSliceInfo> v;
  for (int i = 0; i < 6; ++i) v.push_back(slice(i * 2.0, i));
  for (int i = 0; i < 4; ++i) {
    auto s = slice(i * 2.0, 100 + i);
    s.rows = 32;  // mixed sizes
    v.push_back(s);
  }
  const auto series = assembleSeries(v);
  ASSERT_EQ(series.size(), 2U);
  EXPECT_EQ(series[0].id, "1.2.3#1");
  EXPECT_EQ(series[0].slices.size(), 6U);
  EXPECT_EQ(series[1].id, "1.2.3#2");
  EXPECT_TRUE(anyWarningContains(series[0], "mixed sizes"));
  EXPECT_TRUE(series[0].loadable && series[1].loadable);
}

TEST(Assemble, RemovedMiddleSliceIsReportedWithItsPosition) {
  std::vector<DicomSliceInfo> v;
  for (int i = 0; i < 9; ++i) {
    if (i == 4) continue;
    v.push_back(slice(10.0 + 1.6 * i, i));
  }
  const auto series = assembleSeries(v);
  ASSERT_EQ(series.size(), 1U);
  const auto& s = series.front();
  ASSERT_TRUE(s.loadable);
  EXPECT_TRUE(s.resampled);
  EXPECT_EQ(s.geometry.size()[2], 9U);  // resampled back to 9 slices at 1.6 mm
  EXPECT_NEAR(s.geometry.spacing()[2], 1.6, 1e-9);
  // Gap between 10+1.6*3 = 14.8 and 10+1.6*5 = 18.0 mm.
  EXPECT_TRUE(anyWarningContains(s, "missing slice")) << ::testing::PrintToString(s.warnings);
  EXPECT_TRUE(anyWarningContains(s, "14.800 mm")) << ::testing::PrintToString(s.warnings);
  EXPECT_TRUE(anyWarningContains(s, "18.000 mm"));
}

TEST(Assemble, DuplicatePositionsAreDroppedWithWarning) {
  std::vector<DicomSliceInfo> v;
  for (int i = 0; i < 5; ++i) v.push_back(slice(i * 2.0, i));
  v.push_back(slice(4.0, 99));
  const auto series = assembleSeries(v);
  ASSERT_EQ(series.size(), 1U);
  EXPECT_EQ(series[0].slices.size(), 5U);
  EXPECT_TRUE(anyWarningContains(series[0], "duplicate"));
  EXPECT_FALSE(series[0].resampled);
}

TEST(Assemble, GantryTiltKeepsShearedGeometry) {
  const double tilt = 20.0 * M_PI / 180.0;
  std::vector<DicomSliceInfo> v;
  for (int i = 0; i < 8; ++i) {
    auto s = slice(0, i);
    // Slices stay axial (normal z) but each is shifted in y: positions along (0, sin, cos) * step.
    const double step = 3.0;
    s.position = Vec3(-100, -120 + std::tan(tilt) * step * i, step * i);
    s.gantry_tilt_deg = 20.0;
    v.push_back(s);
  }
  const auto series = assembleSeries(v);
  ASSERT_EQ(series.size(), 1U);
  const auto& s = series[0];
  ASSERT_TRUE(s.loadable);
  EXPECT_NEAR(s.gantry_tilt_deg, 20.0, 1e-6);
  EXPECT_TRUE(anyWarningContains(s, "gantry tilt"));
  // Index (0,0,k) maps exactly onto each slice's ImagePositionPatient.
  for (std::size_t k = 0; k < s.slices.size(); ++k) {
    const Vec3 p = s.geometry.indexToLps(Vec3(0, 0, static_cast<double>(k)));
    EXPECT_LT((p - *s.slices[k].position).norm(), 1e-9);
  }
}

TEST(Assemble, MissingPositionDropsSliceOrMakesSeriesUnloadable) {
  std::vector<DicomSliceInfo> v;
  for (int i = 0; i < 5; ++i) v.push_back(slice(i * 2.0, i));
  v[2].position.reset();
  auto series = assembleSeries(v);
  ASSERT_EQ(series.size(), 1U);
  EXPECT_TRUE(series[0].loadable);
  EXPECT_TRUE(anyWarningContains(series[0], "ImagePositionPatient (0020,0032)"));
  EXPECT_TRUE(anyWarningContains(series[0], "missing slice"));

  for (auto& s : v) s.position.reset();
  series = assembleSeries(v);
  ASSERT_EQ(series.size(), 1U);
  EXPECT_FALSE(series[0].loadable);
  EXPECT_NE(series[0].error.find("ImagePositionPatient (0020,0032)"), std::string::npos);
}

TEST(Assemble, MissingFrameOfReferenceIsGeneratedStably) {
  std::vector<DicomSliceInfo> v;
  for (int i = 0; i < 3; ++i) {
    v.push_back(slice(i * 2.0, i));
    v.back().frame_of_reference_uid.clear();
  }
  const auto a = assembleSeries(v);
  const auto b = assembleSeries(v);
  ASSERT_EQ(a.size(), 1U);
  EXPECT_TRUE(a[0].frame_of_reference_generated);
  EXPECT_FALSE(a[0].frame_of_reference_uid.empty());
  EXPECT_EQ(a[0].frame_of_reference_uid, b[0].frame_of_reference_uid);
  EXPECT_TRUE(anyWarningContains(a[0], "FrameOfReferenceUID (0020,0052) missing"));
}

TEST(Assemble, EmptySeriesUidIsGroupedAndGenerated) {
  std::vector<DicomSliceInfo> v;
  for (int i = 0; i < 4; ++i) v.push_back(slice(i * 2.0, i, ""));
  const auto series = assembleSeries(v);
  ASSERT_EQ(series.size(), 1U);
  EXPECT_TRUE(series[0].series_uid_generated);
  EXPECT_EQ(series[0].slices.size(), 4U);
  EXPECT_TRUE(anyWarningContains(series[0], "SeriesInstanceUID (0020,000E) is empty"));
}

TEST(Assemble, SingleSliceUsesThickness) {
  auto s = slice(5.0, 1);
  s.slice_thickness = 3.0;
  const auto series = assembleSeries({s});
  ASSERT_EQ(series.size(), 1U);
  ASSERT_TRUE(series[0].loadable);
  EXPECT_EQ(series[0].geometry.size()[2], 1U);
  EXPECT_NEAR(series[0].geometry.spacing()[2], 3.0, 1e-12);
}

TEST(Assemble, NonOrthogonalOrientationIsNotLoadable) {
  std::vector<DicomSliceInfo> v;
  for (int i = 0; i < 3; ++i) {
    v.push_back(slice(i * 2.0, i));
    v.back().column_direction = Vec3(1, 0, 0);
  }
  const auto series = assembleSeries(v);
  ASSERT_EQ(series.size(), 1U);
  EXPECT_FALSE(series[0].loadable);
  EXPECT_NE(series[0].error.find("ImageOrientationPatient"), std::string::npos);
}

}  // namespace
}  // namespace rfa::io
