#pragma once
// A real Orthanc PACS for tests: started on loopback with a throw-away configuration, storage
// and index in a temporary folder, stopped (SIGTERM, then SIGKILL) when the object goes away.
#include <gtest/gtest.h>

#include <sys/types.h>
#include <filesystem>
#include <memory>
#include <string>

#include "test_support.h"

namespace rfa::test {

class OrthancServer {
 public:
  struct Options {
    std::string aet = "ORTHANC";    ///< DicomAet of the server
    bool check_called_aet = false;  ///< DicomCheckCalledAet: reject other called AE titles
    std::string client_aet =
        "RFAPLAN";                  ///< registered in DicomModalities (so C-FIND/GET/MOVE work)
    int client_port = 11112;        ///< the client's port in that entry (for C-MOVE)
    double startup_timeout_s = 20;  ///< how long to wait for the DICOM port
    /// Seconds between SIGTERM and SIGKILL when stopping. Orthanc needs 2-5 s to stop cleanly;
    /// its storage is thrown away, so tests do not wait for that.
    double stop_grace_s = 0.5;
  };

  /// Path of the Orthanc executable: $RFA_ORTHANC, else /usr/sbin/Orthanc.
  static std::filesystem::path executable();
  /// True if executable() exists and is executable.
  static bool available();

  /// Starts Orthanc and waits until its DICOM port accepts connections.
  /// \throws std::runtime_error with the reason and the tail of Orthanc's log.
  explicit OrthancServer(const Options& options);
  OrthancServer() : OrthancServer(Options{}) {}
  ~OrthancServer();
  OrthancServer(const OrthancServer&) = delete;
  OrthancServer& operator=(const OrthancServer&) = delete;

  [[nodiscard]] int dicomPort() const { return dicom_port_; }
  [[nodiscard]] int httpPort() const { return http_port_; }
  [[nodiscard]] const std::string& aet() const { return options_.aet; }
  [[nodiscard]] pid_t pid() const { return pid_; }

  /// Last `lines` lines of Orthanc's log (stdout and stderr).
  [[nodiscard]] std::string logTail(std::size_t lines = 30) const;

  /// Body of GET http://127.0.0.1:<http port><path> on the REST API, "" on failure.
  [[nodiscard]] std::string httpGet(const std::string& path) const;

  /// "CountInstances" (or another counter) of /statistics, -1 if unavailable.
  [[nodiscard]] int statistic(const std::string& name = "CountInstances") const;

  /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
  static int freePort();

 private:
  void stop();

  Options options_;
  std::unique_ptr<TempDir> dir_;
  int dicom_port_ = 0;
  int http_port_ = 0;
  pid_t pid_ = -1;
};

/// Skips the current test, naming the missing program, when Orthanc is not installed.
#define RFA_SKIP_IF_NO_ORTHANC()                                                            \
  do {                                                                                      \
    if (!::rfa::test::OrthancServer::available())                                           \
      GTEST_SKIP() << "Orthanc not installed (" << ::rfa::test::OrthancServer::executable() \
                   << " missing; apt-get install orthanc)";                                 \
  } while (0)

}  // namespace rfa::test
