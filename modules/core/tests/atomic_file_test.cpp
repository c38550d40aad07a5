// Atomic file replacement: new file, overwrite, and failures that leave the old file intact.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"

namespace rfa {
namespace {

namespace fs = std::filesystem;

class AtomicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rfa_atomic_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, ec);
    fs::remove_all(dir_, ec);
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  // Entries of dir_ (a leftover temporary would show here).
  [[nodiscard]] int entries() const {
    return static_cast<int>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator{}));
  }
  fs::path dir_;
};

TEST_F(AtomicFile, WritesANewFile) {
  const fs::path f = dir_ / "plan.json";
  const std::string bytes = std::string("{\"a\": 1}\n") + std::string(1, '\0') + "tail";
  writeFileAtomically(f, bytes);
  EXPECT_EQ(read(f), bytes);
  EXPECT_EQ(entries(), 1);  // no temporary left
}

TEST_F(AtomicFile, OverwritesAnExistingFile) {
  const fs::path f = dir_ / "plan.json";
  writeFileAtomically(f, std::string(10000, 'x'));
  writeFileAtomically(f, "short\n");
  EXPECT_EQ(read(f), "short\n");
  writeFileAtomically(f, "");
  EXPECT_EQ(read(f), "");
  EXPECT_TRUE(fs::exists(f));
  EXPECT_EQ(entries(), 1);
}

TEST_F(AtomicFile, UnwritableFolderThrowsAndKeepsTheOldFile) {
  if (::geteuid() == 0) {
    GTEST_SKIP() << "running as root: directory permissions do not stop root from writing "
                    "(the failure path is covered by RenameFailure and MissingFolder)";
  }
  const fs::path f = dir_ / "plan.json";
  writeFileAtomically(f, "old content\n");
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  try {
    writeFileAtomically(f, "new content\n");
    FAIL() << "no WriteError";
  } catch (const WriteError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(f.string()), std::string::npos) << what;
    EXPECT_NE(what.find(std::strerror(EACCES)), std::string::npos) << what;
  }
  fs::permissions(dir_, fs::perms::owner_all);
  EXPECT_EQ(read(f), "old content\n");
  EXPECT_EQ(entries(), 1);
}

TEST_F(AtomicFile, RenameFailureRemovesTheTemporaryAndKeepsTheTarget) {
  // A non-empty folder in the way of the rename: fails for every user, root included.
  const fs::path f = dir_ / "plan.json";
  fs::create_directories(f / "inside");
  std::ofstream(f / "inside" / "keep.txt") << "keep";
  try {
    writeFileAtomically(f, "new content\n");
    FAIL() << "no WriteError";
  } catch (const WriteError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(f.string()), std::string::npos) << what;
    EXPECT_NE(what.find("rename"), std::string::npos) << what;
    EXPECT_EQ(e.code(), ExitCode::kWriteFailed);
  }
  EXPECT_TRUE(fs::is_directory(f));
  EXPECT_EQ(read(f / "inside" / "keep.txt"), "keep");
  EXPECT_EQ(entries(), 1);  // the temporary was removed
}

TEST_F(AtomicFile, MissingFolderThrowsNamingTheFile) {
  const fs::path f = dir_ / "no-such-folder" / "plan.json";
  try {
    writeFileAtomically(f, "x");
    FAIL() << "no WriteError";
  } catch (const WriteError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(f.string()), std::string::npos) << what;
    EXPECT_NE(what.find(std::strerror(ENOENT)), std::string::npos) << what;
  }
  EXPECT_FALSE(fs::exists(f.parent_path()));
}

}  // namespace
}  // namespace rfa
