// Electrode catalogue (the shipped resources/electrodes and malformed files), protocol power
// curves, the needle frame and the rasterization of electrodes on small grids.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/thermal/electrode.h"
#include "test_support.h"

namespace rfa::thermal {
namespace {

namespace fs = std::filesystem;

// what() of the exception `fn` throws as E, or a failure.
template <class E, class F>
std::string errorOf(F fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception of the expected type";
  return {};
}

const ElectrodeCatalog& shippedCatalog() {
  static const ElectrodeCatalog catalog = loadElectrodeCatalog(defaultElectrodeDir());
  return catalog;
}

// ------------------------------------------------------------------ catalogue

TEST(Catalog, ShippedElectrodesLoad) {
  const ElectrodeCatalog& c = shippedCatalog();
  for (const char* name :
       {"cooltip-2cm", "cooltip-3cm", "cooltip-cluster-2.5cm", "leveen-4cm", "starburst-4cm"}) {
    const Electrode& e = c.find(name);
    EXPECT_EQ(e.name, name);
    EXPECT_FALSE(e.description.empty());
    EXPECT_FALSE(e.sources.empty());
    EXPECT_FALSE(e.shafts.empty());
    ASSERT_FALSE(e.protocols.empty()) << name;
    const Protocol& p = e.protocols.front();
    EXPECT_GT(p.duration_s, 0);
    EXPECT_GT(p.powerAt(p.duration_s), 0);
    EXPECT_LE(p.powerAt(p.duration_s), 200.0);  // within the generators' limits
  }
  EXPECT_GE(c.electrodes.size(), 5U);
  for (std::size_t i = 1; i < c.electrodes.size(); ++i) {
    EXPECT_NE(c.electrodes[i - 1].name, c.electrodes[i].name);
  }
}

TEST(Catalog, ShippedElectrodeDetails) {
  const ElectrodeCatalog& c = shippedCatalog();
  const Electrode& cluster = c.find("cooltip-cluster-2.5cm");
  ASSERT_EQ(cluster.shafts.size(), 3U);
  EXPECT_TRUE(cluster.cooled);
  for (std::size_t i = 0; i < 3; ++i) {
    const Shaft& a = cluster.shafts[i];
    const Shaft& b = cluster.shafts[(i + 1) % 3];
    EXPECT_NEAR(std::hypot(a.offset_u_mm - b.offset_u_mm, a.offset_v_mm - b.offset_v_mm), 5.0,
                0.01);
    EXPECT_DOUBLE_EQ(a.active_length_mm, 25.0);
  }
  EXPECT_DOUBLE_EQ(c.find("cooltip-3cm").shafts.at(0).active_length_mm, 30.0);
  EXPECT_DOUBLE_EQ(c.find("cooltip-3cm").protocols.at(0).duration_s, 720.0);
  const Electrode& leveen = c.find("leveen-4cm");
  ASSERT_TRUE(leveen.tines.has_value());
  EXPECT_TRUE(leveen.tines->recurved);
  EXPECT_FALSE(leveen.cooled);
  const Protocol& rf3000 = leveen.protocols.at(0);
  EXPECT_DOUBLE_EQ(rf3000.duration_s, 900.0);
  // Net model power (calibrated by rfaplan calibrate-zones; resources/electrodes/README.md): the
  // RF3000 ramp shape, start, linear ramp over 300 s, hold; no roll-off rule (the net power
  // stands for it).
  EXPECT_DOUBLE_EQ(rf3000.powerAt(0), 3.317);
  EXPECT_NEAR(rf3000.powerAt(150), 0.5 * (3.317 + 7.629), 1e-9);
  EXPECT_DOUBLE_EQ(rf3000.powerAt(600), 7.629);
  EXPECT_FALSE(rf3000.rolloff.has_value());
  EXPECT_FALSE(c.find("starburst-4cm").tines.value().recurved);
}

TEST(Catalog, UnknownNamesListTheAvailableOnes) {
  const ElectrodeCatalog& c = shippedCatalog();
  const std::string e = errorOf<NotFoundError>([&] { (void)c.find("cooltip-9cm"); });
  EXPECT_NE(e.find("unknown electrode 'cooltip-9cm'"), std::string::npos) << e;
  EXPECT_NE(e.find("cooltip-3cm"), std::string::npos) << e;
  EXPECT_NE(e.find("leveen-4cm"), std::string::npos) << e;
  const std::string p =
      errorOf<NotFoundError>([&] { (void)c.find("cooltip-3cm").protocol("no-such-protocol"); });
  EXPECT_NE(p.find("no-such-protocol"), std::string::npos) << p;
  EXPECT_NE(p.find("impedance-12min"), std::string::npos) << p;
  EXPECT_EQ(&c.find("cooltip-3cm").protocol("impedance-12min"),
            &c.find("cooltip-3cm").protocols.front());
}

TEST(Catalog, ResourcesVariableOverridesTheFolder) {
  const char* old = std::getenv("RFA_RESOURCES");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  ::setenv("RFA_RESOURCES", "/some/where", 1);
  const fs::path dir = defaultElectrodeDir();
  if (saved) {
    ::setenv("RFA_RESOURCES", saved->c_str(), 1);
  } else {
    ::unsetenv("RFA_RESOURCES");
  }
  EXPECT_EQ(dir, fs::path("/some/where") / "electrodes");
}

// A minimal valid electrode file; tests break one field at a time.
const char* const kValidJson = R"({
  "name": "probe", "description": "d", "sources": ["s"],
  "shafts": [{"active_length_mm": 30, "diameter_mm": 1.5}],
  "cooled": true, "coolant_temperature_c": 20, "shaft_length_mm": 150,
  "protocols": [{"name": "p", "duration_s": 720, "source": "s",
                 "power": [{"time_s": 0, "power_w": 50}, {"time_s": 60, "power_w": 100}]}]
})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

class CatalogFiles : public ::testing::Test {
 protected:
  fs::path write(const std::string& file, const std::string& text) const {
    const fs::path p = dir_ / file;
    std::ofstream(p) << text;
    return p;
  }
  // CorruptDataError message of reading `text` as `file`.
  std::string corruptMessage(const std::string& file, const std::string& text) const {
    const fs::path p = write(file, text);
    return errorOf<CorruptDataError>([&] { (void)readElectrodeFile(p); });
  }
  test::TempDir dir_;
};

TEST_F(CatalogFiles, ValidFileReads) {
  const Electrode e = readElectrodeFile(write("probe.json", kValidJson));
  EXPECT_EQ(e.name, "probe");
  ASSERT_EQ(e.shafts.size(), 1U);
  EXPECT_DOUBLE_EQ(e.shafts[0].offset_u_mm, 0.0);
  EXPECT_FALSE(e.tines.has_value());
  EXPECT_FALSE(e.protocols.at(0).rolloff.has_value());
}

TEST_F(CatalogFiles, MalformedFilesNameFileAndField) {
  struct Case {
    std::string from, to, expected;
  };
  const std::vector<Case> cases = {
      {R"("shaft_length_mm": 150,)", "", "bad.json: shaft_length_mm is missing"},
      {R"("active_length_mm": 30)", R"("active_length_mm": -3)",
       "bad.json: shafts[0].active_length_mm must be > 0"},
      {R"("time_s": 60)", R"("time_s": -1)", "bad.json: protocols[0].power[1].time_s must be >= 0"},
      {R"("time_s": 0, "power_w": 50}, {"time_s": 60)",
       R"("time_s": 90, "power_w": 50}, {"time_s": 60)",
       "bad.json: protocols[0].power[1].time_s must be >= the previous time"},
      {R"("cooled": true)", R"("cooled": "yes")", "bad.json: cooled must be true or false"},
      {R"("diameter_mm": 1.5)", R"("diameter_mm": 1.5, "diam": 2)",
       "bad.json: shafts[0].diam is not a known field"},
      {R"("power_w": 100)", R"("power_w": "high")",
       "bad.json: protocols[0].power[1].power_w must be a number"},
      {R"("shafts": [{"active_length_mm": 30, "diameter_mm": 1.5}])", R"("shafts": [])",
       "bad.json: shafts must not be empty"},
      {R"("name": "p")", R"("name": "p", "rolloff": {"pause_s": 15})",
       "bad.json: protocols[0].rolloff.impedance_rise_ohm is missing"},
  };
  for (const Case& c : cases) {
    const std::string message = corruptMessage("bad.json", replaced(kValidJson, c.from, c.to));
    EXPECT_NE(message.find(c.expected), std::string::npos)
        << "got: " << message << "\nexpected: " << c.expected;
  }
  const std::string not_json = corruptMessage("bad.json", "{ \"name\": ");
  EXPECT_NE(not_json.find("bad.json"), std::string::npos) << not_json;
  EXPECT_NE(not_json.find("not valid JSON"), std::string::npos) << not_json;
  const std::string array = corruptMessage("bad.json", "[1, 2]");
  EXPECT_NE(array.find("bad.json: the top level must be a JSON object"), std::string::npos)
      << array;
}

TEST_F(CatalogFiles, FolderErrors) {
  EXPECT_THROW((void)loadElectrodeCatalog(dir_ / "absent"), NotFoundError);
  EXPECT_THROW((void)loadElectrodeCatalog(dir_.path()), NotFoundError);  // no *.json
  EXPECT_THROW((void)readElectrodeFile(dir_ / "absent.json"), NotFoundError);
  write("a.json", kValidJson);
  write("notes.txt", "ignored");
  const ElectrodeCatalog one = loadElectrodeCatalog(dir_.path());
  ASSERT_EQ(one.electrodes.size(), 1U);
  write("b.json", kValidJson);
  const std::string dup =
      errorOf<CorruptDataError>([&] { (void)loadElectrodeCatalog(dir_.path()); });
  EXPECT_NE(dup.find("b.json"), std::string::npos) << dup;
  EXPECT_NE(dup.find("a.json"), std::string::npos) << dup;
  write("b.json", replaced(kValidJson, R"("shaft_length_mm": 150)", R"("shaft_length_mm": 0)"));
  const std::string bad =
      errorOf<CorruptDataError>([&] { (void)loadElectrodeCatalog(dir_.path()); });
  EXPECT_NE(bad.find("b.json: shaft_length_mm must be > 0"), std::string::npos) << bad;
}

// ------------------------------------------------------------------ protocol

TEST(Protocol, PowerIsInterpolatedAndHeld) {
  Protocol p;
  p.power = {{0, 40}, {300, 90}, {600, 90}, {600, 45}};  // a ramp, a plateau, a step down
  EXPECT_DOUBLE_EQ(p.powerAt(-5), 40.0);
  EXPECT_DOUBLE_EQ(p.powerAt(0), 40.0);
  EXPECT_DOUBLE_EQ(p.powerAt(150), 65.0);
  EXPECT_DOUBLE_EQ(p.powerAt(300), 90.0);
  EXPECT_DOUBLE_EQ(p.powerAt(599), 90.0);
  EXPECT_DOUBLE_EQ(p.powerAt(600), 45.0);
  EXPECT_DOUBLE_EQ(p.powerAt(1e6), 45.0);
  Protocol single;
  single.power = {{10, 150}};
  EXPECT_DOUBLE_EQ(single.powerAt(0), 150.0);
  EXPECT_DOUBLE_EQ(single.powerAt(700), 150.0);
}

// ------------------------------------------------------------------ needle frame

TEST(NeedleFrame, OrthonormalRightHandedAlongTheDirection) {
  for (const Vec3& d : {Vec3(0, 0, 1), Vec3(0, 0, -3), Vec3(1, 0, 0), Vec3(0, -2, 0), Vec3(1, 2, 3),
                        Vec3(-0.3, 0.9, -0.1), Vec3(1e-6, 1e-6, 1e-6)}) {
    const Mat3 f = needleFrame({Vec3(5, 6, 7), d});
    EXPECT_TRUE((f.transpose() * f).isApprox(Mat3::Identity(), 1e-12)) << d.transpose();
    EXPECT_NEAR(f.determinant(), 1.0, 1e-12);
    EXPECT_TRUE(f.col(0).cross(f.col(1)).isApprox(f.col(2), 1e-12));
    EXPECT_TRUE(f.col(2).isApprox(d.normalized(), 1e-12)) << d.transpose();
  }
  EXPECT_THROW((void)needleFrame({Vec3(0, 0, 0), Vec3(0, 0, 0)}), GeometryError);
  EXPECT_THROW((void)needleFrame({Vec3(0, 0, 0), Vec3(NAN, 0, 1)}), GeometryError);
}

// ------------------------------------------------------------------ rasterization

ImageGeometry cubeGrid(std::size_t n, double spacing = 1.0) {
  return ImageGeometry({n, n, n}, Vec3::Constant(spacing), Vec3::Zero());
}

Electrode singleShaft(double length_mm, double diameter_mm) {
  Electrode e;
  e.name = "test";
  e.shafts = {Shaft{0, 0, length_mm, diameter_mm}};
  return e;
}

std::vector<Vec3> markedCentres(const Mask& m) {
  std::vector<Vec3> out;
  const Size3& s = m.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (m(i, j, k) != 0) {
          out.push_back(m.geometry().indexToLps(
              Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k))));
        }
      }
    }
  }
  return out;
}

// Number of 26-connected components of the marked voxels.
int componentCount(const Mask& m) {
  const Size3& s = m.size();
  std::vector<std::uint8_t> seen(m.voxelCount(), 0);
  int count = 0;
  for (std::size_t start = 0; start < m.voxelCount(); ++start) {
    if (m.data()[start] == 0 || seen[start] != 0) continue;
    ++count;
    std::vector<std::size_t> stack{start};
    seen[start] = 1;
    while (!stack.empty()) {
      const std::size_t v = stack.back();
      stack.pop_back();
      const auto i = static_cast<std::int64_t>(v % s[0]);
      const auto j = static_cast<std::int64_t>((v / s[0]) % s[1]);
      const auto k = static_cast<std::int64_t>(v / (s[0] * s[1]));
      for (std::int64_t dk = -1; dk <= 1; ++dk) {
        for (std::int64_t dj = -1; dj <= 1; ++dj) {
          for (std::int64_t di = -1; di <= 1; ++di) {
            const Index3 n{i + di, j + dj, k + dk};
            if (!m.geometry().contains(n)) continue;
            const std::size_t w =
                m.linearIndex(static_cast<std::size_t>(n[0]), static_cast<std::size_t>(n[1]),
                              static_cast<std::size_t>(n[2]));
            if (m.data()[w] != 0 && seen[w] == 0) {
              seen[w] = 1;
              stack.push_back(w);
            }
          }
        }
      }
    }
  }
  return count;
}

TEST(ElectrodeRaster, ShaftAlongZIsAVoxelLineEndingAtTheTip) {
  const Mask m =
      rasterizeActivePart(singleShaft(30, 1.5), {Vec3(20, 20, 40), Vec3(0, 0, 1)}, cubeGrid(48));
  EXPECT_TRUE(m.geometry().sameGrid(cubeGrid(48)));
  const std::vector<Vec3> voxels = markedCentres(m);
  ASSERT_EQ(voxels.size(), 31U);  // z = 10 .. 40: a 30 mm cylinder sampled at voxel centres
  double z_min = 1e9;
  double z_max = -1e9;
  for (const Vec3& p : voxels) {
    EXPECT_DOUBLE_EQ(p.x(), 20.0);
    EXPECT_DOUBLE_EQ(p.y(), 20.0);
    z_min = std::min(z_min, p.z());
    z_max = std::max(z_max, p.z());
  }
  EXPECT_DOUBLE_EQ(z_max, 40.0);
  EXPECT_DOUBLE_EQ(z_min, 10.0);
}

TEST(ElectrodeRaster, ThickShaftIsACylinder) {
  // 4 mm diameter on a 0.5 mm grid: the cross-section holds the voxels within 2 mm of the axis.
  const Mask m = rasterizeActivePart(singleShaft(10, 4), {Vec3(10, 10, 15), Vec3(0, 0, -1)},
                                     cubeGrid(60, 0.5));
  const std::vector<Vec3> voxels = markedCentres(m);
  int per_slice = 0;
  for (const Vec3& p : voxels) {
    EXPECT_LE(std::hypot(p.x() - 10, p.y() - 10), 2.0 + 1e-9);
    EXPECT_GE(p.z(), 15.0);  // inserted towards -z: the active part lies above the tip
    EXPECT_LE(p.z(), 25.0);
    per_slice += p.z() == 20.0 ? 1 : 0;
  }
  EXPECT_EQ(per_slice, 49);  // lattice points (a, b) / 2 with a^2 + b^2 <= 16
  EXPECT_EQ(voxels.size(), 49U * 21U);
}

TEST(ElectrodeRaster, ObliqueShaftKeepsItsLengthAndEndsAtTheTip) {
  const Vec3 tip(30, 28, 32);
  const Vec3 dir = Vec3(1, 2, 2) / 3.0;
  const Mask m = rasterizeActivePart(singleShaft(30, 1.5), {tip, Vec3(1, 2, 2)}, cubeGrid(48));
  const std::vector<Vec3> voxels = markedCentres(m);
  double t_min = 1e9;
  double t_max = -1e9;
  for (const Vec3& p : voxels) {
    const double t = (p - tip).dot(dir);
    t_min = std::min(t_min, t);
    t_max = std::max(t_max, t);
    // Within the radius plus the nearest-voxel rounding (half a voxel diagonal).
    EXPECT_LE((p - tip - t * dir).norm(), 0.75 + 0.87);
  }
  EXPECT_NEAR(t_max, 0.0, 0.9);
  EXPECT_NEAR(t_min, -30.0, 0.9);
  EXPECT_GE(voxels.size(), 30U);
  EXPECT_LE(voxels.size(), 150U);
  EXPECT_EQ(componentCount(m), 1);
  EXPECT_NE(m(30, 28, 32), 0);  // the tip voxel
}

TEST(ElectrodeRaster, ClusterGivesThreeSeparateShafts) {
  const Electrode& cluster = shippedCatalog().find("cooltip-cluster-2.5cm");
  const Mask m = rasterizeActivePart(cluster, {Vec3(24, 24, 40), Vec3(0, 0, 1)}, cubeGrid(48));
  EXPECT_EQ(componentCount(m), 3);
  const std::vector<Vec3> voxels = markedCentres(m);
  for (const Vec3& p : voxels) {
    EXPECT_LE(std::hypot(p.x() - 24, p.y() - 24), 2.887 + 0.75 + 0.71);
    EXPECT_GE(p.z(), 15.0);
    EXPECT_LE(p.z(), 40.0);
  }
}

TEST(ElectrodeRaster, TinesReachTheDeployedRadius) {
  const ElectrodeCatalog& c = shippedCatalog();
  for (const char* name : {"leveen-4cm", "starburst-4cm"}) {
    const Electrode& e = c.find(name);
    ASSERT_TRUE(e.tines.has_value());
    const Vec3 tip(32, 32, 32);
    const Mask m = rasterizeActivePart(e, {tip, Vec3(0, 0, 1)}, cubeGrid(64));
    const double radius = 0.5 * e.tines->deployed_diameter_mm;
    double r_max = 0;
    double z_min = 1e9;
    double z_max = -1e9;
    for (const Vec3& p : markedCentres(m)) {
      r_max = std::max(r_max, std::hypot(p.x() - tip.x(), p.y() - tip.y()));
      z_min = std::min(z_min, p.z() - tip.z());
      z_max = std::max(z_max, p.z() - tip.z());
    }
    EXPECT_NEAR(r_max, radius, 1.0) << name;
    EXPECT_EQ(componentCount(m), 1) << name;  // all tines meet at the tip
    EXPECT_NE(m(32, 32, 32), 0) << name;
    if (e.tines->recurved) {  // ends 0.3 D behind the tip, at most 0.04 D ahead
      EXPECT_NEAR(z_min, -0.3 * 2 * radius, 1.0) << name;
      EXPECT_LE(z_max, 0.04 * 2 * radius + 1.0) << name;
    } else {  // ends 0.5 D ahead, never behind
      EXPECT_NEAR(z_max, 0.5 * 2 * radius, 1.0) << name;
      EXPECT_GE(z_min, -1.0) << name;
    }
  }
}

TEST(ElectrodeRaster, PartlyOutsideIsClippedEntirelyOutsideThrows) {
  const Electrode e = singleShaft(30, 1.5);
  const Mask clipped = rasterizeActivePart(e, {Vec3(10, 10, 5), Vec3(0, 0, 1)}, cubeGrid(20));
  EXPECT_EQ(markedCentres(clipped).size(), 6U);  // z = 0 .. 5
  EXPECT_THROW((void)rasterizeActivePart(e, {Vec3(100, 100, 100), Vec3(0, 0, 1)}, cubeGrid(20)),
               GeometryError);
  EXPECT_THROW((void)rasterizeActivePart(e, {Vec3(10, 10, 10), Vec3(0, 0, 0)}, cubeGrid(20)),
               GeometryError);
}

}  // namespace
}  // namespace rfa::thermal
