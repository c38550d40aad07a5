#include "test_support.h"

#include <fcntl.h>
#include <itksys/MD5.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

extern char** environ;

namespace rfa::test {
namespace fs = std::filesystem;

fs::path sharedDir() {
  if (const char* env = std::getenv("RFA_SHARED_DIR")) {
    if (*env) return env;
  }
  return RFA_DEFAULT_SHARED_DIR;
}

fs::path sharedTestData(const std::string& rel) {
  const fs::path p = sharedDir() / "testdata" / rel;
  std::error_code ec;
  return fs::exists(p, ec) ? p : fs::path();
}

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const fs::path p = fs::temp_directory_path() /
                       ("rfa-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd()));
    std::error_code ec;
    if (fs::create_directory(p, ec)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary folder");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {
std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}
}  // namespace

RunResult run(const std::vector<std::string>& argv) {
  TempDir tmp;
  const std::string out_file = (tmp.path() / "out").string();
  const std::string err_file = (tmp.path() / "err").string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  RunResult r;
  if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    r.err = "cannot start " + argv[0];
    return r;
  }
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out_file);
  r.err = slurp(err_file);
  return r;
}

bool haveProgram(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (!dir.empty() && ::access((fs::path(dir) / program).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string md5Hex(const void* data, std::size_t size) {
  itksysMD5* md5 = itksysMD5_New();
  itksysMD5_Initialize(md5);
  itksysMD5_Append(md5, static_cast<const unsigned char*>(data), static_cast<int>(size));
  char hex[33] = {};
  itksysMD5_FinalizeHex(md5, hex);
  itksysMD5_Delete(md5);
  return std::string(hex, 32);
}

std::string int16Md5(const ImageVolume& v) {
  std::vector<std::int16_t> buf(v.voxelCount());
  const auto d = v.data();
  for (std::size_t i = 0; i < buf.size(); ++i)
    buf[i] = static_cast<std::int16_t>(std::lround(d[i]));
  return md5Hex(buf.data(), buf.size() * sizeof(std::int16_t));  // x86: little endian
}

}  // namespace rfa::test
