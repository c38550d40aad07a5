// margins.json read back (confirm.h readMarginsFile()): the rows, and a clear error for a file
// that is missing, not JSON, another format, a newer version or a malformed row.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "rfa/core/error.h"
#include "rfa/followup/confirm.h"
#include "test_support.h"

namespace rfa::followup {
namespace {

void write(const std::filesystem::path& f, const std::string& text) {
  std::ofstream(f) << text;
}

TEST(MarginsFile, RowsAndErrors) {
  test::TempDir tmp;
  const auto f = tmp.path() / "margins.json";
  EXPECT_THROW((void)readMarginsFile(f), NotFoundError);
  write(f, R"({"format": "rfaplan-margins", "version": 1, "lesions": [
      {"lesion": 3, "minimal_margin_mm": 4.25, "verdict": "incomplete margin",
       "technical_success": false},
      {"lesion": 5, "minimal_margin_mm": 6.5, "verdict": "technical success",
       "technical_success": true}]})");
  const std::vector<MarginsRow> rows = readMarginsFile(f);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0].lesion, 3);
  EXPECT_DOUBLE_EQ(rows[0].minimal_margin_mm, 4.25);
  EXPECT_FALSE(rows[0].technical_success);
  EXPECT_EQ(rows[1].verdict, "technical success");
  EXPECT_TRUE(rows[1].technical_success);

  write(f, "{ nope");
  EXPECT_THROW((void)readMarginsFile(f), CorruptDataError);
  write(f, R"({"format": "something else", "lesions": []})");
  EXPECT_THROW((void)readMarginsFile(f), CorruptDataError);
  write(f, R"({"format": "rfaplan-margins", "version": 2, "lesions": []})");
  EXPECT_THROW((void)readMarginsFile(f), UnsupportedError);
  write(f, R"({"format": "rfaplan-margins", "version": 1, "lesions": [{"lesion": 1}]})");
  try {
    (void)readMarginsFile(f);
    FAIL() << "no CorruptDataError";
  } catch (const CorruptDataError& e) {
    EXPECT_NE(std::string(e.what()).find(f.string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rfa::followup
