// Probe files: the shipped probes load; a malformed file is refused naming the file and member.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "rfa/core/error.h"
#include "rfa/ultrasound/probe.h"
#include "test_support.h"

namespace rfa::ultrasound {
namespace {

TEST(Probe, ShippedProbesLoad) {
  const ProbeModel c = loadProbe("curvilinear-abdominal");
  EXPECT_EQ(c.kind, ProbeKind::kCurvilinear);
  EXPECT_GT(c.aperture_deg, 0);
  EXPECT_FALSE(c.source.empty());
  const ProbeModel l = loadProbe("linear");
  EXPECT_EQ(l.kind, ProbeKind::kLinear);
  EXPECT_GT(l.width_mm, 0);
  try {
    (void)loadProbe("no-such-probe");
    FAIL() << "no NotFoundError";
  } catch (const NotFoundError& e) {
    EXPECT_NE(std::string(e.what()).find("curvilinear-abdominal"), std::string::npos) << e.what();
  }
}

TEST(Probe, MalformedFilesAreRefused) {
  test::TempDir tmp;
  const auto f = tmp.path() / "p.json";
  const auto write = [&](const std::string& text) { std::ofstream(f) << text; };
  EXPECT_THROW((void)readProbeFile(tmp.path() / "missing.json"), NotFoundError);
  write("{ nope");
  EXPECT_THROW((void)readProbeFile(f), CorruptDataError);
  write(R"({"name": "x", "kind": "phased", "depth_mm": 100, "slice_thickness_mm": 3,
            "frequency_mhz": 3, "source": "s"})");
  EXPECT_THROW((void)readProbeFile(f), CorruptDataError);
  write(R"({"name": "x", "kind": "curvilinear", "radius_mm": 50, "aperture_deg": 200,
            "depth_mm": 100, "slice_thickness_mm": 3, "frequency_mhz": 3, "source": "s"})");
  try {
    (void)readProbeFile(f);
    FAIL() << "no CorruptDataError";
  } catch (const CorruptDataError& e) {
    EXPECT_NE(std::string(e.what()).find("aperture_deg"), std::string::npos) << e.what();
  }
  write(R"({"name": "x", "kind": "linear", "width_mm": 30, "depth_mm": 60,
            "slice_thickness_mm": 2, "frequency_mhz": 8})");  // no source
  EXPECT_THROW((void)readProbeFile(f), CorruptDataError);
}

}  // namespace
}  // namespace rfa::ultrasound
