// rfa::pacs over DICOM TLS against a real Orthanc on loopback whose port speaks TLS only, with
// certificates made at run time by the openssl command line (TestCertificates): echo, store,
// find and get succeed; a plain association to it, TLS to a plain port, an expired server
// certificate, one from another CA, a missing or refused client certificate and bad
// CA/certificate/key files each fail with an error that says what failed.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "orthanc_server.h"
#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/pacs/pacs.h"
#include "rfa/phantom/ct_writer.h"
#include "test_support.h"

namespace rfa::pacs {
namespace {

namespace fs = std::filesystem;
using test::OrthancServer;
using test::TempDir;
using test::TestCertificates;

constexpr const char* kStudyUid = "1.2.826.0.1.3680043.10.1234.7";
constexpr const char* kSeriesUid = "1.2.826.0.1.3680043.10.1234.7.1";
constexpr int kSlices = 6;

ImageVolume makeCt() {
  ImageVolume v(ImageGeometry({32, 32, kSlices}, Vec3(1.0, 1.0, 2.0), Vec3(-16, -16, 40)));
  for (std::size_t k = 0; k < kSlices; ++k) {
    for (std::size_t j = 0; j < 32; ++j) {
      for (std::size_t i = 0; i < 32; ++i) {
        v(i, j, k) = static_cast<float>(static_cast<int>((i * 53 + j * 89 + k * 211) % 2000) - 900);
      }
    }
  }
  return v;
}

OrthancServer::Options tlsOptions(const TestCertificates& c, const fs::path& cert,
                                  const fs::path& key, bool client_certificate_required = false) {
  OrthancServer::Options o;
  o.tls.enabled = true;
  o.tls.certificate = cert;
  o.tls.private_key = key;
  o.tls.trusted = c.ca_cert;
  o.tls.remote_certificate_required = client_certificate_required;
  return o;
}

DicomNode plainNode(const OrthancServer& s) {
  DicomNode n;
  n.called_ae = s.aet();
  n.port = s.dicomPort();
  n.timeout_s = 10;
  return n;
}

DicomNode tlsNode(const OrthancServer& s, const TestCertificates& c) {
  DicomNode n = plainNode(s);
  n.tls.enabled = true;
  n.tls.ca_file = c.ca_cert;
  return n;
}

// The NetworkError that `f` throws, its message; a test failure when it throws nothing or
// something else.
template <class F>
std::string networkError(F f) {
  try {
    f();
  } catch (const NetworkError& e) {
    EXPECT_EQ(e.code(), ExitCode::kNetwork);
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected NetworkError, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected NetworkError, nothing thrown";
  return {};
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The certificates, once per test program (about 1 s), and one Orthanc with a valid
// certificate whose DICOM port speaks TLS only.
class PacsTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!OrthancServer::available() || !TestCertificates::available()) return;
    try {
      certs_ = new TestCertificates();
      server_ = new OrthancServer(tlsOptions(*certs_, certs_->server_cert, certs_->server_key));
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete certs_;
    certs_ = nullptr;
  }
  void SetUp() override {
    RFA_SKIP_IF_NO_ORTHANC();
    RFA_SKIP_IF_NO_OPENSSL();
    ASSERT_NE(certs_, nullptr) << start_error_;
    ASSERT_NE(server_, nullptr) << start_error_;
  }

  static inline TestCertificates* certs_ = nullptr;
  static inline OrthancServer* server_ = nullptr;
  static inline std::string start_error_;
};

TEST_F(PacsTls, EchoStoreFindGetOverTlsAreExact) {
  const DicomNode n = tlsNode(*server_, *certs_);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_GT(echo(n), 0.0);

  TempDir data;
  phantom::CtSeriesOptions o;
  o.uid_key = "rfaplan-pacs-tls-test";
  o.patient_id = "RFA-TLS-1";
  o.study_instance_uid = kStudyUid;
  o.series_instance_uid = kSeriesUid;
  o.series_description = "tls round trip";
  const ImageVolume ct = makeCt();
  phantom::writeCtSeries(ct, data / "ct", o);
  const StoreResult st = store(n, {data / "ct"});
  EXPECT_EQ(st.sent, kSlices);
  EXPECT_EQ(st.failed, 0);
  EXPECT_EQ(server_->statistic("CountInstances"), kSlices);

  QueryKeys k;
  k.patient_id = "RFA-TLS-1";
  const std::vector<FindResult> studies = find(n, QueryLevel::kStudy, k);
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_EQ(studies[0].study_instance_uid, kStudyUid);
  const std::vector<FindResult> series = find(n, QueryLevel::kSeries, k);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].series_instance_uid, kSeriesUid);
  EXPECT_EQ(series[0].number_of_instances, kSlices);

  const GetResult g = getSeries(n, "", kSeriesUid, data / "got");
  EXPECT_EQ(g.received, kSlices);
  EXPECT_EQ(g.failed, 0);
  const io::LoadedImage back = io::loadImage(data / "got");
  ASSERT_EQ(back.image.voxelCount(), ct.voxelCount());
  EXPECT_TRUE(std::equal(ct.data().begin(), ct.data().end(), back.image.data().begin()));
  std::cout << "[ timing ] TLS echo + store " << kSlices << " + 2 finds + get " << kSlices << ": "
            << secondsSince(t0) << " s\n";
}

TEST_F(PacsTls, PlainAssociationToATlsPortIsExplained) {
  const DicomNode n = plainNode(*server_);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string msg = networkError([&] { echo(n); });
  EXPECT_TRUE(has(msg, "C-ECHO: " + describeNode(n))) << msg;
  EXPECT_TRUE(has(msg, "expects DICOM TLS on this port")) << msg;
  EXPECT_LT(secondsSince(t0), 5.0);
  // Every operation, not only echo.
  EXPECT_TRUE(has(networkError([&] { find(n, QueryLevel::kStudy, {}); }), "expects DICOM TLS"));
}

TEST_F(PacsTls, CaFileOfAnotherCaIsRefused) {
  DicomNode n = tlsNode(*server_, *certs_);
  n.tls.ca_file = certs_->other_ca_cert;
  const std::string msg = networkError([&] { echo(n); });
  EXPECT_TRUE(has(msg, "TLS handshake with " + describeNode(n) + " failed")) << msg;
  EXPECT_TRUE(has(msg, "certificate verify failed")) << msg;
  // Orthanc sends its CA with its certificate: the chain ends at a CA that is not ours.
  EXPECT_TRUE(has(msg, "chains to 'CN=rfaplan test CA', which is not a CA in the TLS CA file '" +
                           certs_->other_ca_cert.string() + "'"))
      << msg;
  EXPECT_NO_THROW(echo(tlsNode(*server_, *certs_)));  // the right CA still works afterwards
}

TEST(PacsTlsPeers, ExpiredServerCertificateIsRefused) {
  RFA_SKIP_IF_NO_ORTHANC();
  RFA_SKIP_IF_NO_OPENSSL();
  const TestCertificates c;
  OrthancServer server(tlsOptions(c, c.expired_cert, c.expired_key));
  const DicomNode n = tlsNode(server, c);
  // Every operation refuses it (store: a real DICOM file, so that it gets to the network).
  phantom::CtSeriesOptions o;
  o.uid_key = "rfaplan-pacs-tls-expired";
  phantom::writeCtSeries(makeCt(), c.dir->path() / "ct", o);
  for (const std::string& m :
       {networkError([&] { find(n, QueryLevel::kSeries, {}); }),
        networkError([&] { getSeries(n, "", kSeriesUid, c.dir->path() / "got"); }),
        networkError([&] { store(n, {c.dir->path() / "ct"}); })}) {
    EXPECT_TRUE(has(m, "certificate verify failed: certificate has expired")) << m;
  }
  EXPECT_EQ(server.statistic("CountInstances"), 0);
  const std::string msg = networkError([&] { echo(n); });
  EXPECT_TRUE(has(msg, "C-ECHO: TLS handshake with " + describeNode(n) + " failed")) << msg;
  EXPECT_TRUE(has(msg, "certificate verify failed: certificate has expired")) << msg;
  EXPECT_TRUE(has(msg, "'CN=127.0.0.1' was valid until 2020-01-02 00:00:00 UTC")) << msg;
}

TEST(PacsTlsPeers, ServerCertificateFromAnotherCaIsRefused) {
  RFA_SKIP_IF_NO_ORTHANC();
  RFA_SKIP_IF_NO_OPENSSL();
  const TestCertificates c;
  OrthancServer server(tlsOptions(c, c.foreign_cert, c.foreign_key));
  const DicomNode n = tlsNode(server, c);
  const std::string msg = networkError([&] { getSeries(n, "", kSeriesUid, c.dir->path() / "x"); });
  EXPECT_TRUE(has(msg, "TLS handshake with " + describeNode(n) + " failed")) << msg;
  EXPECT_TRUE(has(msg, "certificate verify failed: unable to get local issuer certificate")) << msg;
  EXPECT_TRUE(has(msg, "not issued by a CA in the TLS CA file")) << msg;
  // Trusting the other CA makes it work: the refusal was about the CA, nothing else.
  DicomNode trusting = n;
  trusting.tls.ca_file = c.other_ca_cert;
  EXPECT_NO_THROW(echo(trusting));
}

TEST(PacsTlsPeers, TlsToAPlainPortIsExplained) {
  RFA_SKIP_IF_NO_ORTHANC();
  RFA_SKIP_IF_NO_OPENSSL();
  const TestCertificates c;
  OrthancServer server;  // plain DICOM
  const DicomNode n = tlsNode(server, c);
  const auto t0 = std::chrono::steady_clock::now();
  const std::string msg = networkError([&] { echo(n); });
  EXPECT_TRUE(has(msg, "TLS handshake with " + describeNode(n) + " failed")) << msg;
  EXPECT_TRUE(has(msg, "a plain DICOM port does not")) << msg;
  EXPECT_LT(secondsSince(t0), 5.0);
  EXPECT_NO_THROW(echo(plainNode(server)));
}

TEST(PacsTlsPeers, ClientCertificateWhenThePeerRequiresOne) {
  RFA_SKIP_IF_NO_ORTHANC();
  RFA_SKIP_IF_NO_OPENSSL();
  const TestCertificates c;
  OrthancServer server(tlsOptions(c, c.server_cert, c.server_key, true));
  DicomNode n = tlsNode(server, c);
  std::string msg = networkError([&] { echo(n); });
  EXPECT_TRUE(has(msg, "aborted the association after the TLS handshake")) << msg;
  EXPECT_TRUE(has(msg, "client certificate")) << msg;
  // A client certificate from a CA the peer does not trust.
  n.tls.cert_file = c.foreign_cert;
  n.tls.key_file = c.foreign_key;
  msg = networkError([&] { echo(n); });
  EXPECT_TRUE(has(msg, "may not trust our client certificate '" + c.foreign_cert.string())) << msg;
  // Ours, signed by the CA it trusts.
  n.tls.cert_file = c.client_cert;
  n.tls.key_file = c.client_key;
  EXPECT_NO_THROW(echo(n));
  EXPECT_NO_THROW(find(n, QueryLevel::kStudy, {}));
}

TEST(PacsTlsPeers, PeerWithOnlyTls11IsRefused) {
  RFA_SKIP_IF_NO_OPENSSL();
  const TestCertificates c;
  // A peer that speaks TLS 1.1 and nothing newer (OpenSSL needs security level 0 for it).
  test::OpensslServer peer(c.server_cert, c.server_key,
                           {"-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"});
  DicomNode n;
  n.port = peer.port();
  n.tls.enabled = true;
  n.tls.ca_file = c.ca_cert;
  const std::string msg = networkError([&] { echo(n); });
  EXPECT_TRUE(has(msg, "TLS handshake with " + describeNode(n) + " failed")) << msg;
  EXPECT_TRUE(has(msg, "protocol version")) << msg;
  EXPECT_TRUE(has(msg, "TLS 1.2 or newer")) << msg;
  // The same peer with TLS 1.2 is accepted (the handshake succeeds, s_server then is no DICOM
  // peer): the refusal above was about the protocol version.
  test::OpensslServer peer12(c.server_cert, c.server_key, {"-tls1_2"});
  n.port = peer12.port();
  n.timeout_s = 2;
  const std::string msg12 = networkError([&] { echo(n); });
  EXPECT_FALSE(has(msg12, "TLS handshake with")) << msg12;
  EXPECT_FALSE(has(msg12, "protocol version")) << msg12;
  EXPECT_FALSE(has(msg12, "certificate verify failed")) << msg12;
}

TEST(PacsTlsPeers, SilentPeerTimesOutDuringTheHandshake) {
  RFA_SKIP_IF_NO_OPENSSL();
  const TestCertificates c;
  // Accepts TCP connections (the kernel completes them) but never answers the ClientHello.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  DicomNode n;
  n.port = ntohs(a.sin_port);
  n.timeout_s = 2;
  n.tls.enabled = true;
  n.tls.ca_file = c.ca_cert;
  const auto t0 = std::chrono::steady_clock::now();
  const std::string msg = networkError([&] { echo(n); });
  const double s = secondsSince(t0);
  ::close(fd);
  EXPECT_TRUE(has(msg, "TLS handshake with " + describeNode(n) + " failed: no answer within 2 s"))
      << msg;
  EXPECT_GE(s, 1.5);
  EXPECT_LT(s, 5.0);
}

TEST(PacsTlsFiles, MissingOrBadFilesAreNamedBeforeAnyNetworkWork) {
  RFA_SKIP_IF_NO_OPENSSL();
  const TestCertificates c;
  DicomNode n;
  n.port = 9;  // nothing is contacted: every check comes first
  n.tls.enabled = true;
  EXPECT_THROW(validateNode(n), UsageError);  // no CA file
  n.tls.ca_file = c.dir->path() / "missing.pem";
  try {
    echo(n);
    ADD_FAILURE() << "expected NotFoundError";
  } catch (const NotFoundError& e) {
    EXPECT_TRUE(has(e.what(), "TLS CA file '" + n.tls.ca_file.string() + "' does not exist"))
        << e.what();
  }
  const fs::path junk = c.dir->path() / "junk.pem";
  std::ofstream(junk) << "not a certificate\n";
  n.tls.ca_file = junk;
  try {
    echo(n);
    ADD_FAILURE() << "expected CorruptDataError";
  } catch (const CorruptDataError& e) {
    EXPECT_TRUE(has(e.what(), "TLS CA file '" + junk.string() + "' holds no PEM certificate"))
        << e.what();
  }
  n.tls.ca_file = c.ca_cert;
  n.tls.cert_file = c.client_cert;  // without its key
  EXPECT_THROW(validateNode(n), UsageError);
  n.tls.key_file = junk;
  try {
    echo(n);
    ADD_FAILURE() << "expected CorruptDataError";
  } catch (const CorruptDataError& e) {
    EXPECT_TRUE(has(e.what(), "TLS private key file '" + junk.string() + "'")) << e.what();
  }
  n.tls.key_file = c.server_key;  // another certificate's key
  try {
    echo(n);
    ADD_FAILURE() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_TRUE(has(e.what(), "does not belong to the client certificate")) << e.what();
  }
  // Disabled TLS ignores the files.
  n.tls.enabled = false;
  n.tls.ca_file = junk;
  EXPECT_NO_THROW(validateNode(n));
}

}  // namespace
}  // namespace rfa::pacs
