// DICOM TLS: the transport layer for an association, file checks, handshake failure texts and a
// probe for peers that speak TLS when plain DICOM was asked.
#include "tls.h"

#include <dcmtk/dcmnet/cond.h>
#include <dcmtk/dcmtls/tlscond.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fcntl.h>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <memory>
#include <system_error>

#include "association.h"
#include "rfa/core/error.h"

namespace rfa::pacs::detail {
namespace {

namespace fs = std::filesystem;

// The first certificate verification failure of the current handshake on this thread (the
// handshake runs in the thread that negotiates the association).
struct VerifyFailure {
  int error = X509_V_OK;
  int depth = 0;
  std::string subject;
  std::string not_before;
  std::string not_after;
};
thread_local VerifyFailure t_verify_failure;

std::string asn1Time(const ASN1_TIME* t) {
  if (t == nullptr) return {};
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return {};
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string x509Name(const X509_NAME* name) {
  if (name == nullptr) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return {};
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

// OpenSSL's verify callback (replaces DCMTK's, which only logs): records the first failure.
int verifyCallback(int ok, X509_STORE_CTX* ctx) {
  if (ok == 0 && t_verify_failure.error == X509_V_OK) {
    VerifyFailure& f = t_verify_failure;
    f.error = X509_STORE_CTX_get_error(ctx);
    f.depth = X509_STORE_CTX_get_error_depth(ctx);
    if (const X509* cert = X509_STORE_CTX_get_current_cert(ctx)) {
      f.subject = x509Name(X509_get_subject_name(cert));
      f.not_before = asn1Time(X509_get0_notBefore(cert));
      f.not_after = asn1Time(X509_get0_notAfter(cert));
    }
  }
  return ok;
}

// A file we are to read: exists, is a regular file, can be opened. \throws NotFoundError.
void requireReadable(const fs::path& file, const std::string& what) {
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    throw NotFoundError(what + " '" + file.string() + "' does not exist");
  }
  if (fs::is_directory(file, ec)) {
    throw NotFoundError(what + " '" + file.string() + "' is a folder, not a file");
  }
  std::ifstream f(file, std::ios::binary);
  if (!f) throw NotFoundError(what + " '" + file.string() + "' cannot be read");
}

using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

BioPtr openBio(const fs::path& file, const std::string& what) {
  BioPtr bio(BIO_new_file(file.c_str(), "rb"), &BIO_free);
  if (!bio) throw NotFoundError(what + " '" + file.string() + "' cannot be read");
  return bio;
}

// Number of PEM certificates in `file`. \throws NotFoundError, CorruptDataError when none.
int countCertificates(const fs::path& file, const std::string& what) {
  requireReadable(file, what);
  BioPtr bio = openBio(file, what);
  int n = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    X509_free(cert);
    ++n;
  }
  ERR_clear_error();  // the end of the file reads as an error
  if (n == 0) {
    throw CorruptDataError(what + " '" + file.string() +
                           "' holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")");
  }
  return n;
}

// A pass phrase callback that gives none: an encrypted key fails instead of prompting.
int noPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
  return 0;
}

// Checks that the certificate and the unencrypted key in the two files belong together.
void checkCertificateAndKey(const fs::path& cert_file, const fs::path& key_file) {
  countCertificates(cert_file, "TLS client certificate file");
  requireReadable(key_file, "TLS private key file");
  BioPtr cert_bio = openBio(cert_file, "TLS client certificate file");
  std::unique_ptr<X509, decltype(&X509_free)> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), &X509_free);
  BioPtr key_bio = openBio(key_file, "TLS private key file");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, &noPassphrase, nullptr), &EVP_PKEY_free);
  ERR_clear_error();
  if (!key) {
    throw CorruptDataError("TLS private key file '" + key_file.string() +
                           "' holds no unencrypted PEM private key (an encrypted key is not "
                           "supported: decrypt it, e.g. openssl pkey -in KEY -out KEY.pem)");
  }
  if (!cert || X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    throw UsageError("TLS private key '" + key_file.string() +
                     "' does not belong to the client certificate '" + cert_file.string() + "'");
  }
}

// A hint for verification errors that mean "not issued by a CA we trust".
bool isUntrustedIssuer(int error) {
  return error == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
         error == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
         error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
         error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
         error == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE;
}

struct FdCloser {
  int fd = -1;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// A TCP connection to host:port within timeout_s, or -1.
int connectWithin(const std::string& host, int port, int timeout_s) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) return -1;
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(res, &freeaddrinfo);
  for (const addrinfo* a = res; a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    FdCloser guard{fd};
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) continue;
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, timeout_s * 1000) != 1) continue;
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) continue;
    }
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) continue;
    timeval tv{};
    tv.tv_sec = timeout_s;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    guard.fd = -1;
    return fd;
  }
  return -1;
}

}  // namespace

TlsLayer::TlsLayer(const DicomNode& node) : node_(node), layer_(NET_REQUESTOR, nullptr, OFTrue) {
  const TlsOptions& o = node_.tls;
  countCertificates(o.ca_file, "TLS CA file");
  const bool client_cert = !o.cert_file.empty();
  if (client_cert) checkCertificateAndKey(o.cert_file, o.key_file);

  auto fail = [](const std::string& what, const OFCondition& cond) {
    ERR_clear_error();
    throw NetworkError("TLS: " + what + ": " + conditionText(cond));
  };
  if (!layer_) fail("cannot create the TLS layer", DCMTLS_EC_FailedToCreateTLSTransportLayer);
  // Non-downgrading BCP 195: TLS 1.2 or newer only, the BCP 195 cipher suites for TLS 1.2.
  OFCondition cond = layer_.setTLSProfile(TSP_Profile_BCP195_ND);
  if (cond.bad()) fail("cannot select the BCP 195 profile", cond);
  cond = layer_.activateCipherSuites();
  if (cond.bad()) fail("cannot activate the BCP 195 cipher suites", cond);
  cond = layer_.addTrustedCertificateFile(o.ca_file.c_str(), DCF_Filetype_PEM);
  if (cond.bad()) {
    ERR_clear_error();
    throw CorruptDataError("TLS CA file '" + o.ca_file.string() +
                           "' cannot be loaded: " + conditionText(cond));
  }
  if (client_cert) {
    cond = layer_.setPrivateKeyFile(o.key_file.c_str(), DCF_Filetype_PEM);
    if (cond.bad()) {
      ERR_clear_error();
      throw CorruptDataError("TLS private key file '" + o.key_file.string() +
                             "' cannot be loaded: " + conditionText(cond));
    }
    cond = layer_.setCertificateFile(o.cert_file.c_str(), DCF_Filetype_PEM);
    if (cond.bad()) {
      ERR_clear_error();
      throw CorruptDataError("TLS client certificate file '" + o.cert_file.string() +
                             "' cannot be loaded: " + conditionText(cond));
    }
    if (!layer_.checkPrivateKeyMatchesCertificate()) {
      ERR_clear_error();
      throw UsageError("TLS private key '" + o.key_file.string() +
                       "' does not belong to the client certificate '" + o.cert_file.string() +
                       "'");
    }
  }
  // The server must present a certificate that chains to the CA file and is valid now.
  layer_.setCertificateVerification(DCV_requireCertificate);
  SSL_CTX* ctx = layer_.getNativeHandle();
  if (ctx == nullptr) fail("no OpenSSL context", DCMTLS_EC_FailedToCreateTLSTransportLayer);
  SSL_CTX_set_verify(ctx, SSL_CTX_get_verify_mode(ctx), &verifyCallback);
}

TlsLayer::~TlsLayer() = default;

void TlsLayer::resetVerifyFailure() {
  t_verify_failure = VerifyFailure{};
}

std::string TlsLayer::explain(const OFCondition& cond) const {
  const std::string who = describeNode(node_);
  const VerifyFailure& f = t_verify_failure;
  if (f.error != X509_V_OK) {
    std::string text = "TLS handshake with " + who + " failed: certificate verify failed: " +
                       X509_verify_cert_error_string(f.error);
    std::string cert = f.depth == 0 ? "the server's certificate" : "the CA certificate it sent";
    if (!f.subject.empty()) cert += " '" + f.subject + "'";
    const std::string ca_file = "the TLS CA file '" + node_.tls.ca_file.string() + "'";
    if (f.error == X509_V_ERR_CERT_HAS_EXPIRED) {
      text += " (" + cert + " was valid until " + f.not_after + ")";
    } else if (f.error == X509_V_ERR_CERT_NOT_YET_VALID) {
      text += " (" + cert + " is valid from " + f.not_before + ")";
    } else if (isUntrustedIssuer(f.error) && f.depth == 0) {
      text += " (" + cert + " is not issued by a CA in " + ca_file + ")";
    } else if (isUntrustedIssuer(f.error)) {
      text += " (the server's certificate chains to '" + f.subject + "', which is not a CA in " +
              ca_file + ")";
    } else {
      text +=
          " (" + cert + ", checked against the TLS CA file '" + node_.tls.ca_file.string() + "')";
    }
    return text;
  }
  if (cond == DCMTLS_EC_TLSReadOperationDidNotComplete ||
      cond == DCMTLS_EC_TLSWriteOperationDidNotComplete) {
    return "TLS handshake with " + who + " failed: no answer within " +
           std::to_string(node_.timeout_s) + " s (check host and port, and that " + who +
           " speaks DICOM TLS on this port)";
  }
  if (cond.module() == OFM_dcmtls) {
    std::string text = conditionText(cond);
    if (cond == DCMTLS_EC_OpenSSLIOError || cond == DCMTLS_EC_TLSConnectionClosedByPeer) {
      text = "the peer closed the connection during the TLS handshake";
    }
    return "TLS handshake with " + who + " failed: " + text + " (check that " + who +
           " speaks DICOM TLS on this port, with TLS 1.2 or newer; a plain DICOM port does not)";
  }
  // After a completed handshake (TLS 1.3: before the server checked our certificate) the peer
  // drops the connection: an abort, or a reset while we send the association request.
  const bool dropped = cond == DUL_PEERABORTEDASSOCIATION || cond == DUL_NETWORKCLOSED ||
                       (cond.module() == OFM_dcmnet && cond.code() == DULC_TCPIOERROR);
  if (dropped) {
    return who + " aborted the association after the TLS handshake" +
           (node_.tls.cert_file.empty()
                ? std::string(" (it may require a client certificate: give a TLS certificate "
                              "and key)")
                : " (it may not trust our client certificate '" + node_.tls.cert_file.string() +
                      "', or not know the calling AE title '" + node_.calling_ae + "')");
  }
  return {};
}

bool peerSpeaksTls(const DicomNode& node) {
  FdCloser fd{connectWithin(node.host, node.port, node.timeout_s)};
  if (fd.fd < 0) return false;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        &SSL_CTX_free);
  if (!ctx) return false;
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), &SSL_free);
  if (!ssl || SSL_set_fd(ssl.get(), fd.fd) != 1) return false;
  const int rc = SSL_connect(ssl.get());
  // A server certificate arrived: the peer speaks TLS (even if it then wants ours).
  const bool tls = rc == 1 || SSL_get_peer_cert_chain(ssl.get()) != nullptr;
  if (rc == 1) SSL_shutdown(ssl.get());
  ERR_clear_error();
  return tls;
}

}  // namespace rfa::pacs::detail
