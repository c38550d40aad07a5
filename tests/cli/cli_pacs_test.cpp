// `rfaplan pacs echo|find|get|store` through the real binary against a real Orthanc on loopback,
// plain and over DICOM TLS (certificates made at run time by the openssl command line).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_support.h"
#include "orthanc_server.h"
#include "rfa/phantom/ct_writer.h"
#include "test_support.h"

namespace rfa {
namespace {
namespace fs = std::filesystem;
using test::OrthancServer;
using test::rfaplan;
using test::RunResult;
using test::TempDir;
using test::TestCertificates;

constexpr const char* kStudyUid = "1.2.826.0.1.3680043.10.1234.2";
constexpr const char* kSeriesUid = "1.2.826.0.1.3680043.10.1234.2.1";

std::vector<std::string> nodeArgs(const OrthancServer& s) {
  return {"--aec", s.aet(),   "--host",    "127.0.0.1", "--port", std::to_string(s.dicomPort()),
          "--aet", "RFAPLAN", "--timeout", "10"};
}

RunResult pacs(const std::string& sub, const OrthancServer& s, std::vector<std::string> more) {
  std::vector<std::string> args = {"pacs", sub};
  for (const std::string& a : nodeArgs(s)) args.push_back(a);
  for (const std::string& a : more) args.push_back(a);
  return rfaplan(args);
}

void writeSeries(const fs::path& dir) {
  ImageVolume v(ImageGeometry({24, 20, 6}, Vec3(1.0, 1.0, 2.0), Vec3(-10, -10, 0)));
  for (std::size_t i = 0; i < v.voxelCount(); ++i) {
    v.data()[i] = static_cast<float>(i % 500) - 200.0F;
  }
  phantom::CtSeriesOptions o;
  o.uid_key = "rfaplan-cli-pacs";
  o.patient_id = "RFA-CLI-PACS";
  o.study_instance_uid = kStudyUid;
  o.series_instance_uid = kSeriesUid;
  phantom::writeCtSeries(v, dir, o);
}

TEST(CliPacs, BadOptionsExitTwoBeforeAnyNetworkWork) {
  // Nothing listens on this port: an attempt to connect would exit 11, not 2.
  const std::string port = std::to_string(OrthancServer::freePort());
  EXPECT_EQ(rfaplan({"pacs"}).exit_code, 2);
  EXPECT_EQ(rfaplan({"pacs", "echo", "--port", "70000"}).exit_code, 2);
  EXPECT_EQ(rfaplan({"pacs", "echo", "--port", "abc"}).exit_code, 2);
  EXPECT_EQ(rfaplan({"pacs", "echo", "--port", port, "--timeout", "0"}).exit_code, 2);
  EXPECT_EQ(rfaplan({"pacs", "echo", "--port", port, "--aec", "MUCH_TOO_LONG_AE_TITLE"}).exit_code,
            2);
  EXPECT_EQ(rfaplan({"pacs", "find", "--port", port, "--level", "image"}).exit_code, 2);
  EXPECT_EQ(rfaplan({"pacs", "find", "--port", port, "--study-uid", "1.2.abc"}).exit_code, 2);
  EXPECT_EQ(rfaplan({"pacs", "find", "--port", port, "--date", "2026-01-01"}).exit_code, 2);
  EXPECT_EQ(rfaplan({"pacs", "find", "--port", port, "--series-uid", "1.2.3"}).exit_code, 2);
  EXPECT_EQ(rfaplan({"pacs", "get", "--port", port, "-o", "x"}).exit_code, 2);  // no --series-uid
  EXPECT_EQ(rfaplan({"pacs", "get", "--port", port, "--series-uid", "x.y", "-o", "x"}).exit_code,
            2);
  EXPECT_EQ(rfaplan({"pacs", "store", "--port", port}).exit_code, 2);
}

TEST(CliPacs, UnreachableNodeExitsElevenNamingIt) {
  const std::string port = std::to_string(OrthancServer::freePort());
  const auto t0 = std::chrono::steady_clock::now();
  const RunResult r = rfaplan({"pacs", "echo", "--port", port, "--timeout", "2"});
  EXPECT_EQ(r.exit_code, 11) << r.err;
  EXPECT_NE(r.err.find("rfaplan: error: C-ECHO"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("ORTHANC@127.0.0.1:" + port), std::string::npos) << r.err;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
  // A missing path exits 3 (checked before connecting).
  EXPECT_EQ(rfaplan({"pacs", "store", "--port", port, "/nonexistent/rfaplan"}).exit_code, 3);
}

TEST(CliPacs, EchoStoreFindGetAgainstOrthanc) {
  RFA_SKIP_IF_NO_ORTHANC();
  TempDir tmp;
  writeSeries(tmp / "ct");
  std::ofstream(tmp / "ct" / "notes.txt") << "not DICOM";
  OrthancServer server;

  const RunResult e = pacs("echo", server, {});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("ok in"), std::string::npos) << e.out;
  EXPECT_NE(e.err.find("RESEARCH USE ONLY"), std::string::npos) << e.err;

  const RunResult s = pacs("store", server, {(tmp / "ct").string()});
  ASSERT_EQ(s.exit_code, 0) << s.out << s.err;
  EXPECT_NE(s.out.find("6 sent, 0 failed, 1 file(s) skipped"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("notes.txt"), std::string::npos) << s.out;
  EXPECT_EQ(server.statistic("CountInstances"), 6);

  const RunResult fs1 = pacs("find", server, {"--patient-id", "RFA-CLI-PACS"});
  ASSERT_EQ(fs1.exit_code, 0) << fs1.err;
  EXPECT_NE(fs1.out.find("1 study(ies)"), std::string::npos) << fs1.out;
  EXPECT_NE(fs1.out.find(kStudyUid), std::string::npos) << fs1.out;

  const RunResult fs2 =
      pacs("find", server,
           {"--level", "series", "--modality", "CT", "--json", (tmp / "f.json").string()});
  ASSERT_EQ(fs2.exit_code, 0) << fs2.err;
  EXPECT_NE(fs2.out.find(kSeriesUid), std::string::npos) << fs2.out;
  std::ifstream jf(tmp / "f.json");
  const nlohmann::json j = nlohmann::json::parse(jf);
  ASSERT_EQ(j.at("matches").size(), 1u);
  EXPECT_EQ(j["matches"][0]["series_instance_uid"], kSeriesUid);
  EXPECT_EQ(j["matches"][0]["number_of_instances"], 6);
  EXPECT_EQ(j["level"], "series");

  const RunResult g =
      pacs("get", server,
           {"--study-uid", kStudyUid, "--series-uid", kSeriesUid, "-o", (tmp / "got").string()});
  ASSERT_EQ(g.exit_code, 0) << g.out << g.err;
  EXPECT_NE(g.out.find("6 instance(s) of 6 written"), std::string::npos) << g.out;
  // The retrieved folder is a loadable series again.
  const RunResult ls = rfaplan({"series", (tmp / "got").string()});
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find(kSeriesUid), std::string::npos) << ls.out;
  EXPECT_NE(ls.out.find("24 x 20 x 6 voxels"), std::string::npos) << ls.out;

  // An unknown series exits 3; the wrong called AE title is fine for this Orthanc (it does not
  // check it), but an unknown calling AE may not query: exit 11 with the reason.
  EXPECT_EQ(
      pacs("get", server, {"--series-uid", "1.2.3.4.5", "-o", (tmp / "x").string()}).exit_code, 3);
  const RunResult f =
      rfaplan({"pacs", "find", "--port", std::to_string(server.dicomPort()), "--aet", "STRANGER"});
  EXPECT_EQ(f.exit_code, 11) << f.err;
  EXPECT_NE(f.err.find("STRANGER"), std::string::npos) << f.err;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

OrthancServer::Options tlsOrthanc(const TestCertificates& c, const fs::path& cert) {
  OrthancServer::Options o;
  o.tls.enabled = true;
  o.tls.certificate = cert;
  o.tls.private_key = c.server_key;
  o.tls.trusted = c.ca_cert;
  return o;
}

TEST(CliPacs, TlsOptionsAreCheckedBeforeAnyNetworkWork) {
  RFA_SKIP_IF_NO_OPENSSL();
  const TestCertificates c;
  // Nothing listens on this port: an attempt to connect would exit 11.
  const std::string port = std::to_string(OrthancServer::freePort());
  const std::string ca = c.ca_cert.string();
  EXPECT_EQ(rfaplan({"pacs", "echo", "--port", port, "--tls"}).exit_code, 2);         // no --tls-ca
  EXPECT_EQ(rfaplan({"pacs", "echo", "--port", port, "--tls-ca", ca}).exit_code, 2);  // no --tls
  EXPECT_EQ(rfaplan({"pacs", "find", "--port", port, "--tls", "--tls-ca", ca, "--tls-cert",
                     c.client_cert.string()})
                .exit_code,
            2);  // no --tls-key
  const RunResult missing = rfaplan(
      {"pacs", "echo", "--port", port, "--tls", "--tls-ca", (c.dir->path() / "no.pem").string()});
  EXPECT_EQ(missing.exit_code, 3) << missing.err;
  EXPECT_TRUE(
      has(missing.err, "TLS CA file '" + (c.dir->path() / "no.pem").string() + "' does not exist"))
      << missing.err;
  const fs::path junk = c.dir->path() / "junk.pem";
  std::ofstream(junk) << "junk\n";
  const RunResult bad = rfaplan({"pacs", "get", "--port", port, "--tls", "--tls-ca", junk.string(),
                                 "--series-uid", "1.2.3", "-o", (c.dir->path() / "o").string()});
  EXPECT_EQ(bad.exit_code, 5) << bad.err;
  EXPECT_TRUE(has(bad.err, "holds no PEM certificate")) << bad.err;
  const RunResult help = rfaplan({"pacs", "--help"});
  EXPECT_TRUE(has(help.out, "--tls --tls-ca FILE")) << help.out;
}

TEST(CliPacs, EchoStoreFindGetOverTlsAndItsRefusals) {
  RFA_SKIP_IF_NO_ORTHANC();
  RFA_SKIP_IF_NO_OPENSSL();
  const TestCertificates c;
  TempDir tmp;
  writeSeries(tmp / "ct");
  OrthancServer server(tlsOrthanc(c, c.server_cert));
  const std::vector<std::string> tls = {"--tls", "--tls-ca", c.ca_cert.string()};

  const RunResult e = pacs("echo", server, tls);
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_TRUE(has(e.out, "over DICOM TLS")) << e.out;
  std::vector<std::string> args = tls;
  args.push_back((tmp / "ct").string());
  const RunResult s = pacs("store", server, args);
  ASSERT_EQ(s.exit_code, 0) << s.out << s.err;
  EXPECT_TRUE(has(s.out, "6 sent, 0 failed")) << s.out;
  EXPECT_EQ(server.statistic("CountInstances"), 6);
  args = tls;
  for (const char* a : {"--level", "series", "--patient-id", "RFA-CLI-PACS"}) args.emplace_back(a);
  const RunResult f = pacs("find", server, args);
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_TRUE(has(f.out, kSeriesUid)) << f.out;
  args = tls;
  for (const std::string& a : {std::string("--series-uid"), std::string(kSeriesUid),
                               std::string("-o"), (tmp / "got").string()}) {
    args.push_back(a);
  }
  const RunResult g = pacs("get", server, args);
  ASSERT_EQ(g.exit_code, 0) << g.out << g.err;
  EXPECT_TRUE(has(g.out, "6 instance(s) of 6 written")) << g.out;

  // Plain DICOM to the TLS-only port: exit 11, saying the peer wants TLS.
  const RunResult plain = pacs("echo", server, {});
  EXPECT_EQ(plain.exit_code, 11) << plain.err;
  EXPECT_TRUE(has(plain.err, "expects DICOM TLS on this port")) << plain.err;
  // A CA file that did not sign the server's certificate: exit 11, certificate refused.
  const RunResult untrusted = pacs("find", server, {"--tls", "--tls-ca", c.other_ca_cert.string()});
  EXPECT_EQ(untrusted.exit_code, 11) << untrusted.err;
  EXPECT_TRUE(has(untrusted.err, "certificate verify failed")) << untrusted.err;
  EXPECT_TRUE(has(untrusted.err, "which is not a CA in the TLS CA file")) << untrusted.err;
}

TEST(CliPacs, ExpiredServerCertificateExitsEleven) {
  RFA_SKIP_IF_NO_ORTHANC();
  RFA_SKIP_IF_NO_OPENSSL();
  const TestCertificates c;
  OrthancServer server(tlsOrthanc(c, c.expired_cert));
  const RunResult r = pacs("echo", server, {"--tls", "--tls-ca", c.ca_cert.string()});
  EXPECT_EQ(r.exit_code, 11) << r.err;
  EXPECT_TRUE(has(r.err, "rfaplan: error: C-ECHO: TLS handshake with ORTHANC@127.0.0.1:" +
                             std::to_string(server.dicomPort()) +
                             " failed: certificate verify failed: certificate has expired"))
      << r.err;
}

}  // namespace
}  // namespace rfa
