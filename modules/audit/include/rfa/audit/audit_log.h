#pragma once
/// \file audit_log.h
/// \brief The audit trail: an append-only local log of what was done with patient data, one JSON
/// object per line ("JSON lines"): when (UTC), which user account, which program, the action
/// (open, save, export, send, retrieve, approve, reject, review, follow-up, ...), the DICOM UIDs
/// and SHA-256 hashes of the objects and files involved, and a few details without patient
/// data (no names, no patient IDs, no paths: a path may hold a name). Research use only: a local
/// record for the user's institution, not a tamper-proof log.
///
/// Crash safety: each event is one write(2) of one line to a file opened with O_APPEND, then
/// fsync; a process killed mid-write can at worst leave a last line without its newline, which
/// readLog() reports as torn and skips. The file is 0600 and the folders created for it 0700
/// (private_files.h).
///
/// Units and formats: times ISO 8601 UTC with milliseconds ("2027-01-05T10:20:30.123Z"); hashes
/// lowercase hex SHA-256.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace rfa::audit {

/// \brief Where the log is: $RFA_AUDIT_LOG when set ("off": no log), else
/// $XDG_STATE_HOME/rfaplan/audit.jsonl (absolute XDG_STATE_HOME), else
/// $HOME/.local/state/rfaplan/audit.jsonl; none when none of them is usable or it is "off".
std::optional<std::filesystem::path> defaultLogPath();

/// \brief The account running this process (the password database's name of the effective uid,
/// else $USER, else "uid <n>").
std::string currentUser();

/// \brief One event.
struct Event {
  std::string action;   ///< "open", "save", "export", "send", "retrieve", "approve", ...
  std::string program;  ///< "rfaplan" or "rfaplan-gui"
  /// DICOM UIDs by role, e.g. {"study": ..., "series": ..., "sop_instance": ...}.
  std::map<std::string, std::string> uids;
  /// SHA-256 by role, e.g. {"plan": <hash of the plan file>, "output": <hash of the export>}.
  std::map<std::string, std::string> sha256;
  /// Small details without patient data: session, revision, kind, PACS AE title, outcome.
  nlohmann::json details = nlohmann::json::object();
};

/// \brief The SHA-256 of a file's bytes; "" when it cannot be read.
std::string fileSha256(const std::filesystem::path& file);

/// \brief Appends `event` to `log` as one line stamped with `now`, `user` and the process id:
/// missing folders are created 0700, the file 0600. \throws WriteError naming the log when it
/// cannot be opened or written.
void append(const std::filesystem::path& log, const Event& event,
            std::chrono::system_clock::time_point now = std::chrono::system_clock::now(),
            const std::string& user = currentUser());

/// \brief append() to defaultLogPath() when there is one. An audit that cannot be written must
/// not lose the user's work: returns the reason instead of throwing (the caller shows it as a
/// warning); none on success or without a log.
std::optional<std::string> record(const Event& event);

/// \brief What readLog() found.
struct LogContents {
  std::vector<nlohmann::json> events;  ///< every complete line, in order
  int torn_lines = 0;                  ///< lines that are not a JSON object (a crash mid-write)
};

/// \brief Reads a log written by append(). \throws NotFoundError when it cannot be opened.
LogContents readLog(const std::filesystem::path& log);

}  // namespace rfa::audit
