// The navigation export of a saved plan, end to end on a small phantom (segmented, planned and
// saved by rfa::workflow as the GUI does): the Markups JSON, the offline .igtl file and the
// OpenIGTLink server on loopback, read back with the OpenIGTLink library's own classes (CRC
// checked) and a real igtl::ClientSocket. Every needle's entry and tip must be plan.json's values
// (exactly in the Markups file, within float32 precision in IGTL), every structure of planRois must
// be present by name, RAS must negate x and y.
#include <gtest/gtest.h>

#include <igtlClientSocket.h>
#include <igtlMessageHeader.h>
#include <igtlPolyDataMessage.h>
#include <igtlTrajectoryMessage.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "rfa/core/error.h"
#include "rfa/dicomexport/plan_rois.h"
#include "rfa/navigation/igtl_messages.h"
#include "rfa/navigation/igtl_server.h"
#include "rfa/navigation/markups.h"
#include "rfa/navigation/navigation_plan.h"
#include "rfa/phantom/ct_writer.h"
#include "rfa/phantom/phantom.h"
#include "rfa/planning/plan_case.h"
#include "rfa/planning/plan_io.h"
#include "rfa/workflow/case_state.h"
#include "test_support.h"

namespace rfa::navigation {
namespace {

namespace fs = std::filesystem;

// ---- decoding with the OpenIGTLink library ---------------------------------------------------

struct DecodedElement {
  std::string name;
  std::string group;
  int type = 0;
  std::array<int, 4> rgba{0, 0, 0, 0};
  std::array<float, 3> entry{0, 0, 0};
  std::array<float, 3> target{0, 0, 0};
};

struct Decoded {
  std::string type;
  std::string device;
  bool crc_ok = false;
  std::vector<DecodedElement> elements;      // TRAJ
  std::vector<std::array<float, 3>> points;  // POLYDATA
  std::vector<std::vector<std::uint32_t>> polygons;
};

// Reads exactly `n` bytes into `p`; false at the end of the stream.
using ReadFn = std::function<bool(void* p, int n)>;

// One message from `read`, unpacked with CRC check; nullopt at a clean end of stream.
std::optional<Decoded> decodeOne(const ReadFn& read) {
  igtl::MessageHeader::Pointer h = igtl::MessageHeader::New();
  h->InitPack();
  if (!read(h->GetPackPointer(), h->GetPackSize())) return std::nullopt;
  h->Unpack();
  Decoded d;
  d.type = h->GetDeviceType();
  d.device = h->GetDeviceName();
  if (d.type == "TRAJ") {
    igtl::TrajectoryMessage::Pointer m = igtl::TrajectoryMessage::New();
    m->SetMessageHeader(h);
    m->AllocatePack();
    EXPECT_TRUE(read(m->GetPackBodyPointer(), m->GetPackBodySize()));
    d.crc_ok = (m->Unpack(1) & igtl::MessageHeader::UNPACK_BODY) != 0;
    for (int i = 0; i < m->GetNumberOfTrajectoryElement(); ++i) {
      igtl::TrajectoryElement::Pointer e;
      m->GetTrajectoryElement(i, e);
      DecodedElement x;
      x.name = e->GetName();
      x.group = e->GetGroupName();
      x.type = e->GetType();
      igtlUint8 rgba[4];
      e->GetRGBA(rgba);
      x.rgba = {rgba[0], rgba[1], rgba[2], rgba[3]};
      e->GetEntryPosition(x.entry.data());
      e->GetTargetPosition(x.target.data());
      d.elements.push_back(x);
    }
  } else if (d.type == "POLYDATA") {
    igtl::PolyDataMessage::Pointer m = igtl::PolyDataMessage::New();
    m->SetMessageHeader(h);
    m->AllocatePack();
    EXPECT_TRUE(read(m->GetPackBodyPointer(), m->GetPackBodySize()));
    d.crc_ok = (m->Unpack(1) & igtl::MessageHeader::UNPACK_BODY) != 0;
    igtl::PolyDataPointArray::Pointer pts = m->GetPoints();
    if (pts.IsNotNull()) {
      for (int i = 0; i < pts->GetNumberOfPoints(); ++i) {
        std::array<float, 3> p{};
        pts->GetPoint(static_cast<unsigned>(i), p.data());
        d.points.push_back(p);
      }
    }
    igtl::PolyDataCellArray::Pointer polys = m->GetPolygons();
    if (polys.IsNotNull()) {
      for (igtlUint32 i = 0; i < polys->GetNumberOfCells(); ++i) {
        std::vector<std::uint32_t> cell(polys->GetCellSize(i));
        polys->GetCell(i, cell.data());
        d.polygons.push_back(cell);
      }
    }
  } else {
    ADD_FAILURE() << "unexpected message type " << d.type;
    std::vector<char> skip(static_cast<std::size_t>(h->GetBodySizeToRead()));
    if (!skip.empty()) {
      EXPECT_TRUE(read(skip.data(), static_cast<int>(skip.size())));
    }
  }
  return d;
}

std::vector<Decoded> decodeFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string bytes = ss.str();
  std::size_t at = 0;
  const ReadFn read = [&](void* p, int n) {
    if (at + static_cast<std::size_t>(n) > bytes.size()) return false;
    std::memcpy(p, bytes.data() + at, static_cast<std::size_t>(n));
    at += static_cast<std::size_t>(n);
    return true;
  };
  std::vector<Decoded> out;
  while (at < bytes.size()) {
    auto d = decodeOne(read);
    if (!d) break;
    out.push_back(std::move(*d));
  }
  EXPECT_EQ(at, bytes.size()) << "trailing bytes in " << file;
  return out;
}

// A client of the library: connected, with a receive timeout so that a lost message fails the
// test instead of hanging it.
igtl::ClientSocket::Pointer connectTo(int port) {
  igtl::ClientSocket::Pointer s = igtl::ClientSocket::New();
  EXPECT_EQ(s->ConnectToServer("127.0.0.1", port), 0);
  s->SetReceiveTimeout(30000);
  return s;
}

std::vector<Decoded> receive(igtl::ClientSocket::Pointer& s, std::size_t count) {
  const ReadFn read = [&s](void* p, int n) { return s->Receive(p, n) == n; };
  std::vector<Decoded> out;
  for (std::size_t i = 0; i < count; ++i) {
    auto d = decodeOne(read);
    if (!d) {
      ADD_FAILURE() << "connection ended after " << i << " of " << count << " messages";
      break;
    }
    out.push_back(std::move(*d));
  }
  return out;
}

template <class Query>
void sendQuery(igtl::ClientSocket::Pointer& s, const std::string& device) {
  typename Query::Pointer q = Query::New();
  q->SetDeviceName(device.c_str());
  q->Pack();
  ASSERT_NE(s->Send(q->GetPackPointer(), q->GetPackSize()), 0);
}

// ---- the phantom plan ---------------------------------------------------------------------------

struct PlanFixture {
  test::TempDir dir;
  fs::path plan_file;
  planning::TreatmentPlan plan;        // as read back from plan.json
  std::vector<dicomexport::Roi> rois;  // planRois of the saved plan
  NavigationPlan nav;
};

class Navigation : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fixture_ = std::make_unique<PlanFixture>();
    PlanFixture& f = *fixture_;
    phantom::PhantomOptions o;
    o.size = {128, 128, 60};
    o.spacing_mm = Vec3(2.5, 2.5, 2.5);
    o.lesions = 2;
    o.seed = 3;
    o.min_lesion_diameter_mm = 15;
    o.max_lesion_diameter_mm = 25;
    const phantom::Phantom ph = phantom::generatePhantom(o);
    phantom::writePhantomFolder(ph, f.dir / "phantom");
    workflow::CaseState s = workflow::openCase(f.dir / "phantom");
    workflow::ensureAnatomy(s, false);
    for (const phantom::LesionTruth& t : ph.lesion_truth) {
      (void)workflow::addLesionFromSeed(s, t.center_lps);
    }
    workflow::PlanRequest r;
    workflow::planCase(s, r, "9.9.9");
    ASSERT_TRUE(s.plan);
    f.plan_file = f.dir / "case" / "plan.json";
    fs::create_directories(f.plan_file.parent_path());
    (void)workflow::savePlan(s, f.plan_file);
    f.plan = planning::readPlanFile(f.plan_file);
    const planning::PlanCase c = planning::loadPlanCase(f.plan_file);
    f.rois = dicomexport::planRois(c.plan, *c.segmentation.liver, *c.segmentation.lesions);
    f.nav = loadNavigationPlan(f.plan_file);
  }
  static void TearDownTestSuite() { fixture_.reset(); }

  void SetUp() override {
    ASSERT_TRUE(fixture_ && !fixture_->plan_file.empty()) << "the phantom plan was not made";
  }

  static const PlanFixture& f() { return *fixture_; }

  // plan.json's placement of a needle.
  static const planning::PlanPlacement& placementOf(int lesion_id, int placement) {
    for (const planning::PlanLesion& l : f().plan.lesions) {
      if (l.id == lesion_id) return l.placements.at(static_cast<std::size_t>(placement) - 1);
    }
    throw std::runtime_error("no lesion " + std::to_string(lesion_id));
  }

  // Names of the volumetric / needle ROIs of planRois.
  static std::vector<std::string> structureNames() {
    std::vector<std::string> v;
    for (const auto& r : f().rois) {
      if (r.mask) v.push_back(r.name);
    }
    return v;
  }
  static std::vector<std::string> needleNames() {
    std::vector<std::string> v;
    for (const auto& r : f().rois) {
      if (r.role == dicomexport::RoiRole::kNeedle) v.push_back(r.name);
    }
    return v;
  }

  // The decoded TRAJ and POLYDATA of `msgs` checked against the plan in `frame`.
  static void expectPlanContent(const std::vector<Decoded>& msgs, Frame frame) {
    const std::string sfx = std::string(" ") + frameName(frame);
    const double sign = frame == Frame::kRas ? -1.0 : 1.0;
    std::size_t trajs = 0;
    std::set<std::string> devices;
    for (const Decoded& d : msgs) {
      EXPECT_TRUE(d.crc_ok) << d.device;
      devices.insert(d.device);
      if (d.type != "TRAJ") continue;
      ++trajs;
      EXPECT_EQ(d.device, "Trajectories" + sfx);
      std::size_t needles = 0;
      std::size_t targets = 0;
      for (const DecodedElement& e : d.elements) {
        if (e.group == "Needle") {
          ++needles;
          EXPECT_EQ(e.type, igtl::TrajectoryElement::TYPE_ENTRY_TARGET);
          const auto& roi =
              *std::find_if(f().rois.begin(), f().rois.end(),
                            [&](const dicomexport::Roi& r) { return r.name == e.name; });
          ASSERT_EQ(roi.name, e.name);
          const planning::PlanPlacement& p = placementOf(roi.lesion_id, roi.placement);
          for (int a = 0; a < 3; ++a) {
            const double s = a < 2 ? sign : 1.0;
            EXPECT_NEAR(e.entry[static_cast<std::size_t>(a)], s * p.entry_lps[a], 1e-3) << e.name;
            EXPECT_NEAR(e.target[static_cast<std::size_t>(a)], s * p.tip_lps[a], 1e-3) << e.name;
          }
          const auto c = dicomexport::sessionColour(roi.session);
          EXPECT_EQ(e.rgba, (std::array<int, 4>{c[0], c[1], c[2], 255}));
        } else {
          ++targets;
          EXPECT_EQ(e.group, "Target");
          EXPECT_EQ(e.type, igtl::TrajectoryElement::TYPE_TARGET_ONLY);
          bool found = false;
          for (const planning::PlanLesion& l : f().plan.lesions) {
            if (e.name.rfind("Target L" + std::to_string(l.id) + " ", 0) != 0) continue;
            found = true;
            for (int a = 0; a < 3; ++a) {
              const double s = a < 2 ? sign : 1.0;
              EXPECT_NEAR(e.target[static_cast<std::size_t>(a)], s * l.centroid_lps[a], 1e-3);
            }
          }
          EXPECT_TRUE(found) << e.name;
        }
      }
      EXPECT_EQ(needles, needleNames().size());
      EXPECT_GT(needles, 0U);
      EXPECT_EQ(targets, f().plan.lesions.size());
    }
    EXPECT_EQ(trajs, 1U);
    const std::vector<std::string> names = structureNames();
    ASSERT_GE(names.size(), 3U);  // liver and two lesions at least
    for (const std::string& n : names) EXPECT_EQ(devices.count(n + sfx), 1U) << n;
    EXPECT_EQ(msgs.size(), names.size() + 1);
    // Polydata: triangles over valid points, every point within its mask's voxel extent.
    for (const Decoded& d : msgs) {
      if (d.type != "POLYDATA") continue;
      ASSERT_FALSE(d.polygons.empty()) << d.device;
      for (const auto& cell : d.polygons) {
        ASSERT_EQ(cell.size(), 3U);
        for (const auto id : cell) ASSERT_LT(id, d.points.size());
      }
      const std::string name = d.device.substr(0, d.device.size() - sfx.size());
      const auto it = std::find_if(f().rois.begin(), f().rois.end(),
                                   [&](const dicomexport::Roi& r) { return r.name == name; });
      ASSERT_NE(it, f().rois.end()) << d.device;
      const Mask& m = *it->mask;
      const ImageGeometry& g = m.geometry();
      Vec3 lo = Vec3::Constant(1e30);
      Vec3 hi = Vec3::Constant(-1e30);
      const auto& s = g.size();
      for (std::size_t k = 0; k < s[2]; ++k) {
        for (std::size_t j = 0; j < s[1]; ++j) {
          for (std::size_t i = 0; i < s[0]; ++i) {
            if (m(i, j, k) == 0) continue;
            const Vec3 p = g.indexToLps(
                Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
            lo = lo.cwiseMin(p);
            hi = hi.cwiseMax(p);
          }
        }
      }
      // Corners lie half a voxel beyond the voxel centres (axis-aligned phantom grid).
      const Vec3 half = g.spacing() / 2 + Vec3::Constant(1e-3);
      lo -= half;
      hi += half;
      for (const auto& q : d.points) {
        const Vec3 lps(sign * q[0], sign * q[1], q[2]);
        for (int a = 0; a < 3; ++a) {
          ASSERT_GE(lps[a], lo[a]) << d.device;
          ASSERT_LE(lps[a], hi[a]) << d.device;
        }
      }
    }
  }

  static std::unique_ptr<PlanFixture> fixture_;
};

std::unique_ptr<PlanFixture> Navigation::fixture_;

TEST_F(Navigation, PlanHoldsThePlannedNeedlesTargetsAndStructures) {
  const NavigationPlan& nav = f().nav;
  ASSERT_GT(nav.needles.size(), 0U);
  EXPECT_EQ(nav.needles.size(), needleNames().size());
  for (const NavigationNeedle& n : nav.needles) {
    const planning::PlanPlacement& p = placementOf(n.lesion_id, n.placement);
    EXPECT_EQ(n.entry_lps, p.entry_lps) << n.name;  // exactly plan.json's values
    EXPECT_EQ(n.tip_lps, p.tip_lps) << n.name;
    EXPECT_EQ(n.electrode, p.electrode);
  }
  EXPECT_EQ(nav.targets.size(), f().plan.lesions.size());
  std::vector<std::string> names;
  for (const NavigationStructure& s : nav.structures) {
    names.push_back(s.name);
    EXPECT_GT(s.voxels, 0U) << s.name;
    EXPECT_GT(s.mesh.triangles.size(), 0U) << s.name;
  }
  EXPECT_EQ(names, structureNames());
  EXPECT_EQ(nav.frame_of_reference_uid, f().plan.source.frame_of_reference_uid);
}

TEST_F(Navigation, MarkupsFileHoldsThePlansPointsExactlyInLps) {
  test::TempDir out;
  const NavigationExport r = exportNavigation(f().nav, out.path());
  ASSERT_TRUE(fs::is_regular_file(r.markups_file));
  std::ifstream in(r.markups_file);
  const nlohmann::json doc = nlohmann::json::parse(in);
  EXPECT_NE(doc.at("@schema").get<std::string>().find("markups-schema-v1.0.3.json"),
            std::string::npos);
  std::size_t lines = 0;
  std::size_t fiducials = 0;
  for (const auto& m : doc.at("markups")) {
    EXPECT_EQ(m.at("coordinateSystem"), "LPS");
    const auto& cps = m.at("controlPoints");
    if (m.at("type") == "Line") {
      ++lines;
      const std::string name = m.at("name");
      const auto it = std::find_if(f().rois.begin(), f().rois.end(),
                                   [&](const dicomexport::Roi& x) { return x.name == name; });
      ASSERT_NE(it, f().rois.end()) << name;
      ASSERT_EQ(cps.size(), 2U);
      const planning::PlanPlacement& p = placementOf(it->lesion_id, it->placement);
      for (int a = 0; a < 3; ++a) {
        EXPECT_EQ(cps[0].at("position")[a].get<double>(), p.entry_lps[a]) << name;
        EXPECT_EQ(cps[1].at("position")[a].get<double>(), p.tip_lps[a]) << name;
      }
      const auto c = dicomexport::sessionColour(it->session);
      EXPECT_NEAR(m.at("display").at("color")[0].get<double>(), c[0] / 255.0, 1e-12);
    } else {
      ++fiducials;
      EXPECT_EQ(m.at("type"), "Fiducial");
      ASSERT_EQ(cps.size(), f().plan.lesions.size());
      for (std::size_t i = 0; i < cps.size(); ++i) {
        for (int a = 0; a < 3; ++a) {
          EXPECT_EQ(cps[i].at("position")[a].get<double>(), f().plan.lesions[i].centroid_lps[a]);
        }
      }
    }
  }
  EXPECT_GT(lines, 0U);
  EXPECT_EQ(lines, needleNames().size());
  EXPECT_EQ(fiducials, 1U);
  EXPECT_EQ(r.needles, lines);
}

TEST_F(Navigation, OfflineIgtlFileUnpacksToThePlan) {
  test::TempDir out;
  const NavigationExport r = exportNavigation(f().nav, out.path() / "new" / "nav");
  ASSERT_TRUE(fs::is_regular_file(r.igtl_file));
  EXPECT_EQ(fs::file_size(r.igtl_file), r.igtl_bytes);
  const std::vector<Decoded> msgs = decodeFile(r.igtl_file);
  ASSERT_EQ(msgs.size(), r.messages);
  ASSERT_GT(r.triangles, 0U);
  expectPlanContent(msgs, Frame::kLps);
  // The same bytes for the same plan (no time stamps).
  const IgtlMessageSet again = packPlanMessages(f().nav);
  std::string bytes;
  for (const auto& m : again.messages) bytes += m.bytes;
  std::ifstream in(r.igtl_file, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(file == bytes);
}

TEST_F(Navigation, ServerPushesOnConnectAndAnswersQueries) {
  const IgtlMessageSet set = packPlanMessages(f().nav, Frame::kLps);
  ServerOptions o;
  o.port = 0;
  o.max_clients = 1;
  std::vector<std::string> events;
  o.on_event = [&events](const std::string& e) { events.push_back(e); };
  IgtlServer server(set, o);
  ASSERT_GT(server.port(), 0);
  EXPECT_EQ(server.address(), "127.0.0.1");
  ServeSummary sum;
  std::thread t([&] { sum = server.serve(); });
  {
    igtl::ClientSocket::Pointer c = connectTo(server.port());
    const std::vector<Decoded> pushed = receive(c, set.messages.size());
    expectPlanContent(pushed, Frame::kLps);
    sendQuery<igtl::GetTrajectoryMessage>(c, "");
    sendQuery<igtl::GetPolyDataMessage>(c, "Liver LPS");
    const std::vector<Decoded> answers = receive(c, 2);
    ASSERT_EQ(answers.size(), 2U);
    EXPECT_EQ(answers[0].type, "TRAJ");
    EXPECT_EQ(answers[0].elements.size(), f().nav.needles.size() + f().nav.targets.size());
    EXPECT_EQ(answers[1].type, "POLYDATA");
    EXPECT_EQ(answers[1].device, "Liver LPS");
    EXPECT_TRUE(answers[1].crc_ok);
    c->CloseSocket();
  }
  t.join();
  EXPECT_EQ(sum.clients_served, 1);
  EXPECT_EQ(sum.queries, 2);
  EXPECT_EQ(sum.messages_sent, set.messages.size() + 2);
  ASSERT_FALSE(events.empty());
  EXPECT_NE(events.front().find("connected"), std::string::npos) << events.front();
}

TEST_F(Navigation, ServerInRasNegatesXAndYAndAnswersQueriesOnly) {
  const IgtlMessageSet set = packPlanMessages(f().nav, Frame::kRas);
  ServerOptions o;
  o.port = 0;
  o.max_clients = 1;
  o.push_on_connect = false;
  IgtlServer server(set, o);
  ServeSummary sum;
  std::thread t([&] { sum = server.serve(); });
  {
    igtl::ClientSocket::Pointer c = connectTo(server.port());
    sendQuery<igtl::GetTrajectoryMessage>(c, "Trajectories RAS");
    sendQuery<igtl::GetPolyDataMessage>(c, "");  // every structure
    const std::vector<Decoded> got = receive(c, set.messages.size());
    expectPlanContent(got, Frame::kRas);
    c->CloseSocket();
  }
  t.join();
  EXPECT_EQ(sum.clients_served, 1);
  EXPECT_EQ(sum.queries, 2);
  EXPECT_EQ(sum.messages_sent, set.messages.size());
}

TEST_F(Navigation, ServerStopsOnRequestAndRefusesABusyPortOrBadHost) {
  const IgtlMessageSet set = packPlanMessages(f().nav);
  ServerOptions o;
  o.port = 0;
  std::atomic<bool> stop{false};
  o.stop = &stop;
  IgtlServer server(set, o);
  // The same port again: in use.
  ServerOptions busy;
  busy.port = server.port();
  EXPECT_THROW(IgtlServer(set, busy), NetworkError);
  ServerOptions bad;
  bad.host = "no-such-host.invalid";
  bad.port = 0;
  EXPECT_THROW(IgtlServer(set, bad), NetworkError);
  ServerOptions range;
  range.port = 70000;
  EXPECT_THROW(IgtlServer(set, range), UsageError);

  const auto t0 = std::chrono::steady_clock::now();
  std::thread t([&] { (void)server.serve(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  t.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(NavigationMessages, BallSurvivesTheWireClosed) {
  // A structure made by hand: the decoded POLYDATA is the mesh, closed, and device names are
  // shortened to 20 characters keeping the frame.
  const ImageGeometry g({20, 20, 20}, Vec3(1, 1, 1), Vec3(-10, 20, 30), Mat3::Identity());
  Mask m(g, 0);
  for (std::size_t k = 0; k < 20; ++k) {
    for (std::size_t j = 0; j < 20; ++j) {
      for (std::size_t i = 0; i < 20; ++i) {
        const Vec3 p(static_cast<double>(i) - 9.5, static_cast<double>(j) - 9.5,
                     static_cast<double>(k) - 9.5);
        if (p.norm() <= 7) m(i, j, k) = 1;
      }
    }
  }
  NavigationPlan plan;
  NavigationTarget t;
  t.name = "Target L1 S1";
  t.centre_lps = Vec3(1.25, -2.5, 3.75);
  plan.targets.push_back(t);
  NavigationStructure s;
  s.name = "A structure with a long name";
  s.mesh = maskSurface(m);
  ASSERT_GT(s.mesh.triangles.size(), 0U);
  plan.structures.push_back(s);
  const IgtlMessageSet set = packPlanMessages(plan, Frame::kLps);
  ASSERT_EQ(set.messages.size(), 2U);
  EXPECT_EQ(set.messages[1].device, "A structure with LPS");
  EXPECT_EQ(set.messages[1].device.size(), kIgtlDeviceNameMax);
  ASSERT_EQ(set.notes.size(), 1U);
  test::TempDir dir;
  writeIgtlFile(dir / "b.igtl", set);
  const std::vector<Decoded> d = decodeFile(dir / "b.igtl");
  ASSERT_EQ(d.size(), 2U);
  ASSERT_TRUE(d[1].crc_ok);
  ASSERT_EQ(d[1].points.size(), s.mesh.points_lps.size());
  ASSERT_EQ(d[1].polygons.size(), s.mesh.triangles.size());
  std::map<std::pair<std::uint32_t, std::uint32_t>, int> edges;
  for (const auto& c : d[1].polygons) {
    ASSERT_EQ(c.size(), 3U);
    for (std::size_t a = 0; a < 3; ++a) {
      const auto u = c[a];
      const auto v = c[(a + 1) % 3];
      ++edges[{std::min(u, v), std::max(u, v)}];
    }
  }
  ASSERT_FALSE(edges.empty());
  for (const auto& [e, n] : edges) ASSERT_EQ(n, 2);
  for (std::size_t i = 0; i < d[1].points.size(); ++i) {
    for (int a = 0; a < 3; ++a) {
      EXPECT_EQ(d[1].points[i][static_cast<std::size_t>(a)],
                static_cast<float>(s.mesh.points_lps[i][a]));
    }
  }
  // Nothing to navigate to: refused.
  EXPECT_THROW((void)packPlanMessages(NavigationPlan{}), NoDataError);
  EXPECT_EQ(parseFrame("RAS"), Frame::kRas);
  EXPECT_THROW((void)parseFrame("xyz"), UsageError);
}

TEST(NavigationLoad, MissingPlanFileIsNotFoundNamingIt) {
  const fs::path missing = "/nonexistent/rfaplan/plan.json";
  try {
    (void)loadNavigationPlan(missing);
    FAIL() << "no error";
  } catch (const NotFoundError& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rfa::navigation
