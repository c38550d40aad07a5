#include "orthanc_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace rfa::test {
namespace fs = std::filesystem;

namespace {

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int connectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const sockaddr_in a = loopback(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool accepts(int port) {
  const int fd = connectLoopback(port);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string tlsConfig(const OrthancServer::Options::Tls& tls) {
  if (!tls.enabled) return {};
  return "  \"DicomTlsEnabled\": true,\n  \"DicomTlsCertificate\": " +
         jsonString(tls.certificate.string()) +
         ",\n  \"DicomTlsPrivateKey\": " + jsonString(tls.private_key.string()) +
         ",\n  \"DicomTlsTrustedCertificates\": " + jsonString(tls.trusted.string()) +
         ",\n  \"DicomTlsRemoteCertificateRequired\": " +
         (tls.remote_certificate_required ? "true" : "false") + ",\n";
}

// Runs openssl with `args` in `dir`. \throws std::runtime_error with its messages.
void openssl(const fs::path& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {TestCertificates::executable()};
  argv.insert(argv.end(), args.begin(), args.end());
  // Relative paths in `args` name files in `dir`: openssl runs with absolute ones instead.
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (argv[i].rfind('@', 0) == 0) argv[i] = (dir / argv[i].substr(1)).string();
  }
  const RunResult r = run(argv);
  if (r.exit_code != 0) {
    std::string cmd;
    for (const std::string& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    throw std::runtime_error("openssl failed (exit " + std::to_string(r.exit_code) + "): " + cmd +
                             "\n" + r.err + r.out);
  }
}

}  // namespace

std::string TestCertificates::executable() {
  if (const char* env = std::getenv("RFA_OPENSSL")) {
    if (*env) return env;
  }
  return "openssl";
}

bool TestCertificates::available() {
  const std::string exe = executable();
  if (exe.find('/') != std::string::npos) return ::access(exe.c_str(), X_OK) == 0;
  return haveProgram(exe);
}

TestCertificates::TestCertificates() : dir(std::make_unique<TempDir>()) {
  const fs::path& d = dir->path();
  auto key = [&](const std::string& name, bool rsa) {
    if (rsa) {
      openssl(d, {"genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                  "@" + name});
    } else {
      openssl(d, {"genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
                  "@" + name});
    }
  };
  // Four keys: the CAs and the client ECDSA P-256 (fast to make), the servers' RSA 2048, which
  // TLS 1.2 peers need for the BCP 195 cipher suites (ECDHE/DHE with RSA).
  key("ca.key", false);
  key("other-ca.key", false);
  key("server.key", true);
  key("client.key", false);
  auto selfSignedCa = [&](const std::string& name, const std::string& cn) {
    openssl(d, {"req", "-x509", "-new", "-key", "@" + name + ".key", "-out", "@" + name + ".crt",
                "-days", "2", "-sha256", "-subj", "/CN=" + cn, "-addext",
                "basicConstraints=critical,CA:TRUE", "-addext",
                "keyUsage=critical,keyCertSign,cRLSign"});
  };
  auto request = [&](const std::string& name, const std::string& key_name, const std::string& cn) {
    openssl(d, {"req", "-new", "-key", "@" + key_name + ".key", "-out", "@" + name + ".csr",
                "-subj", "/CN=" + cn});
  };
  // Signs name.csr with ca, valid from now for 2 days.
  auto sign = [&](const std::string& name, const std::string& ca, int serial) {
    openssl(d, {"x509", "-req", "-in", "@" + name + ".csr", "-CA", "@" + ca + ".crt", "-CAkey",
                "@" + ca + ".key", "-set_serial", std::to_string(serial), "-days", "2", "-sha256",
                "-out", "@" + name + ".crt"});
  };
  selfSignedCa("ca", "rfaplan test CA");
  selfSignedCa("other-ca", "rfaplan other test CA");
  request("server", "server", "127.0.0.1");
  sign("server", "ca", 1001);
  request("client", "client", "RFAPLAN");
  sign("client", "ca", 1002);
  request("foreign", "server", "127.0.0.1");
  sign("foreign", "other-ca", 2001);
  // Expired: "openssl ca" sets explicit dates (x509 -req cannot in OpenSSL 3.0).
  request("expired", "server", "127.0.0.1");
  fs::create_directories(d / "ca-db");
  std::ofstream(d / "ca-db" / "index.txt").flush();
  std::ofstream(d / "ca-db" / "serial") << "1003\n";
  std::ofstream(d / "ca.cnf") << "[ca]\ndefault_ca = test\n[test]\ndatabase = "
                              << (d / "ca-db" / "index.txt").string()
                              << "\nnew_certs_dir = " << (d / "ca-db").string()
                              << "\nserial = " << (d / "ca-db" / "serial").string()
                              << "\ndefault_md = sha256\npolicy = any\nunique_subject = no\n"
                                 "[any]\ncommonName = supplied\n";
  openssl(d, {"ca", "-batch", "-config", "@ca.cnf", "-cert", "@ca.crt", "-keyfile", "@ca.key",
              "-in", "@expired.csr", "-out", "@expired.crt", "-startdate", "20200101000000Z",
              "-enddate", "20200102000000Z", "-notext"});
  ca_cert = d / "ca.crt";
  other_ca_cert = d / "other-ca.crt";
  server_cert = d / "server.crt";
  server_key = d / "server.key";
  expired_cert = d / "expired.crt";
  expired_key = d / "server.key";
  foreign_cert = d / "foreign.crt";
  foreign_key = d / "server.key";
  client_cert = d / "client.crt";
  client_key = d / "client.key";
}

OpensslServer::OpensslServer(const fs::path& cert, const fs::path& key,
                             const std::vector<std::string>& extra_args) {
  port_ = OrthancServer::freePort();
  std::vector<std::string> args = {TestCertificates::executable(),
                                   "s_server",
                                   "-quiet",
                                   "-accept",
                                   "127.0.0.1:" + std::to_string(port_),
                                   "-cert",
                                   cert.string(),
                                   "-key",
                                   key.string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork() failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    const int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
      ::dup2(null_fd, 0);
      ::dup2(null_fd, 1);
      ::dup2(null_fd, 2);
    }
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  const auto t0 = std::chrono::steady_clock::now();
  while (!accepts(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("openssl s_server exited during start-up");
    }
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > 10) {
      throw std::runtime_error("openssl s_server did not listen within 10 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

OpensslServer::~OpensslServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

fs::path OrthancServer::executable() {
  if (const char* env = std::getenv("RFA_ORTHANC")) {
    if (*env) return env;
  }
  return "/usr/sbin/Orthanc";
}

bool OrthancServer::available() {
  return ::access(executable().c_str(), X_OK) == 0;
}

int OrthancServer::freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in a = loopback(0);
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind a free port on 127.0.0.1");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

OrthancServer::OrthancServer(const Options& options) : options_(options) {
  if (!available()) throw std::runtime_error(executable().string() + " not found");
  std::string last_failure;
  for (int attempt = 0; attempt < 3; ++attempt) {  // a port taken meanwhile: try other ports
    dir_ = std::make_unique<TempDir>();
    dicom_port_ = freePort();
    http_port_ = freePort();
    while (http_port_ == dicom_port_) http_port_ = freePort();
    const fs::path config = dir_->path() / "orthanc.json";
    {
      std::ofstream f(config);
      f << "{\n"
        << "  \"Name\": \"rfaplan-test\",\n"
        << "  \"StorageDirectory\": " << jsonString((dir_->path() / "storage").string()) << ",\n"
        << "  \"IndexDirectory\": " << jsonString((dir_->path() / "index").string()) << ",\n"
        << "  \"HttpPort\": " << http_port_ << ",\n"
        << "  \"DicomPort\": " << dicom_port_ << ",\n"
        << "  \"DicomAet\": " << jsonString(options_.aet) << ",\n"
        << "  \"RemoteAccessAllowed\": false,\n"
        << "  \"AuthenticationEnabled\": false,\n"
        << "  \"DicomCheckCalledAet\": " << (options_.check_called_aet ? "true" : "false") << ",\n"
        << "  \"DicomModalities\": { \"rfaplan\": [" << jsonString(options_.client_aet)
        << ", \"127.0.0.1\", " << options_.client_port << "] },\n"
        << tlsConfig(options_.tls) << "  \"Plugins\": [],\n"
        << "  \"SaveJobs\": false\n"
        << "}\n";
      if (!f) throw std::runtime_error("cannot write " + config.string());
    }
    const std::string log = (dir_->path() / "orthanc.log").string();
    const std::string exe = executable().string();
    const std::string cfg = config.string();
    // Orthanc's DCMTK too: without TCP_NODELAY=1 each DIMSE round trip waits for a delayed ACK.
    std::vector<std::string> env_strings = {"TCP_NODELAY=1"};
    for (char** e = environ; e && *e; ++e) {
      if (std::string(*e).rfind("TCP_NODELAY=", 0) != 0) env_strings.emplace_back(*e);
    }
    std::vector<char*> envp;
    for (std::string& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork() failed");
    if (pid == 0) {
      // Child: only async-signal-safe calls. Orthanc dies with the test process.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int null_fd = ::open("/dev/null", O_RDONLY);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      if (null_fd >= 0) ::dup2(null_fd, 0);
      char* const argv[] = {const_cast<char*>(exe.c_str()), const_cast<char*>(cfg.c_str()),
                            nullptr};
      ::execve(exe.c_str(), argv, envp.data());
      ::_exit(127);
    }
    pid_ = pid;
    const auto t0 = std::chrono::steady_clock::now();
    bool exited = false;
    while (true) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited = true;
        pid_ = -1;
        last_failure = "Orthanc exited during start-up (status " + std::to_string(status) + ")";
        break;
      }
      if (accepts(dicom_port_) && accepts(http_port_)) return;
      const double waited =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (waited > options_.startup_timeout_s) {
        last_failure = "Orthanc's DICOM port " + std::to_string(dicom_port_) +
                       " did not accept connections within " +
                       std::to_string(options_.startup_timeout_s) + " s";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    const std::string tail = logTail();
    stop();
    if (!exited) throw std::runtime_error(last_failure + "\n--- Orthanc log ---\n" + tail);
    last_failure += "\n--- Orthanc log ---\n" + tail;
  }
  throw std::runtime_error("cannot start Orthanc: " + last_failure);
}

OrthancServer::~OrthancServer() {
  stop();
}

void OrthancServer::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    const auto t0 = std::chrono::steady_clock::now();
    bool gone = false;
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() <
           options_.stop_grace_s) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        gone = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!gone) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
  }
}

std::string OrthancServer::logTail(std::size_t lines) const {
  if (!dir_) return {};
  std::ifstream f(dir_->path() / "orthanc.log");
  std::deque<std::string> last;
  std::string line;
  while (std::getline(f, line)) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const std::string& l : last) out += l + "\n";
  return out;
}

std::string OrthancServer::httpGet(const std::string& path) const {
  const int fd = connectLoopback(http_port_);
  if (fd < 0) return {};
  timeval tv{};
  tv.tv_sec = 5;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return {};
  }
  std::string resp;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) resp.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const std::size_t body = resp.find("\r\n\r\n");
  if (resp.rfind("HTTP/1.", 0) != 0 || resp.find(" 200 ") == std::string::npos ||
      body == std::string::npos) {
    return {};
  }
  return resp.substr(body + 4);
}

int OrthancServer::statistic(const std::string& name) const {
  const std::string body = httpGet("/statistics");
  const std::size_t k = body.find("\"" + name + "\"");
  if (k == std::string::npos) return -1;
  const std::size_t colon = body.find(':', k);
  if (colon == std::string::npos) return -1;
  std::size_t i = colon + 1;
  while (i < body.size() && (body[i] == ' ' || body[i] == '"')) ++i;
  return std::atoi(body.c_str() + i);
}

}  // namespace rfa::test
