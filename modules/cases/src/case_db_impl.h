#pragma once
// The private state of a CaseDatabase and helpers shared by its writing and reading halves.
#include <filesystem>
#include <string>

#include "rfa/cases/case_db.h"
#include "sqlite.h"

namespace rfa::cases {

struct CaseDatabase::Impl {
  explicit Impl(const std::filesystem::path& f) : file(f), conn(f) {}
  std::filesystem::path file;
  detail::Connection conn;
};

namespace detail {

/// The current time, ISO 8601 UTC ("2027-01-05T10:20:30Z").
std::string nowUtc();

/// True when `date` is a valid yyyy-mm-dd.
bool isDate(const std::string& date);

/// The open events of every case (timeline events and labs reminders, without the RFA, technical
/// success imaging and labs of a session done), as a WITH clause named open_ev with columns plan,
/// ord (timeline order), day, date, kind, session, cycle, text; `all_ev` has them all.
extern const char* const kEventsCte;

}  // namespace detail
}  // namespace rfa::cases
