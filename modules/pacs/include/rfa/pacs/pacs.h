#pragma once
/// \file pacs.h
/// \brief A DICOM network client (DCMTK dcmnet, DcmSCU) for one remote node: C-ECHO, C-FIND
/// (Study Root, study and series level), C-GET of one series (Study Root) and C-STORE of files.
///
/// Every call opens its own association(s), uses it and releases it; nothing is kept between
/// calls. Errors name the node as AE@host:port, the operation and the DIMSE status or the
/// reason the peer gave. Error classes (rfa/core/error.h):
/// - UsageError (exit 2): an invalid DicomNode or query value (checked before any network work);
/// - NetworkError (exit 11): no connection within the timeout, association rejected or aborted,
///   no accepted presentation context, a DIMSE failure status, no response within the timeout;
///   with DICOM TLS also: the server's certificate not trusted, expired or otherwise failing
///   verification ("certificate verify failed: certificate has expired"), a failed TLS handshake
///   (e.g. a plain DICOM port, no common TLS version), the peer refusing our client certificate;
///   without TLS: a peer that only speaks DICOM TLS on that port (detected and said so);
/// - NotFoundError (3) / CorruptDataError (5): a TLS CA, certificate or key file that does not
///   exist or cannot be read / holds no PEM certificate or unencrypted PEM private key (checked
///   before any network work, named in the message);
/// - NotFoundError (3) / NoDataError (4) / WriteError (8) as documented per function.
///
/// Threading: DCMTK's connection and socket read/write timeouts are process-wide settings that
/// each call sets, so calls with different `timeout_s` must not run concurrently. The first call sets SIGPIPE to "ignore"
/// when it still has its default action (a write to a peer that closed would otherwise end the
/// process), sets the environment variable TCP_NODELAY=1 unless it is set (DCMTK 3.6.7 otherwise
/// keeps Nagle's algorithm, and each DIMSE round trip waits about 40 ms for a delayed ACK) and
/// switches DCMTK's own logging off (errors come back as exceptions).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rfa::pacs {

/// \brief DICOM TLS (DICOM PS3.15 Annex B, "Secure Transport Connection Profiles") for every
/// association with a node: DCMTK dcmtls over OpenSSL 3 with the DICOM "Non-downgrading BCP 195"
/// profile: TLS 1.2 or newer only (TLS 1.3 where the peer has it), no fallback to TLS 1.0/1.1 or
/// to plain DICOM. The server's certificate must chain to a CA in `ca_file` and be valid now
/// (DCMTK DCV_requireCertificate: a server without a certificate is refused too). The server's
/// host name is not compared with its certificate (DCMTK does not do it; DICOM TLS peers are
/// usually identified by the CA). A client certificate is sent only when `cert_file` and
/// `key_file` are given (peers such as Orthanc with DicomTlsRemoteCertificateRequired need one).
/// All files are PEM; the private key must not be encrypted (no pass phrase prompt).
struct TlsOptions {
  bool enabled = false;  ///< use TLS; when false the other fields are ignored
  /// Trusted CA certificate(s), PEM, one or more concatenated. Required when enabled.
  std::filesystem::path ca_file;
  std::filesystem::path cert_file;  ///< our client certificate (PEM, optional; needs key_file)
  std::filesystem::path key_file;   ///< its private key (PEM, unencrypted; needs cert_file)
};

/// \brief The remote node (SCP) and how we present ourselves to it.
struct DicomNode {
  std::string called_ae = "ORTHANC";   ///< the peer's AE title (1-16 characters)
  std::string host = "127.0.0.1";      ///< host name or IPv4 address
  int port = 4242;                     ///< TCP port, 1-65535
  std::string calling_ae = "RFAPLAN";  ///< our AE title (1-16 characters)
  /// Seconds (1-3600) allowed for the TCP connection, for the association negotiation (the TLS
  /// handshake included: for each of its reads and writes), for each DIMSE message awaited from
  /// the peer and for each socket read or write.
  int timeout_s = 10;
  TlsOptions tls;  ///< DICOM TLS for every association (off by default: plain DICOM)
};

/// \brief "ORTHANC@127.0.0.1:4242": how messages name a node (the same with or without TLS).
std::string describeNode(const DicomNode& node);

/// \brief Checks the node without contacting it: AE titles of 1-16 characters of the DICOM AE
/// repertoire (no backslash or control characters, not only spaces), a host without spaces,
/// port 1-65535, timeout 1-3600 s; with TLS enabled a CA file, and a client certificate and key
/// given together (the files are read when an association is made, not here).
/// \throws UsageError naming the field and the value.
void validateNode(const DicomNode& node);

/// \brief C-ECHO (Verification). Returns the round-trip time in seconds (association included).
/// \throws UsageError, NetworkError.
double echo(const DicomNode& node);

/// \brief Query/retrieve level of a C-FIND.
enum class QueryLevel { kStudy, kSeries };

/// \brief Matching keys; an empty field is not a condition. Values are sent as given: DICOM
/// wildcards (`*`, `?`) work for names, ids and descriptions. At study level `modality` matches
/// ModalitiesInStudy. At series level without a study UID the peer must support relational
/// (non-hierarchical) queries, as Orthanc does.
struct QueryKeys {
  std::string patient_id;
  std::string patient_name;         ///< DICOM PN, e.g. "DOE^J*"
  std::string study_instance_uid;   ///< one UID (digits and dots, at most 64 characters)
  std::string series_instance_uid;  ///< one UID; series level only
  std::string accession_number;
  std::string study_date;  ///< "YYYYMMDD" or a range "YYYYMMDD-YYYYMMDD", "-YYYYMMDD", "YYYYMMDD-"
  std::string modality;    ///< e.g. "CT", "RTSTRUCT"
};

/// \brief One C-FIND match. Strings are as the peer returned them (trailing spaces removed,
/// converted to UTF-8 when the peer declared a character set); absent attributes stay empty.
struct FindResult {
  QueryLevel level = QueryLevel::kStudy;
  std::string patient_id, patient_name;
  std::string study_instance_uid, study_date, study_time, study_description, accession_number;
  std::vector<std::string> modalities_in_study;  ///< study level
  std::optional<int> number_of_series;           ///< study level, when the peer gives it
  std::string series_instance_uid, series_description, modality;  ///< series level
  std::optional<int> series_number;                               ///< series level
  /// NumberOfStudyRelatedInstances (study level) or NumberOfSeriesRelatedInstances (series
  /// level), when the peer gives it.
  std::optional<int> number_of_instances;
};

/// \brief C-FIND in the Study Root model at `level`. Results are sorted by study date, study UID,
/// series number and series UID. \throws UsageError for a malformed UID or date, or a series UID
/// at study level; NetworkError.
std::vector<FindResult> find(const DicomNode& node, QueryLevel level, const QueryKeys& keys);

/// \brief What a C-GET brought back.
struct GetResult {
  int received = 0;  ///< instances written to the output folder
  int failed = 0;    ///< sub-operations that failed (reported by the peer or refused by us)
  int warnings = 0;  ///< sub-operations that completed with a warning
  std::optional<int> expected;  ///< instances the peer listed for the series (IMAGE-level find)
  std::vector<std::filesystem::path> files;  ///< written files, sorted
  std::vector<std::string> problems;         ///< one line per failure or discrepancy
};

/// \brief C-GET (Study Root, SERIES level) of one series into `out_dir` (created if missing).
/// First an IMAGE-level C-FIND lists the SOP classes of the series, so that the storage
/// sub-operations are accepted for exactly those (with SCP role, one presentation context per
/// transfer syntax: uncompressed, JPEG, JPEG-LS, JPEG 2000, RLE, deflated, so that the peer can
/// send what it stores); when the peer does not return SOP classes, a fixed list is proposed
/// (CT, MR, PET, US, secondary capture, RT structure set/dose/plan, SEG, registration, SR, PDF).
/// Each instance is written as `<SOPInstanceUID>.dcm` in the transfer syntax it arrived in,
/// under a temporary name then renamed, so a file in `out_dir` is always complete. Instances of
/// another series, or with a SOP Instance UID that is not a valid UID, are refused (counted as
/// failed). `study_uid` may be empty: it is then found by a series-level C-FIND.
/// \throws UsageError for a malformed UID; NotFoundError when the node has no such series;
/// WriteError when `out_dir` cannot be created; NetworkError when the C-GET fails as a whole.
/// Failed sub-operations do not throw: see GetResult::failed and problems.
GetResult getSeries(const DicomNode& node, const std::string& study_uid,
                    const std::string& series_uid, const std::filesystem::path& out_dir);

/// \brief What a C-STORE run did.
struct StoreResult {
  int sent = 0;                       ///< instances the peer stored (success or warning status)
  int failed = 0;                     ///< instances not stored
  std::vector<std::string> failures;  ///< "<file>: <reason>" per failed instance
  std::vector<std::string> skipped;   ///< "<file>: <reason>" for files that are not DICOM
  std::vector<std::string> warnings;  ///< "<file>: <status>" stored with a warning status
};

/// \brief C-STORE of DICOM files. Folders are searched recursively (sorted, so the order is
/// stable); files are recognised by content, with or without extension; files that are not
/// DICOM (no SOP Class/Instance UID or unreadable) and DICOMDIR files are skipped with a note.
/// Presentation contexts are proposed per SOP class and transfer syntax found (uncompressed files
/// also offer the other uncompressed syntaxes, and are converted if the peer picks one); more
/// than 120 combinations are sent over several associations. A refused file does not stop the
/// others. \throws NotFoundError for a path that does not exist; NoDataError when no DICOM file
/// is found; NetworkError when no association can be made or it is lost.
StoreResult store(const DicomNode& node, const std::vector<std::filesystem::path>& files_or_dirs);

}  // namespace rfa::pacs
