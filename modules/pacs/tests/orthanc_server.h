#pragma once
// A real Orthanc PACS for tests: started on loopback with a throw-away configuration, storage
// and index in a temporary folder, stopped (SIGTERM, then SIGKILL) when the object goes away;
// plain DICOM or DICOM TLS only (Options::tls). TestCertificates makes the certificates that
// the TLS tests need, at run time, with the openssl command line.
#include <gtest/gtest.h>

#include <sys/types.h>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

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
    /// DICOM TLS on the DICOM port (Orthanc 1.9+: DicomTlsEnabled): the port then speaks TLS
    /// only. All paths PEM.
    struct Tls {
      bool enabled = false;
      std::filesystem::path certificate;  ///< DicomTlsCertificate (the server's)
      std::filesystem::path private_key;  ///< DicomTlsPrivateKey
      /// DicomTlsTrustedCertificates: CAs of accepted client certificates (Orthanc 1.10 wants
      /// it whenever TLS is on).
      std::filesystem::path trusted;
      /// DicomTlsRemoteCertificateRequired: refuse clients without a trusted certificate.
      bool remote_certificate_required = false;
    } tls;
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

/// Certificates for DICOM TLS tests, made when constructed by the openssl command line in a
/// temporary folder (removed with the object): unencrypted PEM keys (RSA 2048 for the servers,
/// as TLS 1.2 with the BCP 195 cipher suites needs; ECDSA P-256 for the others), SHA-256, PEM.
/// - ca_cert: a test CA (self-signed, valid 2 days);
/// - server_cert/server_key: CN=127.0.0.1, signed by the CA, valid from now for 2 days;
/// - expired_cert/expired_key: CN=127.0.0.1, signed by the CA, valid 2020-01-01 to 2020-01-02;
/// - foreign_cert/foreign_key: CN=127.0.0.1, signed by another CA (other_ca_cert);
/// - client_cert/client_key: CN=RFAPLAN, signed by the CA (a client certificate).
/// The three CN=127.0.0.1 certificates share one key; the CAs and the client have their own.
/// About 0.3 s on one core (the RSA key).
struct TestCertificates {
  /// The openssl program: $RFA_OPENSSL, else "openssl" on PATH.
  static std::string executable();
  /// True if executable() can be found.
  static bool available();
  /// \throws std::runtime_error with the failing openssl command and its messages.
  TestCertificates();

  std::unique_ptr<TempDir> dir;
  std::filesystem::path ca_cert, other_ca_cert;
  std::filesystem::path server_cert, server_key;
  std::filesystem::path expired_cert, expired_key;
  std::filesystem::path foreign_cert, foreign_key;
  std::filesystem::path client_cert, client_key;
};

/// `openssl s_server` on a free loopback port with the given certificate and key and extra
/// arguments (e.g. {"-tls1_1"} for a peer that only speaks TLS 1.1); it answers TLS handshakes
/// and nothing else. Killed when the object goes away.
class OpensslServer {
 public:
  /// \throws std::runtime_error when it does not listen within 10 s.
  OpensslServer(const std::filesystem::path& cert, const std::filesystem::path& key,
                const std::vector<std::string>& extra_args);
  ~OpensslServer();
  OpensslServer(const OpensslServer&) = delete;
  OpensslServer& operator=(const OpensslServer&) = delete;
  [[nodiscard]] int port() const { return port_; }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

/// Skips the current test when the openssl command line is missing.
#define RFA_SKIP_IF_NO_OPENSSL()                                                                   \
  do {                                                                                             \
    if (!::rfa::test::TestCertificates::available())                                               \
      GTEST_SKIP() << "openssl command line not found ("                                           \
                   << ::rfa::test::TestCertificates::executable() << "; apt-get install openssl)"; \
  } while (0)

/// Skips the current test, naming the missing program, when Orthanc is not installed.
#define RFA_SKIP_IF_NO_ORTHANC()                                                            \
  do {                                                                                      \
    if (!::rfa::test::OrthancServer::available())                                           \
      GTEST_SKIP() << "Orthanc not installed (" << ::rfa::test::OrthancServer::executable() \
                   << " missing; apt-get install orthanc)";                                 \
  } while (0)

}  // namespace rfa::test
