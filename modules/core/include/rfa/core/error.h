#pragma once
/// \file error.h
/// \brief Typed errors thrown at library boundaries, each carrying the process exit code that the
/// `rfaplan` CLI returns for it. Libraries never call exit(); the CLI maps these to exit codes.

#include <stdexcept>
#include <string>

namespace rfa {

/// \brief Documented exit codes of the rfaplan command line (README "Exit codes").
enum class ExitCode : int {
  kOk = 0,               ///< success
  kInternal = 1,         ///< unexpected internal error (a bug: please report)
  kUsage = 2,            ///< bad command-line usage or option value
  kNotFound = 3,         ///< input path does not exist or cannot be read
  kNoData = 4,           ///< no usable data: empty folder, not a DICOM/volume file, no image series
  kCorrupt = 5,          ///< DICOM or volume file is truncated or malformed
  kGeometry = 6,         ///< slices/volume geometry cannot form a valid volume
  kUnsupported = 7,      ///< valid input that rfaplan does not support (e.g. a transfer syntax)
  kWriteFailed = 8,      ///< an output file could not be written
  kSeriesSelection = 9,  ///< several series and none chosen, or --series UID not found
  kPlanRule = 10,        ///< a plan breaks a rule of its profile or is inconsistent (plan-check)
  kNetwork = 11,         ///< network/peer failure: no connection, association rejected, DIMSE error
};

/// \brief Base of all rfaplan errors. what() names the file/tag/value at fault.
class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

/// \brief A parameter value out of its range (power <= 0, unknown option value).
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& m) : Error(ExitCode::kUsage, m) {}
};
/// \brief Input path missing or unreadable.
class NotFoundError : public Error {
 public:
  explicit NotFoundError(const std::string& m) : Error(ExitCode::kNotFound, m) {}
};
/// \brief Nothing usable in the input (empty folder, not DICOM, no images).
class NoDataError : public Error {
 public:
  explicit NoDataError(const std::string& m) : Error(ExitCode::kNoData, m) {}
};
/// \brief Truncated or malformed file.
class CorruptDataError : public Error {
 public:
  explicit CorruptDataError(const std::string& m) : Error(ExitCode::kCorrupt, m) {}
};
/// \brief Invalid or inconsistent geometry (spacing, orientation, positions).
class GeometryError : public Error {
 public:
  explicit GeometryError(const std::string& m) : Error(ExitCode::kGeometry, m) {}
};
/// \brief Valid input that is not supported.
class UnsupportedError : public Error {
 public:
  explicit UnsupportedError(const std::string& m) : Error(ExitCode::kUnsupported, m) {}
};
/// \brief Output could not be written.
class WriteError : public Error {
 public:
  explicit WriteError(const std::string& m) : Error(ExitCode::kWriteFailed, m) {}
};
/// \brief Series selection failed (ambiguous or unknown SeriesInstanceUID).
class SelectionError : public Error {
 public:
  explicit SelectionError(const std::string& m) : Error(ExitCode::kSeriesSelection, m) {}
};

/// \brief A well-formed plan that breaks a rule of its protocol profile or contradicts itself
/// (session sizes, volume limits, margins, unknown lesion ids).
class PlanRuleError : public Error {
 public:
  explicit PlanRuleError(const std::string& m) : Error(ExitCode::kPlanRule, m) {}
};

/// \brief A DICOM network peer could not be reached or refused or failed an operation (connection
/// refused or timed out, association rejected or aborted, DIMSE failure status).
class NetworkError : public Error {
 public:
  explicit NetworkError(const std::string& m) : Error(ExitCode::kNetwork, m) {}
};

}  // namespace rfa
