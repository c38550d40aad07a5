// The plan as packed OpenIGTLink messages, and the offline export (igtl_messages.h).
#include "rfa/navigation/igtl_messages.h"

#include <igtlPolyDataMessage.h>
#include <igtlTrajectoryMessage.h>
#include <igtl_trajectory.h>
#include <igtl_util.h>

#include <set>
#include <system_error>

#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/navigation/markups.h"

namespace rfa::navigation {
namespace {

// The packed bytes of `m` (header + body).
std::string bytesOf(igtl::MessageBase* m) {
  m->SetTimeStamp(0, 0);
  m->Pack();
  const auto* p = static_cast<const char*>(m->GetPackPointer());
  return {p, static_cast<std::size_t>(m->GetPackSize())};
}

// OpenIGTLink 1.11 leaves the reserved byte of each TRAJ element uninitialised (whatever the heap
// held): set to 0, and the header's CRC-64 of the body recomputed, so that the same plan gives the
// same bytes and no uninitialised memory goes out.
void zeroTrajReservedBytes(std::string& bytes) {
  constexpr std::size_t kReserved = IGTL_TRAJECTORY_LEN_NAME + IGTL_TRAJECTORY_LEN_GROUP_NAME + 1;
  constexpr std::size_t kCrcOffset = kIgtlHeaderBytes - 8;
  auto* body = reinterpret_cast<unsigned char*>(bytes.data()) + kIgtlHeaderBytes;
  const std::size_t body_size = bytes.size() - kIgtlHeaderBytes;
  for (std::size_t e = 0; e + IGTL_TRAJECTORY_ELEMENT_SIZE <= body_size;
       e += IGTL_TRAJECTORY_ELEMENT_SIZE) {
    body[e + kReserved] = 0;
  }
  igtl_uint64 crc = crc64(nullptr, 0, 0ULL);
  crc = crc64(body, body_size, crc);
  for (std::size_t b = 0; b < 8; ++b) {
    bytes[kCrcOffset + b] = static_cast<char>((crc >> (8 * (7 - b))) & 0xFFU);
  }
}

igtlFloat32 f32(double v) {
  return static_cast<igtlFloat32>(v);
}

IgtlMessage trajMessage(const NavigationPlan& plan, Frame frame) {
  igtl::TrajectoryMessage::Pointer msg = igtl::TrajectoryMessage::New();
  const std::string device = deviceName("Trajectories", frame);
  msg->SetDeviceName(device.c_str());
  for (const NavigationNeedle& n : plan.needles) {
    igtl::TrajectoryElement::Pointer e = igtl::TrajectoryElement::New();
    e->SetName(n.name.c_str());
    e->SetGroupName("Needle");
    e->SetType(igtl::TrajectoryElement::TYPE_ENTRY_TARGET);
    e->SetRGBA(n.colour[0], n.colour[1], n.colour[2], 255);
    const Vec3 entry = toFrame(n.entry_lps, frame);
    const Vec3 tip = toFrame(n.tip_lps, frame);
    e->SetEntryPosition(f32(entry.x()), f32(entry.y()), f32(entry.z()));
    e->SetTargetPosition(f32(tip.x()), f32(tip.y()), f32(tip.z()));
    e->SetRadius(0);
    msg->AddTrajectoryElement(e);
  }
  for (const NavigationTarget& t : plan.targets) {
    igtl::TrajectoryElement::Pointer e = igtl::TrajectoryElement::New();
    e->SetName(t.name.c_str());
    e->SetGroupName("Target");
    e->SetType(igtl::TrajectoryElement::TYPE_TARGET_ONLY);
    e->SetRGBA(t.colour[0], t.colour[1], t.colour[2], 255);
    const Vec3 c = toFrame(t.centre_lps, frame);
    e->SetEntryPosition(0, 0, 0);
    e->SetTargetPosition(f32(c.x()), f32(c.y()), f32(c.z()));
    e->SetRadius(0);
    msg->AddTrajectoryElement(e);
  }
  IgtlMessage out;
  out.type = "TRAJ";
  out.device = device;
  out.elements = plan.needles.size() + plan.targets.size();
  out.bytes = bytesOf(msg);
  zeroTrajReservedBytes(out.bytes);
  return out;
}

IgtlMessage polyDataMessage(const NavigationStructure& s, const std::string& device, Frame frame) {
  igtl::PolyDataMessage::Pointer msg = igtl::PolyDataMessage::New();
  msg->SetDeviceName(device.c_str());
  igtl::PolyDataPointArray::Pointer points = igtl::PolyDataPointArray::New();
  for (const Vec3& p : s.mesh.points_lps) {
    const Vec3 q = toFrame(p, frame);
    points->AddPoint(f32(q.x()), f32(q.y()), f32(q.z()));
  }
  igtl::PolyDataCellArray::Pointer polygons = igtl::PolyDataCellArray::New();
  for (const auto& t : s.mesh.triangles) {
    igtlUint32 cell[3] = {t[0], t[1], t[2]};
    polygons->AddCell(3, cell);
  }
  msg->SetPoints(points);
  msg->SetPolygons(polygons);
  IgtlMessage out;
  out.type = "POLYDATA";
  out.device = device;
  out.elements = s.mesh.triangles.size();
  out.bytes = bytesOf(msg);
  return out;
}

}  // namespace

std::string deviceName(const std::string& base, Frame frame) {
  const std::string suffix = std::string(" ") + frameName(frame);
  std::string b = base;
  if (b.size() + suffix.size() > kIgtlDeviceNameMax) b.resize(kIgtlDeviceNameMax - suffix.size());
  while (!b.empty() && b.back() == ' ') b.pop_back();
  return b + suffix;
}

IgtlMessageSet packPlanMessages(const NavigationPlan& plan, Frame frame) {
  if (plan.needles.empty() && plan.targets.empty()) {
    throw NoDataError("the plan " + plan.plan_file.string() +
                      " has no needle and no lesion to export");
  }
  IgtlMessageSet set;
  set.frame = frame;
  set.messages.push_back(trajMessage(plan, frame));
  std::set<std::string> used{set.messages.back().device};
  for (const NavigationStructure& s : plan.structures) {
    const std::string device = deviceName(s.name, frame);
    if (device != s.name + " " + frameName(frame)) {
      set.notes.push_back("structure '" + s.name + "' is sent as device '" + device +
                          "' (device names have at most 20 characters)");
    }
    if (!used.insert(device).second) {
      throw UnsupportedError("two structures would be sent as the same OpenIGTLink device '" +
                             device + "' (device names have at most 20 characters)");
    }
    set.messages.push_back(polyDataMessage(s, device, frame));
  }
  return set;
}

void writeIgtlFile(const std::filesystem::path& file, const IgtlMessageSet& set) {
  std::string bytes;
  std::size_t n = 0;
  for (const IgtlMessage& m : set.messages) n += m.bytes.size();
  bytes.reserve(n);
  for (const IgtlMessage& m : set.messages) bytes += m.bytes;
  writeFileAtomically(file, bytes);
}

NavigationExport exportNavigation(const NavigationPlan& plan, const std::filesystem::path& out_dir,
                                  Frame frame) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec || !std::filesystem::is_directory(out_dir)) {
    throw WriteError("cannot create the folder " + out_dir.string() +
                     (ec ? ": " + ec.message() : std::string(": not a folder")));
  }
  const IgtlMessageSet set = packPlanMessages(plan, frame);
  NavigationExport r;
  r.markups_file = out_dir / "plan.mrk.json";
  r.igtl_file = out_dir / "plan.igtl";
  r.frame = frame;
  writeMarkupsFile(r.markups_file, plan);
  writeIgtlFile(r.igtl_file, set);
  r.needles = plan.needles.size();
  r.targets = plan.targets.size();
  r.structures = plan.structures.size();
  r.messages = set.messages.size();
  for (const IgtlMessage& m : set.messages) {
    r.igtl_bytes += m.bytes.size();
    if (m.type == "POLYDATA") r.triangles += m.elements;
  }
  r.notes = set.notes;
  return r;
}

}  // namespace rfa::navigation
