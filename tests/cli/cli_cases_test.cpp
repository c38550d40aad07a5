// 'rfaplan cases' end to end: a real plan (phantom, `rfaplan plan --start`) added to a database
// in a temp folder, listed as JSON, its events due equal to the plan file's timeline dates, shown,
// followed up; and the documented exit codes (missing plan 3, corrupt database 5, bad date 2).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "cli_support.h"
#include "test_support.h"

namespace rfa {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::contains;
using test::readJson;
using test::rfaplan;
using test::RunResult;
using test::TempDir;

TEST(CliCases, AddListDueShowAndExitCodes) {
  TempDir tmp;
  const fs::path ph = tmp / "ph";
  RunResult r = rfaplan({"phantom", "--out", ph.string(), "--lesions", "2", "--lesion-diameters",
                         "10,18", "--size", "128,128,60", "--spacing", "2.5", "--seed", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const fs::path plan = tmp / "plan.json";
  r = rfaplan({"plan", ph.string(), "--no-confirm", "--uncertainty-samples", "10", "--start",
               "2027-03-01", "-o", plan.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json p = readJson(plan);
  ASSERT_GE(p["timeline"].size(), 2U);
  const std::string db = (tmp / "db" / "cases.sqlite").string();

  r = rfaplan({"cases", "add", plan.string(), "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "added case 1")) << r.out;
  r = rfaplan({"cases", "add", plan.string(), "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "unchanged case 1")) << r.out;

  r = rfaplan({"cases", "list", "--json", "--today", "2027-02-20", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json list = json::parse(r.out);
  ASSERT_EQ(list["cases"].size(), 1U);
  const json& c = list["cases"][0];
  EXPECT_EQ(c["id"], 1);
  EXPECT_EQ(c["patient_id"], p["source"]["patient_id"]);
  EXPECT_EQ(fs::path(c["plan"].get<std::string>()), fs::canonical(plan));
  EXPECT_EQ(c["revision"], p["revision"]);
  EXPECT_EQ(c["profile"], p["settings"]["profile"]);
  EXPECT_EQ(c["sessions"].get<std::size_t>(), p["sessions"].size());
  EXPECT_EQ(c["lesions"].get<std::size_t>(), p["lesions"].size());
  ASSERT_FALSE(c["next"].is_null());
  EXPECT_EQ(c["next"]["date"], "2027-03-01");

  // Due over two years: every event of the plan's timeline with its date, exactly.
  r = rfaplan({"cases", "due", "--from", "2027-03-01", "--days", "730", "--json", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json due = json::parse(r.out);
  std::multiset<std::string> expected;
  for (const json& e : p["timeline"]) {
    if (e["date"].get<std::string>() > "2029-02-28") continue;
    expected.insert(e["date"].get<std::string>() + " " + e["kind"].get<std::string>() + " " +
                    e["text"].get<std::string>());
  }
  std::multiset<std::string> got;
  for (const json& e : due["dated"]) {
    if (e["kind"] == "labs") continue;
    got.insert(e["date"].get<std::string>() + " " + e["kind"].get<std::string>() + " " +
               e["text"].get<std::string>());
  }
  EXPECT_GT(expected.size(), 1U);
  EXPECT_EQ(got, expected);

  r = rfaplan({"cases", "due", "--from", "2027-03-01", "--days", "0", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "RESEARCH USE ONLY")) << r.out;
  EXPECT_TRUE(contains(r.out, "2027-03-01  #1")) << r.out;

  r = rfaplan({"cases", "show", "1", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, fs::canonical(plan).string())) << r.out;
  EXPECT_TRUE(contains(r.out, "plan-segmentation")) << r.out;
  EXPECT_TRUE(contains(r.out, "session 1: L")) << r.out;

  std::ofstream(tmp / "margins.json") << "{}\n";
  r = rfaplan({"cases", "followup", "1", (tmp / "margins.json").string(), "--session", "1",
               "--date", "2027-04-01", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = rfaplan({"cases", "list", "--json", "--db", db});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(json::parse(r.out)["cases"][0]["sessions_done"], 1);

  // Exit codes: a missing plan 3, a bad date 2, an unknown case 3, a database that is not one 5.
  r = rfaplan({"cases", "add", (tmp / "missing.json").string(), "--db", db});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "missing.json")) << r.err;
  r = rfaplan({"cases", "due", "--from", "2027-02-30", "--db", db});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  r = rfaplan({"cases", "show", "42", "--db", db});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  std::ofstream(tmp / "not-a-db.sqlite") << "this is not a database, just text long enough\n";
  r = rfaplan({"cases", "list", "--db", (tmp / "not-a-db.sqlite").string()});
  EXPECT_EQ(r.exit_code, 5) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "not-a-db.sqlite")) << r.err;

  // The default database: $RFA_CASES_DB.
  const test::ScopedEnv env("RFA_CASES_DB", (tmp / "env.sqlite").string());
  r = rfaplan({"cases", "add", plan.string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_TRUE(fs::exists(tmp / "env.sqlite"));
}

}  // namespace
}  // namespace rfa
