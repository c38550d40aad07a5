// The workstation's patient data at rest: the autosave owner-only whatever the umask; the PACS
// cache's retention by age and size with a fake clock; clearing it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <string>

#include "rfa/phantom/phantom.h"
#include "rfa/workflow/autosave.h"
#include "rfa/workflow/case_state.h"
#include "rfa/workflow/patient_cache.h"
#include "test_support.h"

namespace rfa::workflow {
namespace {

namespace fs = std::filesystem;
using rfa::test::TempDir;
using std::chrono::hours;

unsigned modeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return static_cast<unsigned>(st.st_mode & 07777);
}

// A cached series: `bytes` bytes in one file, last modified `age` before the real now.
void series(const fs::path& dir, const std::string& uid, std::size_t bytes, hours age) {
  fs::create_directories(dir / uid);
  const fs::path f = dir / uid / "1.dcm";
  std::ofstream(f, std::ios::binary) << std::string(bytes, 'x');
  const auto t = fs::file_time_type::clock::now() - age;
  fs::last_write_time(f, t);
  fs::last_write_time(dir / uid, t);
}

TEST(PatientCache, RetentionByAgeThenBySizeOldestFirst) {
  TempDir tmp;
  const fs::path pacs = tmp.path() / "pacs";
  series(pacs, "1.1", 1000, hours(24 * 10));  // older than a week
  series(pacs, "1.2", 3000, hours(48));
  series(pacs, "1.3", 2000, hours(24));
  series(pacs, "1.4", 1000, hours(1));
  CacheRetention keep;
  keep.max_age = hours(24 * 7);
  keep.max_bytes = 3500;
  const auto now = std::chrono::system_clock::now();
  const CachePruneResult r = prunePatientCache(pacs, keep, now);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.removed, 2);  // 1.1 (age), then 1.2 (oldest while 6000 > 3500 bytes)
  EXPECT_EQ(r.removed_bytes, 4000U);
  EXPECT_EQ(r.kept, 2);
  EXPECT_EQ(r.kept_bytes, 3000U);
  EXPECT_FALSE(fs::exists(pacs / "1.1"));
  EXPECT_FALSE(fs::exists(pacs / "1.2"));
  EXPECT_TRUE(fs::exists(pacs / "1.3"));
  EXPECT_TRUE(fs::exists(pacs / "1.4"));
  // A fake clock three days on: 1.3 (now 4 days old) stays, with a 2-day limit it goes.
  keep.max_age = hours(48);
  const CachePruneResult later = prunePatientCache(pacs, keep, now + hours(72));
  EXPECT_EQ(later.removed, 2);  // 1.3 is 4 days old and 1.4 3 days: both beyond 2 days
  EXPECT_TRUE(fs::is_empty(pacs));
  EXPECT_EQ(prunePatientCache(tmp.path() / "none", keep, now).removed, 0);
}

TEST(PatientCache, ClearRemovesEveryEntryAndKeepsTheFolders) {
  TempDir tmp;
  series(tmp.path() / "pacs", "2.1", 10, hours(1));
  series(tmp.path() / "pacs", "2.2", 10, hours(1));
  fs::create_directories(tmp.path() / "outgoing");
  std::ofstream(tmp.path() / "outgoing" / "plan-rtstruct.dcm") << "x";
  const CachePruneResult r =
      clearPatientCache({tmp.path() / "pacs", tmp.path() / "outgoing", tmp.path() / "absent"});
  EXPECT_EQ(r.removed, 3);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_TRUE(fs::is_directory(tmp.path() / "pacs"));
  EXPECT_TRUE(fs::is_empty(tmp.path() / "pacs"));
  EXPECT_TRUE(fs::is_empty(tmp.path() / "outgoing"));
}

TEST(PatientCache, AutosaveIsOwnerOnlyWhateverTheUmask) {
  phantom::PhantomOptions o;
  o.size = {48, 48, 24};
  o.spacing_mm = {4, 4, 5};
  o.lesions = 1;
  o.min_lesion_diameter_mm = 14;
  o.max_lesion_diameter_mm = 16;
  const phantom::Phantom ph = phantom::generatePhantom(o);
  CaseState s;
  s.image.image = ph.ct;
  s.segmentation.liver = ph.liver;
  s.segmentation.lesions = ph.lesions;
  s.plan = planning::TreatmentPlan{};
  for (const mode_t mask : {mode_t{022}, mode_t{0}}) {
    TempDir tmp;
    const fs::path dir = tmp.path() / "cache" / "autosave";
    const mode_t old = ::umask(mask);
    const bool written = autosaveCase(s, dir, true);
    ::umask(old);
    ASSERT_TRUE(written);
    EXPECT_EQ(modeOf(tmp.path() / "cache"), 0700U);
    EXPECT_EQ(modeOf(dir), 0700U);
    int files = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_directory()) {
        EXPECT_EQ(modeOf(e.path()), 0700U) << e.path();
      } else {
        EXPECT_EQ(modeOf(e.path()), 0600U) << e.path();
        ++files;
      }
    }
    EXPECT_GE(files, 3) << "plan, liver and lesions";
  }
}

}  // namespace
}  // namespace rfa::workflow
