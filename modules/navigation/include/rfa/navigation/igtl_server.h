#pragma once
/// \file igtl_server.h
/// \brief An OpenIGTLink server (TCP) that serves a plan's packed messages (igtl_messages.h) to
/// navigation systems: each client gets every message when it connects (optional), and the
/// answer to its queries: GET_TRAJ (the TRAJ message) and GET_POLYDATA (an empty device name: every
/// POLYDATA; else the one of that device name; an unknown name: nothing). Other messages a client
/// sends are read and ignored. Research use only.
///
/// One thread serves every client (poll); a send blocks at most ServerOptions::send_timeout_s,
/// after which the client is dropped. It binds to 127.0.0.1 by default: the plan stays on the
/// machine unless a host is given. Frames: as the messages were packed (device names end with
/// the frame: "LPS" or "RAS").

#include <atomic>
#include <cstddef>
#include <functional>
#include <string>

#include "rfa/navigation/igtl_messages.h"

namespace rfa::navigation {

/// \brief The default OpenIGTLink port.
inline constexpr int kIgtlDefaultPort = 18944;

/// \brief Where and how long to serve.
struct ServerOptions {
  std::string host = "127.0.0.1";   ///< address or host name to bind ("0.0.0.0": every interface)
  int port = kIgtlDefaultPort;      ///< 0: a free port chosen by the system (IgtlServer::port())
  int max_clients = 0;              ///< > 0: serve() returns once that many clients have left
  bool push_on_connect = true;      ///< send every message to a client as it connects
  int send_timeout_s = 30;          ///< a client that does not read for this long is dropped
  int max_concurrent_clients = 16;  ///< further connections are closed at once
  /// serve() returns soon (within 0.1 s) after this becomes true (e.g. set by a signal handler);
  /// may be null.
  const std::atomic<bool>* stop = nullptr;
  /// Called (from serve()'s thread) with a line on each connection, query and disconnection.
  std::function<void(const std::string&)> on_event;
};

/// \brief What serve() did.
struct ServeSummary {
  int clients_served = 0;  ///< connections accepted and closed since
  int queries = 0;         ///< GET_TRAJ / GET_POLYDATA answered
  std::size_t messages_sent = 0;
  std::size_t bytes_sent = 0;
};

/// \brief A listening OpenIGTLink server.
class IgtlServer {
 public:
  /// \brief Binds and listens on options.host:options.port.
  /// \throws UsageError for a port outside 0..65535 or no messages; NetworkError naming the host
  /// and port when the host does not resolve or the port cannot be bound (in use, no permission).
  IgtlServer(IgtlMessageSet messages, ServerOptions options);
  ~IgtlServer();
  IgtlServer(const IgtlServer&) = delete;
  IgtlServer& operator=(const IgtlServer&) = delete;

  /// \brief The bound port (the system's choice when options.port was 0).
  [[nodiscard]] int port() const { return port_; }
  /// \brief The bound address, numeric ("127.0.0.1").
  [[nodiscard]] const std::string& address() const { return address_; }

  /// \brief Serves until stop() is called, *options.stop becomes true or options.max_clients
  /// clients have been served; then closes every connection. Call from one thread at a time.
  /// \throws NetworkError when accepting or polling fails for a reason other than a signal.
  ServeSummary serve();

  /// \brief Makes serve() return within 0.1 s. Thread-safe; async-signal-safe.
  void stop() noexcept { stop_requested_.store(true); }

 private:
  IgtlMessageSet set_;
  ServerOptions options_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::string address_;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace rfa::navigation
