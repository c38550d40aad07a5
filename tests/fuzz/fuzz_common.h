#pragma once
// Shared by the libFuzzer targets of rfaplan's file readers: the input bytes go to a per-process
// scratch file (for readers that only take a path), and the reader is called with every
// rfa::Error treated as a clean rejection. Anything else escaping (std::bad_alloc, other
// exceptions) aborts, so libFuzzer records it as a crash; sanitizer reports, leaks and time-outs
// are findings too.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "rfa/core/error.h"

namespace rfa::fuzz {

/// `<tmp>/rfa-fuzz-<pid>-<name>`: one file per process and name, rewritten for every input.
inline std::filesystem::path scratchFile(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("rfa-fuzz-" + std::to_string(::getpid()) + "-" + name);
}

/// Writes the input to scratchFile(name) and returns its path.
inline std::filesystem::path writeScratch(const std::uint8_t* data, std::size_t size,
                                          const std::string& name) {
  std::filesystem::path f = scratchFile(name);
  std::ofstream out(f, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return f;
}

/// With RFA_FUZZ_VERBOSE set, prints why an input was rejected (to check that seeds are accepted:
/// `RFA_FUZZ_VERBOSE=1 fuzz_x -runs=0 seeds/`).
inline void noteRejection(const rfa::Error& e) {
  static const bool verbose = std::getenv("RFA_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "rejected: %s\n", e.what());
}

/// Runs `read`; an rfa::Error is the expected answer to bad input, anything else is a finding.
template <class F>
void expectCleanRejection(F&& read) {
  try {
    read();
  } catch (const rfa::Error& e) {
    noteRejection(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FINDING: exception other than rfa::Error: %s\n", e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "FINDING: non-standard exception\n");
    std::abort();
  }
}

}  // namespace rfa::fuzz
