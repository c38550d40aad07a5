// Owner-only folders and files whatever the umask (private_files.h).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "rfa/core/error.h"
#include "rfa/core/private_files.h"
#include "test_support.h"

namespace rfa {
namespace {

namespace fs = std::filesystem;

unsigned modeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return static_cast<unsigned>(st.st_mode & 07777);
}

// Runs `f` under `mask`, restoring the previous umask.
template <class F>
void withUmask(mode_t mask, F f) {
  const mode_t old = ::umask(mask);
  f();
  ::umask(old);
}

class PrivateFiles : public ::testing::TestWithParam<mode_t> {};

TEST_P(PrivateFiles, FoldersAre0700AndFiles0600WhateverTheUmask) {
  test::TempDir tmp;
  withUmask(GetParam(), [&] {
    const fs::path d = tmp.path() / "a" / "b" / "c";
    createPrivateFolder(d);
    EXPECT_EQ(modeOf(tmp.path() / "a"), 0700U);
    EXPECT_EQ(modeOf(tmp.path() / "a" / "b"), 0700U);
    EXPECT_EQ(modeOf(d), 0700U);
    // A writer that uses the umask, then restricted.
    fs::create_directories(d / "series" / "x");
    std::ofstream(d / "series" / "x" / "1.dcm") << "DICM";
    std::ofstream(d / "top.json") << "{}";
    fs::create_symlink("/etc/hostname", d / "link");
    restrictToOwner(d);
    EXPECT_EQ(modeOf(d / "series"), 0700U);
    EXPECT_EQ(modeOf(d / "series" / "x"), 0700U);
    EXPECT_EQ(modeOf(d / "series" / "x" / "1.dcm"), 0600U);
    EXPECT_EQ(modeOf(d / "top.json"), 0600U);
    EXPECT_TRUE(fs::is_symlink(fs::symlink_status(d / "link")));
    // An existing folder with a wider mode is narrowed.
    fs::create_directories(tmp.path() / "wide");
    fs::permissions(tmp.path() / "wide", fs::perms::all);
    createPrivateFolder(tmp.path() / "wide", ExistingFolder::kKeep);
    EXPECT_EQ(modeOf(tmp.path() / "wide"), 0777U);  // a folder the user chose: left alone
    createPrivateFolder(tmp.path() / "wide");
    EXPECT_EQ(modeOf(tmp.path() / "wide"), 0700U);
  });
}

INSTANTIATE_TEST_SUITE_P(Umask, PrivateFiles, ::testing::Values(mode_t{022}, mode_t{0}));

TEST(PrivateFilesErrors, AFileWhereTheFolderShouldBeIsRefusedByName) {
  test::TempDir tmp;
  std::ofstream(tmp.path() / "file") << "x";
  try {
    createPrivateFolder(tmp.path() / "file");
    FAIL() << "no error";
  } catch (const WriteError& e) {
    EXPECT_NE(std::string(e.what()).find("file"), std::string::npos) << e.what();
  }
  restrictToOwner(tmp.path() / "missing");  // nothing to do
}

}  // namespace
}  // namespace rfa
