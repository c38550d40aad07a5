#pragma once
// Internal: one association with a DICOM node over DCMTK's DcmSCU, with errors that name the
// node, the operation and the reason. Not installed; used by echo/find/get/store.

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmnet/scu.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rfa/pacs/pacs.h"

namespace rfa::pacs::detail {

class TlsLayer;

/// One presentation context to propose.
struct Context {
  std::string abstract_syntax;
  std::vector<std::string> transfer_syntaxes;
  T_ASC_SC_ROLE role = ASC_SC_ROLE_DEFAULT;
};

/// Uncompressed syntaxes, preferred first (explicit LE, implicit LE).
std::vector<std::string> uncompressedSyntaxes();

/// "1.2.840.10008.5.1.4.1.1.2 (CT Image Storage)" or the UID alone when DCMTK has no name.
std::string uidWithName(const std::string& uid);

/// DIMSE status as "0xA900 (<text>)" with `text` from DCMTK's status tables.
std::string statusText(std::uint16_t status, const char* text);

/// One line from a (possibly nested) DCMTK condition, without the module:code prefixes.
std::string conditionText(const OFCondition& cond);

/// True if `uid` is a syntactically valid UID (digits and dots, 1-64 characters, no empty or
/// leading-zero component).
bool isValidUid(const std::string& uid);

/// Value of `tag` in `ds` without trailing spaces, "" when absent.
std::string getString(DcmItem& ds, const DcmTagKey& tag);

/// Once per process: DCMTK logging off, SIGPIPE ignored when still at its default action.
void initNetworking();

/// Holds the TLS layer of an Association. A base class listed before DcmSCU, so that the layer
/// is built before and destroyed after DcmSCU's network, which keeps a pointer to it.
struct TlsHolder {
  TlsHolder();
  ~TlsHolder();
  TlsHolder(const TlsHolder&) = delete;
  TlsHolder& operator=(const TlsHolder&) = delete;
  std::unique_ptr<TlsLayer> tls_;
};

/// A DcmSCU configured for `node` and opened with `contexts`, over DICOM TLS when
/// node.tls.enabled. The destructor aborts an association that is still open. Overrides the
/// C-GET storage handler so that received instances go through `onStore` (set by getSeries).
class Association : private TlsHolder, public DcmSCU {
 public:
  /// \throws UsageError (invalid node), NotFoundError/CorruptDataError/UsageError (TLS files,
  /// see TlsLayer).
  Association(const DicomNode& node, std::string operation);
  ~Association() override;
  Association(const Association&) = delete;
  Association& operator=(const Association&) = delete;

  /// Negotiates. \throws NetworkError (refused, timed out, rejected with the peer's reason, no
  /// accepted context; TLS: certificate verification or handshake failed, a plain peer; plain:
  /// a peer that only speaks TLS).
  void open(const std::vector<Context>& contexts);

  /// Accepted presentation context for `abstract_syntax` (any transfer syntax), or
  /// \throws NetworkError naming the SOP class when the peer accepted none.
  T_ASC_PresentationContextID requireContext(const std::string& abstract_syntax);

  /// Releases the association (errors ignored: the work is done).
  void release();

  /// \throws NetworkError "<operation> on <node> failed: <reason>" for a failed DIMSE exchange,
  /// explaining an abort by the peer and a timeout.
  [[noreturn]] void failDimse(const OFCondition& cond, const std::string& what) const;

  [[nodiscard]] const DicomNode& node() const { return node_; }
  [[nodiscard]] const std::string& operation() const { return operation_; }

  /// Called for each instance received during a C-GET; takes ownership of `dataset` and returns
  /// the C-STORE status to answer. Without a handler, instances are refused.
  struct StoreHandler {
    virtual ~StoreHandler() = default;
    virtual std::uint16_t onStore(DcmDataset* dataset) = 0;
  };
  void setStoreHandler(StoreHandler* handler) { store_handler_ = handler; }

  /// DcmSCU hook for a C-STORE request received during C-GET: hands the dataset to the handler.
  OFCondition handleSTORERequest(const T_ASC_PresentationContextID presID,
                                 DcmDataset* incomingObject, OFBool& continueCGETSession,
                                 Uint16& cStoreReturnStatus) override;

 private:
  DicomNode node_;
  std::string operation_;
  StoreHandler* store_handler_ = nullptr;
};

/// Opens an association with `operation` as its name, sends one Study Root C-FIND with `query`
/// and returns the matches (datasets converted to UTF-8 where the peer declared a character
/// set). \throws NetworkError for a failed exchange or a failure status of the final response.
std::vector<std::unique_ptr<DcmDataset>> studyRootFind(const DicomNode& node,
                                                       const std::string& operation,
                                                       DcmDataset& query);

}  // namespace rfa::pacs::detail
