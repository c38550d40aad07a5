#pragma once
// Child processes of the rfaplan command line: the demo runs later steps as the user would type
// them (rfaplan phantom-followup, rfaplan confirm) and the workstation's screenshot mode
// (rfaplan-gui --screenshot), on the user's display or on a private Xvfb.
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rfa::cli {

/// This program's own executable (/proc/self/exe). \throws rfa::Error (kInternal) if unreadable.
std::filesystem::path selfExecutable();

/// rfaplan-gui next to this executable (installed: same folder; build tree: ./gui/), if built.
std::optional<std::filesystem::path> findGuiExecutable();

/// `program` found on PATH (and /usr/sbin, /sbin), if any.
std::optional<std::filesystem::path> findOnPath(const std::string& program);

/// Runs argv[0] (a path) with argv[1..], stdin from /dev/null, stdout and stderr appended to
/// `log`, the environment plus `extra_env` (NAME, value); waits and returns its exit status
/// (128 + signal when killed by one). \throws rfa::Error (kWriteFailed) when the log cannot be
/// opened, (kInternal) when the program cannot be started.
int runChild(const std::vector<std::string>& argv, const std::filesystem::path& log,
             const std::vector<std::pair<std::string, std::string>>& extra_env = {});

/// A private X display: Xvfb (Mesa llvmpipe for OpenGL) on the first free display number, which
/// Xvfb itself reports (-displayfd), with no TCP listener and no reset when clients leave. Stopped
/// by the destructor.
class XvfbDisplay {
 public:
  /// Starts `xvfb` (path) and waits up to 30 s until it accepts clients.
  /// \throws rfa::Error (kInternal) naming the reason and Xvfb's log file.
  XvfbDisplay(const std::filesystem::path& xvfb, const std::filesystem::path& log);
  ~XvfbDisplay();
  XvfbDisplay(const XvfbDisplay&) = delete;
  XvfbDisplay& operator=(const XvfbDisplay&) = delete;

  /// The DISPLAY value, e.g. ":3".
  const std::string& display() const { return display_; }

 private:
  int pid_ = -1;
  std::string display_;
};

}  // namespace rfa::cli
