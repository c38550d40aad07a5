// rfa::pacs against a real Orthanc on loopback (no mocks): echo, store, find, get, errors.
#include "rfa/pacs/pacs.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcmetinf.h>
#include <dcmtk/dcmdata/dcrleerg.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmjpls/djencode.h>

#include "orthanc_server.h"
#include "rfa/core/error.h"
#include "rfa/io/input.h"
#include "rfa/phantom/ct_writer.h"
#include "test_support.h"

namespace rfa::pacs {
namespace {

namespace fs = std::filesystem;
using test::OrthancServer;
using test::TempDir;

constexpr const char* kStudyUid = "1.2.826.0.1.3680043.10.1234.1";
constexpr const char* kSeriesUid = "1.2.826.0.1.3680043.10.1234.1.1";
constexpr int kSlices = 20;

// 64 x 64 x 20 CT with a pattern that covers the stored range, written as DICOM.
ImageVolume makeCt() {
  ImageVolume v(ImageGeometry({64, 64, kSlices}, Vec3(0.8, 0.8, 2.5), Vec3(-25, -30, 100)));
  for (std::size_t k = 0; k < kSlices; ++k) {
    for (std::size_t j = 0; j < 64; ++j) {
      for (std::size_t i = 0; i < 64; ++i) {
        v(i, j, k) =
            static_cast<float>(static_cast<int>((i * 37 + j * 101 + k * 997) % 4096) - 1024);
      }
    }
  }
  return v;
}

phantom::CtSeriesOptions ctOptions() {
  phantom::CtSeriesOptions o;
  o.uid_key = "rfaplan-pacs-test";
  o.patient_id = "RFA-PACS-1";
  o.patient_name = "PACS^Test";
  o.study_instance_uid = kStudyUid;
  o.series_instance_uid = kSeriesUid;
  o.series_description = "pacs round trip";
  o.study_date = "20260102";
  o.series_number = 7;
  return o;
}

DicomNode nodeFor(const OrthancServer& s) {
  DicomNode n;
  n.called_ae = s.aet();
  n.host = "127.0.0.1";
  n.port = s.dicomPort();
  n.calling_ae = "RFAPLAN";
  n.timeout_s = 10;
  return n;
}

// Keys with one field set.
QueryKeys keysWith(std::string QueryKeys::*field, const std::string& value) {
  QueryKeys k;
  k.*field = value;
  return k;
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// One Orthanc for the suite (about 0.3 s to start), holding the CT series once stored.
class PacsOrthanc : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!OrthancServer::available()) return;
    data_ = new TempDir();
    phantom::writeCtSeries(makeCt(), data_->path() / "ct", ctOptions());
    std::ofstream(data_->path() / "ct" / "README.txt") << "not a DICOM file\n";
    try {
      server_ = new OrthancServer();
    } catch (const std::exception& e) {
      start_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    delete data_;
    data_ = nullptr;
  }
  void SetUp() override {
    RFA_SKIP_IF_NO_ORTHANC();
    ASSERT_NE(server_, nullptr) << start_error_;
  }

  // Stores the CT once (the first test that needs it).
  static void ensureCtStored() {
    if (ct_stored_) return;
    const StoreResult r = store(nodeFor(*server_), {data_->path() / "ct"});
    ASSERT_EQ(r.sent, kSlices) << (r.failures.empty() ? "" : r.failures.front());
    ct_stored_ = true;
  }

  static inline TempDir* data_ = nullptr;
  static inline OrthancServer* server_ = nullptr;
  static inline bool ct_stored_ = false;
  static inline std::string start_error_;
};

TEST(PacsNode, ValidationRefusesBadValuesBeforeAnyNetworkWork) {
  DicomNode n;
  n.port = 0;
  EXPECT_THROW(validateNode(n), UsageError);
  n.port = 4242;
  n.called_ae = "THIS_AE_IS_TOO_LONG";
  EXPECT_THROW(validateNode(n), UsageError);
  n.called_ae = "A\\B";
  EXPECT_THROW(validateNode(n), UsageError);
  n.called_ae = "ORTHANC";
  n.timeout_s = 0;
  EXPECT_THROW(echo(n), UsageError);
  n.timeout_s = 10;
  EXPECT_THROW(find(n, QueryLevel::kStudy, keysWith(&QueryKeys::study_instance_uid, "1.2.x")),
               UsageError);
  EXPECT_THROW(find(n, QueryLevel::kStudy, keysWith(&QueryKeys::study_date, "2026-01-01")),
               UsageError);
  EXPECT_THROW(find(n, QueryLevel::kStudy, keysWith(&QueryKeys::series_instance_uid, "1.2.3")),
               UsageError);
  EXPECT_THROW(getSeries(n, "", "not-a-uid", "/tmp/x"), UsageError);
  EXPECT_EQ(describeNode(n), "ORTHANC@127.0.0.1:4242");
}

TEST(PacsNode, StoreOfMissingPathOrNoDicomFailsBeforeConnecting) {
  TempDir t;
  DicomNode n;
  n.port = OrthancServer::freePort();  // nothing listens: these must fail before connecting
  EXPECT_THROW(store(n, {t / "missing"}), NotFoundError);
  std::ofstream(t / "a.txt") << "hello";
  try {
    store(n, {t.path()});
    FAIL() << "expected NoDataError";
  } catch (const NoDataError& e) {
    EXPECT_NE(std::string(e.what()).find("no DICOM instance"), std::string::npos) << e.what();
  }
}

TEST(PacsNetwork, ClosedPortFailsFastNamingTheNode) {
  DicomNode n;
  n.port = OrthancServer::freePort();
  n.timeout_s = 3;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    echo(n);
    FAIL() << "expected NetworkError";
  } catch (const NetworkError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("ORTHANC@127.0.0.1:" + std::to_string(n.port)), std::string::npos) << msg;
    EXPECT_NE(msg.find("C-ECHO"), std::string::npos) << msg;
    EXPECT_EQ(e.code(), ExitCode::kNetwork);
  }
  EXPECT_LT(secondsSince(t0), 5.0);
}

TEST(PacsNetwork, UnroutableAddressFailsWithinTheTimeout) {
  DicomNode n;
  n.host = "10.255.255.1";  // not routed: either no route at once or a connect timeout
  n.port = 104;
  n.timeout_s = 2;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    echo(n);
    FAIL() << "expected NetworkError";
  } catch (const NetworkError& e) {
    EXPECT_NE(std::string(e.what()).find("10.255.255.1:104"), std::string::npos) << e.what();
    std::cout << "[ info ] " << e.what() << " (after " << secondsSince(t0) << " s)\n";
  }
  EXPECT_LT(secondsSince(t0), 5.0);
}

TEST(PacsNetwork, SilentPeerTimesOut) {
  // A port that accepts TCP connections (the kernel completes them) but never answers.
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
  const auto t0 = std::chrono::steady_clock::now();
  try {
    echo(n);
    ADD_FAILURE() << "expected NetworkError";
  } catch (const NetworkError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("127.0.0.1:" + std::to_string(n.port)), std::string::npos) << msg;
    EXPECT_NE(msg.find("timeout 2 s"), std::string::npos) << msg;
  }
  const double s = secondsSince(t0);
  ::close(fd);
  EXPECT_GE(s, 1.5);
  EXPECT_LT(s, 5.0);
}

TEST_F(PacsOrthanc, EchoAnswers) {
  const double s = echo(nodeFor(*server_));
  EXPECT_GT(s, 0.0);
  EXPECT_LT(s, 5.0);
}

TEST_F(PacsOrthanc, StoreFindGetRoundTripIsExact) {
  TempDir out;
  // Store: 20 slices sent, the README skipped with a note.
  const StoreResult st = store(nodeFor(*server_), {data_->path() / "ct"});
  EXPECT_EQ(st.sent, kSlices);
  EXPECT_EQ(st.failed, 0);
  ASSERT_EQ(st.skipped.size(), 1u);
  EXPECT_NE(st.skipped[0].find("README.txt"), std::string::npos) << st.skipped[0];
  ct_stored_ = true;
  EXPECT_EQ(server_->statistic("CountInstances") >= kSlices, true);

  // Study level, by patient id.
  const std::vector<FindResult> studies =
      find(nodeFor(*server_), QueryLevel::kStudy, keysWith(&QueryKeys::patient_id, "RFA-PACS-1"));
  ASSERT_EQ(studies.size(), 1u);
  EXPECT_EQ(studies[0].study_instance_uid, kStudyUid);
  EXPECT_EQ(studies[0].patient_name, "PACS^Test");
  EXPECT_EQ(studies[0].study_date, "20260102");
  ASSERT_TRUE(studies[0].number_of_instances.has_value());
  EXPECT_EQ(*studies[0].number_of_instances, kSlices);
  EXPECT_NE(
      std::find(studies[0].modalities_in_study.begin(), studies[0].modalities_in_study.end(), "CT"),
      studies[0].modalities_in_study.end());

  // Series level, by study UID.
  const std::vector<FindResult> series = find(nodeFor(*server_), QueryLevel::kSeries,
                                              keysWith(&QueryKeys::study_instance_uid, kStudyUid));
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].series_instance_uid, kSeriesUid);
  EXPECT_EQ(series[0].modality, "CT");
  EXPECT_EQ(series[0].series_description, "pacs round trip");
  EXPECT_EQ(series[0].series_number, 7);
  ASSERT_TRUE(series[0].number_of_instances.has_value());
  EXPECT_EQ(*series[0].number_of_instances, kSlices);

  // Get: every instance as <SOPInstanceUID>.dcm, no temporary file left.
  const GetResult g = getSeries(nodeFor(*server_), kStudyUid, kSeriesUid, out / "got");
  EXPECT_EQ(g.received, kSlices);
  EXPECT_EQ(g.failed, 0);
  EXPECT_EQ(g.expected, kSlices);
  EXPECT_TRUE(g.problems.empty()) << g.problems.front();
  ASSERT_EQ(g.files.size(), static_cast<std::size_t>(kSlices));
  int entries = 0;
  for (const auto& e : fs::directory_iterator(out / "got")) {
    ++entries;
    EXPECT_EQ(e.path().extension(), ".dcm");
    EXPECT_NE(e.path().filename().string()[0], '.') << "temporary file left: " << e.path();
  }
  EXPECT_EQ(entries, kSlices);

  // Same voxels, same grid, same series.
  const io::LoadedImage a = io::loadImage(data_->path() / "ct");
  const io::LoadedImage b = io::loadImage(out / "got");
  ASSERT_TRUE(b.series.has_value());
  EXPECT_EQ(b.series->series_instance_uid, kSeriesUid);
  EXPECT_TRUE(a.image.geometry().sameGrid(b.image.geometry(), 1e-6));
  ASSERT_EQ(a.image.voxelCount(), b.image.voxelCount());
  EXPECT_TRUE(std::equal(a.image.data().begin(), a.image.data().end(), b.image.data().begin()));
}

TEST_F(PacsOrthanc, GetWithoutStudyUidLooksItUp) {
  ensureCtStored();
  TempDir out;
  const GetResult g = getSeries(nodeFor(*server_), "", kSeriesUid, out.path());
  EXPECT_EQ(g.received, kSlices);
  EXPECT_EQ(g.failed, 0);
}

TEST_F(PacsOrthanc, UnknownSeriesIsNotFoundAndBadOutputIsAWriteError) {
  ensureCtStored();
  TempDir out;
  EXPECT_THROW(getSeries(nodeFor(*server_), kStudyUid, "1.2.3.4.5.6.7", out / "x"), NotFoundError);
  std::ofstream(out / "file") << "x";
  EXPECT_THROW(getSeries(nodeFor(*server_), kStudyUid, kSeriesUid, out / "file"), WriteError);
}

TEST_F(PacsOrthanc, FindWithoutMatchIsEmpty) {
  EXPECT_TRUE(
      find(nodeFor(*server_), QueryLevel::kStudy, keysWith(&QueryKeys::patient_id, "NOBODY"))
          .empty());
  EXPECT_TRUE(find(nodeFor(*server_), QueryLevel::kSeries,
                   keysWith(&QueryKeys::series_instance_uid, "1.2.3.4.5.6.7.8"))
                  .empty());
}

TEST_F(PacsOrthanc, RtstructIsStoredAndFoundByModality) {
  const fs::path dir = test::sharedTestData("rtstruct-refs/rt-utils_mim_phantom_ct5");
  RFA_SKIP_IF_MISSING(dir, "rtstruct-refs/rt-utils_mim_phantom_ct5");
  // 5 CT + 1 RTSTRUCT; metacache.mim is not DICOM and is skipped with a note.
  const StoreResult st = store(nodeFor(*server_), {dir});
  EXPECT_EQ(st.sent, 6);
  EXPECT_EQ(st.failed, 0);
  ASSERT_EQ(st.skipped.size(), 1u);
  EXPECT_NE(st.skipped[0].find("metacache.mim"), std::string::npos) << st.skipped[0];

  const std::vector<FindResult> rt =
      find(nodeFor(*server_), QueryLevel::kSeries, keysWith(&QueryKeys::modality, "RTSTRUCT"));
  ASSERT_EQ(rt.size(), 1u);
  EXPECT_EQ(rt[0].series_instance_uid, "2.16.840.1.114362.1.11940992.23790159890.563423606.667.93");
  EXPECT_EQ(rt[0].patient_id, "PHANTOM_EXAMPLE");
  EXPECT_EQ(rt[0].number_of_instances, 1);

  // And back: the RTSTRUCT comes through C-GET (its SOP class negotiated from the listing).
  TempDir out;
  const GetResult g = getSeries(nodeFor(*server_), "", rt[0].series_instance_uid, out.path());
  EXPECT_EQ(g.received, 1);
  EXPECT_EQ(g.failed, 0);
}

// Rewrites `file` in `xfer` (lossless), in place.
void compress(const fs::path& file, E_TransferSyntax xfer) {
  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile(file.c_str()).good()) << file;
  ASSERT_TRUE(ff.getDataset()->chooseRepresentation(xfer, nullptr).good()) << file;
  ASSERT_TRUE(ff.saveFile(file.c_str(), xfer).good()) << file;
}

std::string transferSyntaxOf(const fs::path& file) {
  DcmFileFormat ff;
  OFString ts;
  if (ff.loadFile(file.c_str()).bad() ||
      ff.getMetaInfo()->findAndGetOFString(DCM_TransferSyntaxUID, ts).bad()) {
    return {};
  }
  return ts.c_str();
}

TEST_F(PacsOrthanc, CompressedInstancesTravelInTheirTransferSyntax) {
  // A second series: slices 1-3 JPEG-LS lossless, 4-6 RLE; stored and retrieved without
  // transcoding, and the voxels are unchanged.
  DJLSEncoderRegistration::registerCodecs();
  DcmRLEEncoderRegistration::registerCodecs();
  TempDir t;
  ImageVolume v(ImageGeometry({32, 32, 6}, Vec3(1.0, 1.0, 3.0), Vec3(0, 0, 0)));
  for (std::size_t n = 0; n < v.voxelCount(); ++n) {
    v.data()[n] = static_cast<float>(static_cast<int>(n * 7 % 3000) - 1000);
  }
  phantom::CtSeriesOptions o = ctOptions();
  o.uid_key = "rfaplan-pacs-compressed";
  o.series_instance_uid = "1.2.826.0.1.3680043.10.1234.1.2";
  o.series_number = 8;
  phantom::writeCtSeries(v, t / "ct", o);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(t / "ct")) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files.size(), 6u);
  for (std::size_t k = 0; k < files.size(); ++k) {
    compress(files[k], k < 3 ? EXS_JPEGLSLossless : EXS_RLELossless);
  }
  const StoreResult st = store(nodeFor(*server_), {t / "ct"});
  ASSERT_EQ(st.sent, 6) << (st.failures.empty() ? "" : st.failures.front());
  const GetResult g = getSeries(nodeFor(*server_), "", o.series_instance_uid, t / "got");
  ASSERT_EQ(g.received, 6);
  int jpls = 0;
  int rle = 0;
  for (const fs::path& f : g.files) {
    const std::string ts = transferSyntaxOf(f);
    jpls += ts == UID_JPEGLSLosslessTransferSyntax ? 1 : 0;
    rle += ts == UID_RLELosslessTransferSyntax ? 1 : 0;
  }
  EXPECT_EQ(jpls, 3);
  EXPECT_EQ(rle, 3);
  const io::LoadedImage back = io::loadImage(t / "got");
  ASSERT_EQ(back.image.voxelCount(), v.voxelCount());
  EXPECT_TRUE(std::equal(v.data().begin(), v.data().end(), back.image.data().begin()));
}

TEST_F(PacsOrthanc, UnknownCallingAeIsExplained) {
  DicomNode n = nodeFor(*server_);
  n.calling_ae = "STRANGER";  // not in Orthanc's DicomModalities: echo/store allowed, find not
  EXPECT_NO_THROW(echo(n));
  try {
    find(n, QueryLevel::kStudy, {});
    FAIL() << "expected NetworkError";
  } catch (const NetworkError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("STRANGER"), std::string::npos) << msg;
    EXPECT_NE(msg.find("C-FIND"), std::string::npos) << msg;
  }
}

TEST(PacsOrthancStrict, WrongCalledAeIsRejectedWithTheReason) {
  RFA_SKIP_IF_NO_ORTHANC();
  OrthancServer::Options o;
  o.check_called_aet = true;
  OrthancServer server(o);
  DicomNode n = nodeFor(server);
  EXPECT_NO_THROW(echo(n));
  n.called_ae = "WRONGAE";
  try {
    echo(n);
    FAIL() << "expected NetworkError";
  } catch (const NetworkError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("rejected by WRONGAE@127.0.0.1:" + std::to_string(server.dicomPort())),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("Called AE Title Not Recognized"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace rfa::pacs
