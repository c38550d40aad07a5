// Guidance modalities: the shipped catalogue, the error conversions, the in-/out-of-plane rule,
// malformed files, and a plan whose uncertainty follows the guidance.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>
#include <string>

#include "rfa/core/error.h"
#include "rfa/planning/coverage.h"
#include "rfa/planning/guidance.h"
#include "rfa/planning/profile.h"

namespace rfa::planning {
namespace {

namespace fs = std::filesystem;

const std::vector<GuidanceModality>& shipped() {
  static const std::vector<GuidanceModality> all = readGuidanceFile(defaultGuidanceFile());
  return all;
}

TEST(Guidance, ShippedCatalogueHasTheThreeModalitiesWithCitations) {
  ASSERT_EQ(shipped().size(), 3U);
  for (const char* id : {"ultrasound-freehand", "ultrasound-ct-fusion", "ct-guided"}) {
    const GuidanceModality& m = findGuidance(shipped(), id);
    EXPECT_FALSE(m.name.empty()) << id;
    EXPECT_GT(m.source.size(), 40U) << id << ": a citation, not a word";
    EXPECT_GT(m.in_plane.mean_mm, 0) << id;
  }
  // The published figures, as cited (resources/guidance/modalities.json).
  const GuidanceModality& ct = findGuidance(shipped(), "ct-guided");
  EXPECT_EQ(ct.measure, ErrorMeasure::kLateral2d);
  EXPECT_DOUBLE_EQ(ct.in_plane.mean_mm, 6.2);
  ASSERT_TRUE(ct.out_of_plane.has_value());
  EXPECT_DOUBLE_EQ(ct.out_of_plane->mean_mm, 10.1);
  EXPECT_DOUBLE_EQ(findGuidance(shipped(), "ultrasound-ct-fusion").in_plane.mean_mm, 8.5);
  EXPECT_EQ(findGuidance(shipped(), "ultrasound-ct-fusion").condition, "in vivo");
  EXPECT_EQ(findGuidance(shipped(), "ultrasound-freehand").condition, "phantom");
}

TEST(Guidance, ShippedProfilesNameAModalityOfTheCatalogue) {
  for (const ProtocolProfile& p : loadProfiles(defaultProfileDir())) {
    EXPECT_NO_THROW((void)findGuidance(shipped(), p.guidance)) << p.name;
  }
  EXPECT_EQ(resolveProfile("batch-rfa").guidance, "ultrasound-freehand");
}

TEST(Guidance, UnknownModalityNamesTheChoices) {
  try {
    (void)loadGuidance("laser");
    FAIL() << "no error";
  } catch (const NotFoundError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'laser'"), std::string::npos) << m;
    EXPECT_NE(m.find("ct-guided"), std::string::npos) << m;
  }
}

// A Euclidean 3D figure is used as is; a 2D lateral mean m is a Rayleigh mean sigma sqrt(pi/2):
// the 3D mean of the same sigma is 2 sigma sqrt(2/pi) = m * 4 / pi.
TEST(Guidance, LateralErrorConvertsThroughTheCommonSigma) {
  EXPECT_DOUBLE_EQ(meanError3dMm(3.5, ErrorMeasure::kEuclidean3d), 3.5);
  EXPECT_NEAR(meanError3dMm(6.2, ErrorMeasure::kLateral2d), 6.2 * 4.0 / std::numbers::pi, 1e-12);
  // The sigma the Monte Carlo then uses equals the Rayleigh sigma of the lateral figure.
  EXPECT_NEAR(sigmaFromMeanError(meanError3dMm(6.2, ErrorMeasure::kLateral2d)),
              6.2 / std::sqrt(std::numbers::pi / 2.0), 1e-12);
  EXPECT_THROW((void)meanError3dMm(-1, ErrorMeasure::kEuclidean3d), UsageError);
}

// Empirical check of the conversion: the mean lateral distance of an isotropic 3D Gaussian with
// that sigma (projected on a plane) is the reported lateral mean.
TEST(Guidance, LateralMeanOfTheSampledGaussianMatchesTheReportedFigure) {
  const double sigma = sigmaFromMeanError(meanError3dMm(10.1, ErrorMeasure::kLateral2d));
  std::mt19937_64 rng(7);
  std::normal_distribution<double> n(0, sigma);
  double lateral = 0;
  double radial = 0;
  const int count = 200000;
  for (int i = 0; i < count; ++i) {
    const double x = n(rng);
    const double y = n(rng);
    const double z = n(rng);
    lateral += std::hypot(x, y);
    radial += std::sqrt(x * x + y * y + z * z);
  }
  EXPECT_NEAR(lateral / count, 10.1, 0.05);
  EXPECT_NEAR(radial / count, meanError3dMm(10.1, ErrorMeasure::kLateral2d), 0.06);
}

TEST(Guidance, CtNeedleOffTheAxialPlaneIsOutOfPlane) {
  const GuidanceModality& ct = findGuidance(shipped(), "ct-guided");
  const double deg = std::numbers::pi / 180.0;
  // 4 degrees craniocaudal: in plane; 6 degrees: out of plane (threshold 5).
  const Vec3 four(std::cos(4 * deg), 0, std::sin(4 * deg));
  const Vec3 six(0, std::cos(6 * deg), -std::sin(6 * deg));
  EXPECT_FALSE(outOfPlane(ct, four));
  EXPECT_TRUE(outOfPlane(ct, six));
  EXPECT_DOUBLE_EQ(errorFor(ct, four).mean_mm, 6.2);
  EXPECT_DOUBLE_EQ(errorFor(ct, six).mean_mm, 10.1);
  // Ultrasound: the plan puts every needle in a probe plane: always the in-plane figure.
  const GuidanceModality& us = findGuidance(shipped(), "ultrasound-freehand");
  EXPECT_FALSE(outOfPlane(us, Vec3(0, 0, 1)));
  EXPECT_DOUBLE_EQ(errorFor(us, Vec3(0, 0, 1)).mean_mm, us.in_plane.mean_mm);
}

fs::path writeFile(const std::string& name, const std::string& text) {
  const fs::path dir = fs::path(::testing::TempDir()) / "rfa_guidance_test";
  fs::create_directories(dir);
  const fs::path file = dir / name;
  std::ofstream(file) << text;
  return file;
}

std::string corruptMessage(const std::string& text) {
  const fs::path f = writeFile("bad.json", text);
  try {
    (void)readGuidanceFile(f);
  } catch (const CorruptDataError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no CorruptDataError for " << text;
  return {};
}

TEST(Guidance, MalformedFilesNameTheMember) {
  const std::string head = R"({"modalities": [{"id": "x", "name": "X", "condition": "in vivo", )";
  EXPECT_NE(corruptMessage(head + R"("measure": "radial", "in_plane": {"mean_mm": 1, "sd_mm": 1},
            "source": "s"}]})")
                .find("modalities[0].measure"),
            std::string::npos);
  EXPECT_NE(corruptMessage(head + R"("measure": "euclidean-3d", "in_plane": {"mean_mm": -1,
            "sd_mm": 1}, "source": "s"}]})")
                .find("modalities[0].in_plane.mean_mm"),
            std::string::npos);
  EXPECT_NE(corruptMessage(head + R"("measure": "euclidean-3d", "in_plane": {"mean_mm": 1,
            "sd_mm": 1}, "out_of_plane_above_deg": 5, "source": "s"}]})")
                .find("out_of_plane_above_deg"),
            std::string::npos);
  EXPECT_NE(corruptMessage(head + R"("measure": "euclidean-3d", "in_plane": {"mean_mm": 1,
            "sd_mm": 1}, "source": ""}]})")
                .find("modalities[0].source"),
            std::string::npos);
  EXPECT_NE(corruptMessage(R"({"modalities": [{"id": "x", "name": "X", "condition": "in vivo",
            "measure": "euclidean-3d", "in_plane": {"mean_mm": 1, "sd_mm": 1}, "source": "s"},
            {"id": "x", "name": "Y", "condition": "phantom", "measure": "lateral-2d",
            "in_plane": {"mean_mm": 1, "sd_mm": 1}, "source": "s"}]})")
                .find("repeats"),
            std::string::npos);
  EXPECT_THROW((void)readGuidanceFile(writeFile("missing-dir/none.json", "")), NotFoundError);
}

}  // namespace
}  // namespace rfa::planning
