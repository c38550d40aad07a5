// Association set-up over DcmSCU, error texts, node validation, C-ECHO.
#include "association.h"

#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>
#include <dcmtk/dcmnet/dcmtrans.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/oflog/oflog.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <sstream>

#include "rfa/core/error.h"
#include "tls.h"

namespace rfa::pacs {
namespace detail {

std::vector<std::string> uncompressedSyntaxes() {
  return {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax};
}

std::string uidWithName(const std::string& uid) {
  const char* name = dcmFindNameOfUID(uid.c_str(), nullptr);
  return name ? uid + " (" + name + ")" : uid;
}

std::string statusText(std::uint16_t status, const char* text) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "0x%04X", static_cast<unsigned>(status));
  return std::string(hex) + " (" + (text ? text : "unknown status") + ")";
}

std::string conditionText(const OFCondition& cond) {
  // A composite condition's text holds one "module:code text" per line: keep the texts.
  std::istringstream in(cond.text());
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    if (line.size() > 10 && line[4] == ':' && line[9] == ' ') line = line.substr(10);
    if (line.empty()) continue;
    if (!out.empty()) out += ": ";
    out += line;
  }
  return out.empty() ? std::string("unknown error") : out;
}

bool isValidUid(const std::string& uid) {
  if (uid.empty() || uid.size() > 64) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = uid.find('.', start);
    const std::size_t end = dot == std::string::npos ? uid.size() : dot;
    if (end == start) return false;
    for (std::size_t i = start; i < end; ++i) {
      if (uid[i] < '0' || uid[i] > '9') return false;
    }
    if (end - start > 1 && uid[start] == '0') return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

std::string getString(DcmItem& ds, const DcmTagKey& tag) {
  OFString v;
  if (ds.findAndGetOFStringArray(tag, v).bad()) return {};
  std::string s = v.c_str();
  while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

void initNetworking() {
  static std::once_flag once;
  std::call_once(once, [] {
    OFLog::configure(OFLogger::OFF_LOG_LEVEL);
    // DCMTK 3.6.7 keeps Nagle's algorithm unless TCP_NODELAY=1: each small DIMSE message then
    // waits for a delayed ACK (about 40 ms a C-STORE on loopback). The environment decides if set.
    ::setenv("TCP_NODELAY", "1", 0);
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      std::signal(SIGPIPE, SIG_IGN);
    }
  });
}

namespace {

// DcmSCU keeps the reject parameters to itself: a second, minimal association request
// (Verification only, over `tls` when given) reads the result/source/reason the peer gives.
std::string probeRejectReason(const DicomNode& node, DcmTransportLayer* tls) {
  T_ASC_Network* net = nullptr;
  if (ASC_initializeNetwork(NET_REQUESTOR, 0, node.timeout_s, &net).bad()) return {};
  T_ASC_Parameters* params = nullptr;
  std::string reason;
  if (tls != nullptr && ASC_setTransportLayer(net, tls, OFFalse).bad()) {
    ASC_dropNetwork(&net);
    return {};
  }
  if (ASC_createAssociationParameters(&params, ASC_DEFAULTMAXPDU).good()) {
    if (tls != nullptr) ASC_setTransportLayerType(params, OFTrue);
    ASC_setAPTitles(params, node.calling_ae.c_str(), node.called_ae.c_str(), nullptr);
    const std::string peer = node.host + ":" + std::to_string(node.port);
    ASC_setPresentationAddresses(params, OFStandard::getHostName().c_str(), peer.c_str());
    const char* syntaxes[] = {UID_LittleEndianExplicitTransferSyntax,
                              UID_LittleEndianImplicitTransferSyntax};
    ASC_addPresentationContext(params, 1, UID_VerificationSOPClass, syntaxes, 2);
    T_ASC_Association* assoc = nullptr;
    const OFCondition cond = ASC_requestAssociation(net, params, &assoc);
    if (cond == DUL_ASSOCIATIONREJECTED) {
      T_ASC_RejectParameters rej;
      ASC_getRejectParameters(params, &rej);
      OFString text;
      ASC_printRejectParameters(text, &rej);
      std::istringstream in(text.c_str());
      std::string line;
      while (std::getline(in, line)) {
        if (line.empty()) continue;
        if (!reason.empty()) reason += ", ";
        reason += line;
      }
    } else if (cond.good()) {
      ASC_abortAssociation(assoc);
    }
    ASC_destroyAssociationParameters(&params);
    if (assoc) {
      assoc->params = nullptr;
      ASC_destroyAssociation(&assoc);
    }
  }
  ASC_dropNetwork(&net);
  return reason;
}

}  // namespace

TlsHolder::TlsHolder() = default;
TlsHolder::~TlsHolder() = default;

Association::Association(const DicomNode& node, std::string operation)
    : node_(node), operation_(std::move(operation)) {
  initNetworking();
  validateNode(node_);
  if (node_.tls.enabled) tls_ = std::make_unique<TlsLayer>(node_);
  setAETitle(node_.calling_ae.c_str());
  setPeerAETitle(node_.called_ae.c_str());
  setPeerHostName(node_.host.c_str());
  setPeerPort(static_cast<Uint16>(node_.port));
  setConnectionTimeout(node_.timeout_s);
  // Each socket read/write (process-wide in DCMTK, default 60 s): bounds the TLS handshake, which
  // the connection and ACSE timeouts do not cover.
  dcmSocketReceiveTimeout.set(node_.timeout_s);
  dcmSocketSendTimeout.set(node_.timeout_s);
  setACSETimeout(static_cast<Uint32>(node_.timeout_s));
  setDIMSEBlockingMode(DIMSE_NONBLOCKING);
  setDIMSETimeout(static_cast<Uint32>(node_.timeout_s));
  setMaxReceivePDULength(65536);
  setProgressNotificationMode(OFFalse);
}

Association::~Association() {
  if (isConnected()) abortAssociation();
}

void Association::open(const std::vector<Context>& contexts) {
  for (const Context& c : contexts) {
    OFList<OFString> ts;
    for (const std::string& t : c.transfer_syntaxes) ts.push_back(t.c_str());
    addPresentationContext(c.abstract_syntax.c_str(), ts, c.role);
  }
  const std::string who = describeNode(node_);
  OFCondition cond = initNetwork();
  if (cond.bad()) {
    throw NetworkError(operation_ + ": cannot prepare the network for " + who + ": " +
                       conditionText(cond));
  }
  if (tls_) {
    cond = useSecureConnection(tls_->layer());
    if (cond.bad()) {
      throw NetworkError(operation_ + ": cannot set up DICOM TLS for " + who + ": " +
                         conditionText(cond));
    }
    TlsLayer::resetVerifyFailure();
  }
  cond = negotiateAssociation();
  if (cond.good()) return;
  if (tls_) {
    const std::string text = tls_->explain(cond);
    if (!text.empty()) throw NetworkError(operation_ + ": " + text);
  }
  if (cond == DUL_ASSOCIATIONREJECTED) {
    const std::string reason = probeRejectReason(node_, tls_ ? tls_->layer() : nullptr);
    throw NetworkError(operation_ + ": association rejected by " + who + " (" +
                       (reason.empty() ? std::string("no reason given") : reason) +
                       "); check the called AE title '" + node_.called_ae +
                       "' and that the peer knows the calling AE title '" + node_.calling_ae + "'");
  }
  if (cond == NET_EC_NoAcceptablePresentationContexts) {
    std::string list;
    for (const Context& c : contexts) {
      if (c.role == ASC_SC_ROLE_SCP) continue;
      if (!list.empty()) list += ", ";
      list += uidWithName(c.abstract_syntax);
    }
    throw NetworkError(operation_ + ": " + who +
                       " accepted none of the proposed presentation contexts (" + list + ")");
  }
  std::string text = conditionText(cond);
  const bool unrecognized = text.find("Unrecognized PDU type") != std::string::npos;
  if (!tls_ && (cond == DUL_PEERABORTEDASSOCIATION || unrecognized) && peerSpeaksTls(node_)) {
    throw NetworkError(operation_ + ": " + who +
                       " expects DICOM TLS on this port (it answered a TLS handshake, and closed "
                       "the plain DICOM association): enable TLS and give the CA file that "
                       "signed its certificate");
  }
  if (cond == DUL_PEERABORTEDASSOCIATION) {
    throw NetworkError(operation_ + ": " + who + " aborted the association request");
  }
  if (unrecognized) {
    text += " (something answered that does not speak DICOM: check host and port)";
  }
  throw NetworkError(operation_ + ": cannot associate with " + who + " (timeout " +
                     std::to_string(node_.timeout_s) + " s): " + text);
}

T_ASC_PresentationContextID Association::requireContext(const std::string& abstract_syntax) {
  const T_ASC_PresentationContextID id = findAnyPresentationContextID(abstract_syntax.c_str(), "");
  if (id == 0) {
    throw NetworkError(operation_ + ": " + describeNode(node_) + " did not accept " +
                       uidWithName(abstract_syntax));
  }
  return id;
}

void Association::release() {
  if (isConnected()) releaseAssociation();
}

void Association::failDimse(const OFCondition& cond, const std::string& what) const {
  const std::string who = describeNode(node_);
  if (cond == DUL_PEERABORTEDASSOCIATION) {
    throw NetworkError(operation_ + ": " + who + " aborted the association during " + what +
                       " (the peer may not allow calling AE '" + node_.calling_ae +
                       "' to do this: check the peer's configuration, e.g. Orthanc's "
                       "DicomModalities)");
  }
  if (cond == DIMSE_NODATAAVAILABLE) {
    throw NetworkError(operation_ + ": no response from " + who + " within " +
                       std::to_string(node_.timeout_s) + " s during " + what);
  }
  throw NetworkError(operation_ + ": " + what + " with " + who + " failed: " + conditionText(cond));
}

OFCondition Association::handleSTORERequest(const T_ASC_PresentationContextID /*presID*/,
                                            DcmDataset* incomingObject,
                                            OFBool& /*continueCGETSession*/,
                                            Uint16& cStoreReturnStatus) {
  if (incomingObject == nullptr) return DIMSE_NULLKEY;
  if (store_handler_ == nullptr) {
    delete incomingObject;
    cStoreReturnStatus = STATUS_STORE_Refused_OutOfResources;
    return EC_Normal;
  }
  // Always EC_Normal: an error would end the C-GET session (DcmSCU); the status says it all.
  cStoreReturnStatus = store_handler_->onStore(incomingObject);
  return EC_Normal;
}

}  // namespace detail

std::string describeNode(const DicomNode& node) {
  return node.called_ae + "@" + node.host + ":" + std::to_string(node.port);
}

void validateNode(const DicomNode& node) {
  auto checkAe = [](const std::string& what, const std::string& ae) {
    if (ae.empty() || ae.size() > 16) {
      throw UsageError(what + " '" + ae + "' must have 1 to 16 characters");
    }
    if (ae.find_first_not_of(' ') == std::string::npos) {
      throw UsageError(what + " must not be only spaces");
    }
    for (const char c : ae) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u > 0x7e || c == '\\') {
        throw UsageError(what + " '" + ae +
                         "' has a character outside the DICOM AE repertoire (no backslash or "
                         "control characters)");
      }
    }
  };
  checkAe("called AE title", node.called_ae);
  checkAe("calling AE title", node.calling_ae);
  if (node.host.empty() || node.host.size() > 57 ||
      node.host.find_first_of(" \t\r\n") != std::string::npos) {
    throw UsageError("host '" + node.host +
                     "' is not a host name or address (1-57 characters, no spaces)");
  }
  if (node.port < 1 || node.port > 65535) {
    throw UsageError("port " + std::to_string(node.port) + " is outside 1-65535");
  }
  if (node.timeout_s < 1 || node.timeout_s > 3600) {
    throw UsageError("timeout " + std::to_string(node.timeout_s) + " s is outside 1-3600 s");
  }
  if (node.tls.enabled) {
    if (node.tls.ca_file.empty()) {
      throw UsageError("DICOM TLS needs a CA file (PEM) to verify the server's certificate");
    }
    if (node.tls.cert_file.empty() != node.tls.key_file.empty()) {
      throw UsageError(node.tls.cert_file.empty()
                           ? "TLS private key '" + node.tls.key_file.string() +
                                 "' given without a client certificate"
                           : "TLS client certificate '" + node.tls.cert_file.string() +
                                 "' given without its private key");
    }
  }
}

double echo(const DicomNode& node) {
  const auto t0 = std::chrono::steady_clock::now();
  detail::Association a(node, "C-ECHO");
  a.open({{UID_VerificationSOPClass, detail::uncompressedSyntaxes(), ASC_SC_ROLE_DEFAULT}});
  const T_ASC_PresentationContextID pc = a.requireContext(UID_VerificationSOPClass);
  const OFCondition cond = a.sendECHORequest(pc);
  if (cond.bad()) a.failDimse(cond, "C-ECHO");
  a.release();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace rfa::pacs
