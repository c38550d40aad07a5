// OpenIGTLink server of a plan's messages (igtl_server.h). POSIX sockets and poll(); the
// OpenIGTLink library only parses the headers of what clients send.
#include "rfa/navigation/igtl_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <igtlMessageHeader.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <list>
#include <vector>

#include "rfa/core/error.h"

namespace rfa::navigation {
namespace {

std::string errnoText(int e) {
  return std::strerror(e);
}

// "host:port" of a socket address, numeric.
std::string addressOf(const sockaddr_storage& a, socklen_t len, int* port) {
  std::array<char, NI_MAXHOST> host{};
  std::array<char, NI_MAXSERV> serv{};
  if (getnameinfo(reinterpret_cast<const sockaddr*>(&a), len, host.data(), host.size(), serv.data(),
                  serv.size(), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  if (port != nullptr) *port = std::atoi(serv.data());
  return host.data();
}

// One connected client: the bytes of a header being read, and how much of a body to skip.
struct Client {
  int fd = -1;
  std::string peer;
  std::string header;
  std::uint64_t skip = 0;
  std::string pending_type;
  std::string pending_device;
};

}  // namespace

IgtlServer::IgtlServer(IgtlMessageSet messages, ServerOptions options)
    : set_(std::move(messages)), options_(std::move(options)) {
  if (options_.port < 0 || options_.port > 65535) {
    throw UsageError("port " + std::to_string(options_.port) + " is not in 0..65535");
  }
  if (set_.messages.empty()) throw UsageError("no OpenIGTLink messages to serve");
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(options_.port);
  const int rc = getaddrinfo(options_.host.c_str(), service.c_str(), &hints, &found);
  if (rc != 0) {
    throw NetworkError("cannot serve on " + where + ": host '" + options_.host +
                       "' does not resolve: " + gai_strerror(rc));
  }
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = "socket: " + errnoText(errno);
      continue;
    }
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 8) != 0) {
      last_error = errnoText(errno);
      ::close(fd);
      continue;
    }
    listen_fd_ = fd;
    break;
  }
  freeaddrinfo(found);
  if (listen_fd_ < 0) throw NetworkError("cannot serve on " + where + ": " + last_error);
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
    const int e = errno;
    ::close(listen_fd_);
    throw NetworkError("cannot serve on " + where + ": getsockname: " + errnoText(e));
  }
  address_ = addressOf(bound, len, &port_);
}

IgtlServer::~IgtlServer() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

ServeSummary IgtlServer::serve() {
  ServeSummary sum;
  std::list<Client> clients;
  auto event = [this](const std::string& line) {
    if (options_.on_event) options_.on_event(line);
  };
  // Sends `m` whole (blocking, bounded by SO_SNDTIMEO); false when the client is gone.
  auto sendWhole = [&sum](const Client& c, const IgtlMessage& m) {
    std::size_t done = 0;
    while (done < m.bytes.size()) {
      const ssize_t n = ::send(c.fd, m.bytes.data() + done, m.bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    ++sum.messages_sent;
    sum.bytes_sent += m.bytes.size();
    return true;
  };
  auto drop = [&](std::list<Client>::iterator it, const std::string& why) {
    ::close(it->fd);
    ++sum.clients_served;
    event("client " + it->peer + " " + why);
    return clients.erase(it);
  };
  // Answers a query; false when the client is gone.
  auto answer = [&](Client& c) {
    const std::string& type = c.pending_type;
    const std::string& device = c.pending_device;
    std::size_t sent = 0;
    bool ok = true;
    if (type == "GET_TRAJ" || type == "GET_POLYDATA") {
      const std::string want = type.substr(4);
      for (const IgtlMessage& m : set_.messages) {
        if (m.type != want || (!device.empty() && m.device != device)) continue;
        if (!(ok = sendWhole(c, m))) break;
        ++sent;
      }
      ++sum.queries;
      event("client " + c.peer + " " + type + (device.empty() ? "" : " '" + device + "'") + ": " +
            std::to_string(sent) + " message(s) sent");
    }
    return ok;
  };
  const bool limited = options_.max_clients > 0;
  while (!stop_requested_.load() && (options_.stop == nullptr || !options_.stop->load()) &&
         !(limited && sum.clients_served >= options_.max_clients)) {
    std::vector<pollfd> fds;
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const Client& c : clients) fds.push_back({c.fd, POLLIN, 0});
    const int n = ::poll(fds.data(), fds.size(), 100);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      for (auto it = clients.begin(); it != clients.end();) it = drop(it, "closed (server error)");
      throw NetworkError("OpenIGTLink server on " + address_ + ":" + std::to_string(port_) +
                         ": poll: " + errnoText(e));
    }
    if (n == 0) continue;
    // Clients first (fds[1..] are in the order of `clients`).
    std::size_t f = 1;
    for (auto it = clients.begin(); it != clients.end(); ++f) {
      if ((fds[f].revents & (POLLIN | POLLHUP | POLLERR)) == 0) {
        ++it;
        continue;
      }
      std::array<char, 4096> buf{};
      const ssize_t got = ::recv(it->fd, buf.data(), buf.size(), 0);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) {
        ++it;
        continue;
      }
      if (got <= 0) {
        it = drop(it, got == 0 ? "disconnected" : "dropped (" + errnoText(errno) + ")");
        continue;
      }
      bool alive = true;
      std::size_t pos = 0;
      const auto size = static_cast<std::size_t>(got);
      while (alive && pos < size) {
        if (it->skip > 0) {
          const std::size_t k = std::min<std::uint64_t>(it->skip, size - pos);
          it->skip -= k;
          pos += k;
          if (it->skip == 0) alive = answer(*it);
          continue;
        }
        const std::size_t k = std::min(kIgtlHeaderBytes - it->header.size(), size - pos);
        it->header.append(buf.data() + pos, k);
        pos += k;
        if (it->header.size() < kIgtlHeaderBytes) continue;
        igtl::MessageHeader::Pointer h = igtl::MessageHeader::New();
        h->InitPack();
        std::memcpy(h->GetPackPointer(), it->header.data(), kIgtlHeaderBytes);
        h->Unpack();
        it->header.clear();
        it->pending_type = h->GetDeviceType();
        it->pending_device = h->GetDeviceName();
        it->skip = static_cast<std::uint64_t>(h->GetBodySizeToRead());
        if (it->skip == 0) alive = answer(*it);
      }
      if (!alive) {
        it = drop(it, "dropped (send failed or timed out)");
        continue;
      }
      ++it;
    }
    if ((fds[0].revents & POLLIN) != 0) {
      sockaddr_storage peer{};
      socklen_t len = sizeof peer;
      const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == EAGAIN || errno == ECONNABORTED) continue;
        const int e = errno;
        for (auto it = clients.begin(); it != clients.end();)
          it = drop(it, "closed (server error)");
        throw NetworkError("OpenIGTLink server on " + address_ + ":" + std::to_string(port_) +
                           ": accept: " + errnoText(e));
      }
      int peer_port = 0;
      Client c;
      c.fd = fd;
      c.peer = addressOf(peer, len, &peer_port);
      c.peer += ":" + std::to_string(peer_port);
      if (static_cast<int>(clients.size()) >= options_.max_concurrent_clients) {
        ::close(fd);
        event("client " + c.peer + " refused (" + std::to_string(clients.size()) +
              " clients connected)");
        continue;
      }
      timeval tv{};
      tv.tv_sec = options_.send_timeout_s;
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      // A query's answer goes out at once (Nagle + delayed ACK would hold it ~40 ms).
      const int nodelay = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
      clients.push_back(std::move(c));
      auto it = std::prev(clients.end());
      event("client " + it->peer + " connected");
      if (options_.push_on_connect) {
        std::size_t sent = 0;
        bool ok = true;
        for (const IgtlMessage& m : set_.messages) {
          if (!(ok = sendWhole(*it, m))) break;
          ++sent;
        }
        if (!ok) {
          drop(it, "dropped while sending (send failed or timed out)");
          continue;
        }
        event("client " + it->peer + ": " + std::to_string(sent) + " message(s) pushed");
      }
    }
  }
  for (auto it = clients.begin(); it != clients.end();) it = drop(it, "closed (server stopped)");
  return sum;
}

}  // namespace rfa::navigation
