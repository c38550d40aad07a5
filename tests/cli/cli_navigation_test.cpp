// 'rfaplan export-igt' end to end: the real binary on a small phantom planned with 'rfaplan plan'
// (preview only), the Markups JSON checked against plan.json (every needle's entry and tip
// exactly), the .igtl file's message headers walked (types, device names with the frame), and the
// documented exit codes (missing plan: 3 naming it; bad frame: 2).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "cli_support.h"
#include "test_support.h"

namespace rfa {
namespace {
namespace fs = std::filesystem;
using test::contains;
using test::rfaplan;
using test::RunResult;
using test::TempDir;

// (type, device) of each message of an OpenIGTLink stream: 58-byte headers (version 2 bytes,
// type 12, device name 20, time stamp 8, body size 8, CRC 8; big-endian), each followed by its
// body.
std::vector<std::pair<std::string, std::string>> igtlHeaders(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t at = 0;
  while (at + 58 <= b.size()) {
    auto text = [&](std::size_t off, std::size_t n) {
      std::string s = b.substr(at + off, n);
      return s.substr(0, s.find('\0'));
    };
    std::uint64_t body = 0;
    for (std::size_t i = 0; i < 8; ++i)
      body = (body << 8) | static_cast<unsigned char>(b[at + 42 + i]);
    out.emplace_back(text(2, 12), text(14, 20));
    at += 58 + body;
  }
  EXPECT_EQ(at, b.size()) << "the messages do not tile " << file;
  return out;
}

class CliNavigation : public ::testing::Test {
 protected:
  TempDir tmp;
  fs::path ph = tmp / "ph";
  fs::path plan = tmp / "plan.json";
  void SetUp() override {
    const RunResult p =
        rfaplan({"phantom", "--out", ph.string(), "--size", "160,140,100", "--spacing", "2",
                 "--lesions", "3", "--seed", "5", "--lesion-diameters", "8,20"});
    ASSERT_EQ(p.exit_code, 0) << p.out << p.err;
    const RunResult r = rfaplan(
        {"plan", ph.string(), "-o", plan.string(), "--no-confirm", "--uncertainty-samples", "10"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
};

TEST_F(CliNavigation, ExportIgtWritesMarkupsAndIgtlFiles) {
  const fs::path out = tmp / "nav";
  const RunResult r = rfaplan({"export-igt", plan.string(), "--out", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "RESEARCH USE ONLY")) << r.out;
  EXPECT_TRUE(contains(r.out, (out / "plan.mrk.json").string())) << r.out;
  EXPECT_TRUE(contains(r.out, (out / "plan.igtl").string())) << r.out;
  ASSERT_TRUE(fs::is_regular_file(out / "plan.mrk.json"));
  ASSERT_TRUE(fs::is_regular_file(out / "plan.igtl"));

  // Markups: a Line per planned needle with plan.json's entry and tip, exactly, in LPS.
  const nlohmann::json p = test::readJson(plan);
  std::vector<std::pair<std::vector<double>, std::vector<double>>> planned;
  for (const auto& l : p.at("lesions")) {
    for (const auto& pl : l.at("placements")) {
      planned.emplace_back(pl.at("entry_lps_mm").get<std::vector<double>>(),
                           pl.at("tip_lps_mm").get<std::vector<double>>());
    }
  }
  ASSERT_GT(planned.size(), 0U);
  const nlohmann::json m = test::readJson(out / "plan.mrk.json");
  std::vector<std::pair<std::vector<double>, std::vector<double>>> lines;
  for (const auto& mk : m.at("markups")) {
    EXPECT_EQ(mk.at("coordinateSystem"), "LPS");
    if (mk.at("type") != "Line") continue;
    EXPECT_EQ(mk.at("name").get<std::string>().rfind("Needle L", 0), 0U) << mk.at("name");
    const auto& cp = mk.at("controlPoints");
    ASSERT_EQ(cp.size(), 2U);
    lines.emplace_back(cp[0].at("position").get<std::vector<double>>(),
                       cp[1].at("position").get<std::vector<double>>());
  }
  EXPECT_EQ(lines.size(), planned.size());
  for (const auto& pl : planned) {
    EXPECT_NE(std::find(lines.begin(), lines.end(), pl), lines.end())
        << "planned needle not in the markups";
  }

  // OpenIGTLink: one TRAJ then POLYDATA, device names ending with the frame.
  const auto msgs = igtlHeaders(out / "plan.igtl");
  ASSERT_GE(msgs.size(), 4U);  // TRAJ, liver, a lesion at least
  EXPECT_EQ(msgs[0].first, "TRAJ");
  EXPECT_EQ(msgs[0].second, "Trajectories LPS");
  bool liver = false;
  for (std::size_t i = 1; i < msgs.size(); ++i) {
    EXPECT_EQ(msgs[i].first, "POLYDATA");
    EXPECT_EQ(msgs[i].second.substr(msgs[i].second.size() - 4), " LPS") << msgs[i].second;
    liver = liver || msgs[i].second == "Liver LPS";
  }
  EXPECT_TRUE(liver);

  // RAS: the same messages, named for RAS.
  const RunResult ras =
      rfaplan({"export-igt", plan.string(), "--out", (tmp / "ras").string(), "--frame", "ras"});
  ASSERT_EQ(ras.exit_code, 0) << ras.out << ras.err;
  const auto rmsgs = igtlHeaders(tmp / "ras" / "plan.igtl");
  ASSERT_EQ(rmsgs.size(), msgs.size());
  EXPECT_EQ(rmsgs[0].second, "Trajectories RAS");
}

TEST(CliNavigationErrors, MissingPlanAndBadFrame) {
  TempDir tmp;
  const fs::path missing = tmp / "no-such-plan.json";
  const RunResult r = rfaplan({"export-igt", missing.string(), "--out", (tmp / "o").string()});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, missing.string())) << r.err;
  EXPECT_FALSE(fs::exists(tmp / "o" / "plan.igtl"));
  const RunResult f =
      rfaplan({"export-igt", missing.string(), "--out", (tmp / "o").string(), "--frame", "xyz"});
  EXPECT_EQ(f.exit_code, 2) << f.out << f.err;
  const RunResult s = rfaplan({"serve-igt", missing.string(), "--port", "0"});
  EXPECT_EQ(s.exit_code, 3) << s.out << s.err;
  EXPECT_TRUE(contains(s.err, missing.string())) << s.err;
}

}  // namespace
}  // namespace rfa
