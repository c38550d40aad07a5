#pragma once
/// \file igtl_messages.h
/// \brief The plan as OpenIGTLink (protocol version 2, library 1.11) messages, packed as they go
/// on the wire, and written to a file for a navigation system that imports them offline.
/// Research use only.
///
/// Messages, in this order:
///  - one TRAJ, device "Trajectories <frame>": per needle an element of type ENTRY_TARGET, name
///    "Needle L1 S1 #1" (the RTSTRUCT's), group "Needle", entry = skin entry, target = tip, RGBA
///    its session colour; then per lesion an element of type TARGET_ONLY, name "Target L1 S1",
///    group "Target", target = lesion centroid, RGBA kLesionColour. Radius 0 (not given).
///  - one POLYDATA per structure (liver, lesions, margins, ablation zones: dicomexport::planRois),
///    device "<ROI name> <frame>" (e.g. "Zone L1 S1 #1 LPS"): the maskSurface() points and
///    triangles (3-point POLYGONS), no attributes.
///
/// Frames: every coordinate is in mm, in `frame`: Frame::kLps (default) sends the plan.json values
/// unchanged (float32: IGTL TRAJ and POLYDATA carry 32-bit floats, so within 1e-3 mm of the
/// plan's doubles for coordinates below 8000 mm); Frame::kRas negates x and y, because 3D Slicer's
/// OpenIGTLinkIF takes every received coordinate as RAS. The frame is the last word of every device
/// name, so a receiver can tell. Time stamps are 0 ("not given"), so a file is the same bytes for
/// the same plan.
///
/// Device names are at most 20 characters (the IGTL header field): a longer one is shortened
/// (the ROI name cut, the frame kept) with a note; a clash after shortening throws.

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "rfa/navigation/navigation_plan.h"

namespace rfa::navigation {

/// \brief Bytes of the OpenIGTLink header (version, type, device name, time stamp, body size, CRC).
inline constexpr std::size_t kIgtlHeaderBytes = 58;
/// \brief Longest device name the header holds.
inline constexpr std::size_t kIgtlDeviceNameMax = 20;

/// \brief One packed message.
struct IgtlMessage {
  std::string type;          ///< "TRAJ" or "POLYDATA"
  std::string device;        ///< device name, e.g. "Liver LPS"
  std::string bytes;         ///< header + body as sent on the wire (big-endian, CRC-64 of the body)
  std::size_t elements = 0;  ///< TRAJ: elements; POLYDATA: triangles
};

/// \brief The packed messages.
struct IgtlMessageSet {
  Frame frame = Frame::kLps;
  std::vector<IgtlMessage> messages;  ///< TRAJ first, then the POLYDATA
  std::vector<std::string> notes;     ///< shortened device names
};

/// \brief "<base> <frame>", cut to kIgtlDeviceNameMax characters (the base shortened).
std::string deviceName(const std::string& base, Frame frame);

/// \brief The TRAJ and POLYDATA messages of `plan` in `frame` (see the file comment).
/// \throws NoDataError when the plan has no needle and no target (nothing to navigate to);
/// UnsupportedError when two device names are equal after shortening to 20 characters.
IgtlMessageSet packPlanMessages(const NavigationPlan& plan, Frame frame = Frame::kLps);

/// \brief Writes the messages one after another, as a client receives them, to `file`
/// atomically. \throws WriteError naming `file`.
void writeIgtlFile(const std::filesystem::path& file, const IgtlMessageSet& set);

/// \brief What exportNavigation() wrote.
struct NavigationExport {
  std::filesystem::path markups_file;  ///< DIR/plan.mrk.json
  std::filesystem::path igtl_file;     ///< DIR/plan.igtl
  Frame frame = Frame::kLps;           ///< of plan.igtl (plan.mrk.json is always LPS)
  std::size_t needles = 0;
  std::size_t targets = 0;
  std::size_t structures = 0;
  std::size_t triangles = 0;  ///< over all POLYDATA
  std::size_t messages = 0;
  std::size_t igtl_bytes = 0;
  std::vector<std::string> notes;  ///< shortened device names (the loader notes: NavigationPlan)
};

/// \brief Writes `out_dir`/plan.mrk.json (markups.h) and `out_dir`/plan.igtl (writeIgtlFile of
/// packPlanMessages(plan, frame)), creating `out_dir` when missing. \throws WriteError naming
/// the folder or file; what packPlanMessages throws.
NavigationExport exportNavigation(const NavigationPlan& plan, const std::filesystem::path& out_dir,
                                  Frame frame = Frame::kLps);

}  // namespace rfa::navigation
