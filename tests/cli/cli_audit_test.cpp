// The audit trail of the command line (rfa::audit): `rfaplan plan`, `export-rtstruct`,
// `export-seg` and `report` on a small phantom each leave their line (who, when, action, the
// plan's UIDs, the SHA-256 of the plan and of the output), and the log holds no patient name,
// patient ID or path.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "cli_support.h"
#include "rfa/audit/audit_log.h"

namespace rfa {
namespace {

namespace fs = std::filesystem;
using test::rfaplan;
using test::RunResult;
using test::TempDir;

TEST(CliAudit, PlanAndExportsAreLoggedWithHashesAndNoPatientData) {
  TempDir tmp;
  const fs::path log = tmp.path() / "log" / "audit.jsonl";
  ::setenv("RFA_AUDIT_LOG", log.c_str(), 1);
  const fs::path ph = tmp.path() / "ph";
  RunResult r = rfaplan({"phantom", "--out", ph.string(), "--lesions", "1", "--size", "96,96,40",
                         "--spacing", "3", "--seed", "5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path plan = tmp.path() / "plan.json";
  r = rfaplan({"plan", ph.string(), "--segmentation", (ph / "truth").string(), "--no-confirm",
               "--no-ultrasound", "--uncertainty-samples", "0", "-o", plan.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path rtss = tmp.path() / "rtss.dcm";
  r = rfaplan({"export-rtstruct", plan.string(), "-o", rtss.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const fs::path seg = tmp.path() / "seg.dcm";
  r = rfaplan({"export-seg", plan.string(), "-o", seg.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ::unsetenv("RFA_AUDIT_LOG");

  const audit::LogContents c = audit::readLog(log);
  EXPECT_EQ(c.torn_lines, 0);
  std::vector<std::string> actions;
  for (const auto& e : c.events) actions.push_back(e["action"].get<std::string>());
  ASSERT_EQ(actions, (std::vector<std::string>{"open", "save", "export", "export"}));
  const std::string plan_hash = audit::fileSha256(plan);
  for (const auto& e : c.events) {
    EXPECT_EQ(e["program"], "rfaplan");
    EXPECT_EQ(e["user"], audit::currentUser());
    EXPECT_FALSE(e["uids"]["series"].get<std::string>().empty()) << e.dump();
    if (e["action"] != "open") {
      EXPECT_EQ(e["sha256"]["plan"], plan_hash) << e.dump();
    }
  }
  EXPECT_EQ(c.events[2]["details"]["kind"], "rtstruct");
  EXPECT_EQ(c.events[2]["sha256"]["output"], audit::fileSha256(rtss));
  EXPECT_FALSE(c.events[2]["uids"]["output_sop_instance"].get<std::string>().empty());
  EXPECT_EQ(c.events[3]["details"]["kind"], "seg");
  EXPECT_EQ(c.events[3]["sha256"]["output"], audit::fileSha256(seg));
  // No name, no patient ID, no path.
  std::ifstream in(log);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const std::string& leak : {std::string("RFA^Phantom"), std::string("RFAPHANTOM"),
                                  tmp.path().string(), std::string("plan.json")}) {
    EXPECT_EQ(all.find(leak), std::string::npos) << leak;
  }
}

}  // namespace
}  // namespace rfa
