// rfaplan export-igt PLAN --out DIR [--series S] [--segmentation G] [--session N] [--frame lps|ras]
// rfaplan serve-igt PLAN [--port N] [--host H] [--frame lps|ras] [--max-clients K] [--no-push] ...
// Thin shells over rfa::navigation: the plan with its series and segmentation
// (loadNavigationPlan), then the Markups JSON and OpenIGTLink file, or the OpenIGTLink server.
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>

#include "cli_common.h"
#include "rfa/core/error.h"
#include "rfa/navigation/igtl_messages.h"
#include "rfa/navigation/igtl_server.h"
#include "rfa/navigation/markups.h"
#include "rfa/navigation/navigation_plan.h"

namespace rfa::cli {
namespace {

// Options shared by the two commands.
struct NavArgs {
  std::string plan;
  std::string series;
  std::string segmentation;
  int session = 0;
  std::string frame = "lps";
};

const char* const kFrameHelp =
    "Frame of the OpenIGTLink coordinates: lps (default: plan.json's DICOM patient LPS mm, "
    "unchanged) or ras (x and y negated: 3D Slicer's OpenIGTLinkIF reads every message as RAS). "
    "Device names end with the frame";

void addPlanOptions(CLI::App* cmd, NavArgs& a) {
  cmd->add_option("PLAN", a.plan, "Plan JSON written by 'rfaplan plan'")->required();
  cmd->add_option("--series", a.series,
                  "The image series planned on (default: the plan's input, as recorded or beside "
                  "the plan)");
  cmd->add_option("--segmentation", a.segmentation,
                  "Its segmentation folder (default: the one recorded in the plan)");
  cmd->add_option("--session", a.session, "Only the lesions of session N (default: all)")
      ->check(CLI::Range(1, 3));
  cmd->add_option("--frame", a.frame, kFrameHelp)->capture_default_str();
}

navigation::NavigationPlan loadPlan(const NavArgs& a) {
  navigation::NavigationOptions o;
  o.series = a.series;
  o.segmentation = a.segmentation;
  o.session = a.session;
  o.on_loader_note = [](const std::string& n) { std::cerr << "warning: " << n << "\n"; };
  return navigation::loadNavigationPlan(a.plan, o);
}

std::atomic<bool> g_stop{false};

extern "C" void onStopSignal(int /*signal*/) {
  g_stop.store(true);
}

// SIGINT and SIGTERM set g_stop while alive; the previous handlers come back after.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction sa {};
    sa.sa_handler = onStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace

void addNavigationCommands(CLI::App& app, int& exit_code) {
  const char* const exit_codes =
      "Exit codes: 0 done, 2 bad option (e.g. a session the plan does not have, a frame other "
      "than lps/ras), 3 plan, series or segmentation not found, 4 nothing to navigate to, 5 "
      "malformed plan, 6 segmentation on another grid, 8 cannot write, 9 the series found is not "
      "the one planned, 11 cannot listen on the host and port.";
  {
    auto* cmd = app.add_subcommand(
        "export-igt",
        "Write a plan for navigation systems: DIR/plan.mrk.json (3D Slicer Markups: a Line per "
        "needle, skin entry then tip, and the lesion targets; LPS mm, plan.json's values) and "
        "DIR/plan.igtl (the OpenIGTLink TRAJ and POLYDATA messages of serve-igt, one after "
        "another as sent on the wire). RESEARCH USE ONLY");
    static NavArgs a;
    static std::string out;
    addPlanOptions(cmd, a);
    cmd->add_option("--out", out, "Output folder (created when missing; files replaced atomically)")
        ->required();
    cmd->footer(exit_codes);
    cmd->callback([&exit_code] {
      const navigation::Frame frame = navigation::parseFrame(a.frame);
      const auto t0 = std::chrono::steady_clock::now();
      const navigation::NavigationPlan plan = loadPlan(a);
      const navigation::NavigationExport r = navigation::exportNavigation(plan, out, frame);
      for (const auto& n : r.notes) std::cerr << "note: " << n << "\n";
      std::cout << "Markups " << r.markups_file.string() << ": " << r.needles << " needle line(s), "
                << r.targets << " target(s), LPS mm\n"
                << "OpenIGTLink " << r.igtl_file.string() << ": " << r.messages
                << " messages (1 TRAJ, " << r.structures << " POLYDATA, " << r.triangles
                << " triangles), " << (r.igtl_bytes + 512) / 1024 << " KiB, frame "
                << navigation::frameName(frame) << ", in " << fixed(secondsSince(t0), 1) << " s\n"
                << kResearchBanner << "\n";
      exit_code = 0;
    });
  }
  {
    auto* cmd = app.add_subcommand(
        "serve-igt",
        "Serve a plan to navigation systems over OpenIGTLink (TCP): each client gets the TRAJ "
        "message (needles: skin entry and tip; lesion targets) and a POLYDATA surface per "
        "structure (liver, lesions, margins, ablation zones) when it connects, and the answers to "
        "GET_TRAJ and GET_POLYDATA. Serves until Ctrl-C or --max-clients. RESEARCH USE ONLY");
    static NavArgs a;
    static std::string host = "127.0.0.1";
    static int port = navigation::kIgtlDefaultPort;
    static int max_clients = 0;
    static bool no_push = false;
    addPlanOptions(cmd, a);
    cmd->add_option("--host", host,
                    "Address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: every "
                    "interface)")
        ->capture_default_str();
    cmd->add_option("--port", port, "TCP port (0: any free port, printed)")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    cmd->add_option("--max-clients", max_clients,
                    "Stop after this many clients have connected and left (0: until Ctrl-C)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    cmd->add_flag("--no-push", no_push,
                  "Send nothing on connect: answer GET_TRAJ / GET_POLYDATA queries only");
    cmd->footer(exit_codes);
    cmd->callback([&exit_code] {
      const navigation::Frame frame = navigation::parseFrame(a.frame);
      const navigation::NavigationPlan plan = loadPlan(a);
      navigation::IgtlMessageSet set = navigation::packPlanMessages(plan, frame);
      for (const auto& n : set.notes) std::cerr << "note: " << n << "\n";
      const std::size_t messages = set.messages.size();
      navigation::ServerOptions o;
      o.host = host;
      o.port = port;
      o.max_clients = max_clients;
      o.push_on_connect = !no_push;
      o.stop = &g_stop;
      o.on_event = [](const std::string& e) { std::cout << "  " << e << std::endl; };
      g_stop.store(false);
      const StopSignals signals;
      navigation::IgtlServer server(std::move(set), o);
      std::cout << "serving " << a.plan << " (" << plan.needles.size() << " needle(s), "
                << plan.targets.size() << " target(s), " << plan.structures.size()
                << " structure(s): " << messages << " OpenIGTLink messages, frame "
                << navigation::frameName(frame) << ") on " << server.address() << ":"
                << server.port() << "; Ctrl-C to stop\n"
                << kResearchBanner << std::endl;
      const navigation::ServeSummary s = server.serve();
      std::cout << "stopped: " << s.clients_served << " client(s) served, " << s.queries << " quer"
                << (s.queries == 1 ? "y" : "ies") << ", " << s.messages_sent << " messages sent ("
                << (s.bytes_sent + 512) / 1024 << " KiB)\n";
      exit_code = 0;
    });
  }
}

}  // namespace rfa::cli
