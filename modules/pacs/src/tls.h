#pragma once
// Internal: DICOM TLS for one association (DCMTK dcmtls over OpenSSL), with the checks of the
// CA/certificate/key files and the texts that explain a failed handshake. Not installed.

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmtls/tlslayer.h>

#include <string>

#include "rfa/pacs/pacs.h"

namespace rfa::pacs::detail {

/// A client-side TLS transport layer for `node` (node.tls.enabled): Non-downgrading BCP 195
/// profile (TLS 1.2 or newer), the server certificate required and verified against
/// node.tls.ca_file, our certificate and key when given. Keeps the reason of the last
/// certificate verification failure of this thread (OpenSSL's verify callback) so that a failed
/// handshake can be explained.
class TlsLayer {
 public:
  /// Reads and checks the files. \throws NotFoundError (a file missing or unreadable),
  /// CorruptDataError (no PEM certificate / no unencrypted PEM private key in it), UsageError
  /// (certificate and key that do not belong together), NetworkError (OpenSSL set-up failed).
  explicit TlsLayer(const DicomNode& node);
  TlsLayer(const TlsLayer&) = delete;
  TlsLayer& operator=(const TlsLayer&) = delete;
  ~TlsLayer();

  /// The layer to hand to DcmSCU::useSecureConnection (owned here; must outlive the network).
  DcmTransportLayer* layer() { return &layer_; }

  /// Forgets the last verification failure; call before negotiating.
  static void resetVerifyFailure();

  /// Explains a failed association request over TLS: "TLS handshake with <node> failed:
  /// certificate verify failed: certificate has expired (...)" and the like, or "" when `cond`
  /// is not a TLS failure (then the caller's own explanation applies).
  [[nodiscard]] std::string explain(const OFCondition& cond) const;

 private:
  DicomNode node_;
  DcmTLSTransportLayer layer_;
};

/// True if something listens on node.host:node.port and answers a TLS ClientHello with a TLS
/// server handshake (certificate not checked, nothing sent after it). Used to explain why a
/// plain association was aborted. Waits at most node.timeout_s for each step.
bool peerSpeaksTls(const DicomNode& node);

}  // namespace rfa::pacs::detail
