// SQLite wrapper of the case database: result codes to rfa errors, statements, transactions.
#include "sqlite.h"

#include "rfa/core/error.h"

namespace rfa::cases::detail {

void throwSqlite(sqlite3* db, int rc, const std::filesystem::path& file, const std::string& what) {
  const int primary = rc & 0xff;
  const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const std::string message = file.string() + ": " + what + ": " + detail;
  switch (primary) {
    case SQLITE_NOTADB:
      throw CorruptDataError(file.string() + ": not an SQLite database (" + detail + ")");
    case SQLITE_CORRUPT:
      throw CorruptDataError(file.string() + ": the case database is corrupt (" + what + ": " +
                             detail + ")");
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
      throw WriteError(message);
    default:
      throw Error(ExitCode::kInternal, message);
  }
}

Connection::Connection(const std::filesystem::path& file) : file_(file) {
  const int rc =
      sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    const std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
      throw CorruptDataError(file.string() + ": not an SQLite database (" + detail + ")");
    }
    throw WriteError("cannot open the case database " + file.string() + ": " + detail);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() {
  sqlite3_close_v2(db_);
}

void Connection::exec(const std::string& sql, const std::string& what) const {
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throwSqlite(db_, rc, file_, what);
}

std::string Connection::queryText(const std::string& sql, const std::string& what) const {
  try {
    Statement s(*this, sql);
    return s.step() ? s.text(0) : std::string();
  } catch (const Error& e) {
    if (e.code() == ExitCode::kInternal) throw Error(ExitCode::kInternal, what + ": " + e.what());
    throw;
  }
}

std::int64_t Connection::queryInt(const std::string& sql, const std::string& what) const {
  try {
    Statement s(*this, sql);
    return s.step() ? s.int64(0) : 0;
  } catch (const Error& e) {
    if (e.code() == ExitCode::kInternal) throw Error(ExitCode::kInternal, what + ": " + e.what());
    throw;
  }
}

Statement::Statement(const Connection& c, const std::string& sql) : c_(c), sql_(sql) {
  const int rc =
      sqlite3_prepare_v2(c_.get(), sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) throwSqlite(c_.get(), rc, c_.file(), "preparing a query");
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int i, const std::string& v) {
  const int rc =
      sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) throwSqlite(c_.get(), rc, c_.file(), "binding a value");
  return *this;
}

Statement& Statement::bind(int i, std::int64_t v) {
  const int rc = sqlite3_bind_int64(stmt_, i, v);
  if (rc != SQLITE_OK) throwSqlite(c_.get(), rc, c_.file(), "binding a value");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throwSqlite(c_.get(), rc, c_.file(), "running a query");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_, col);
  if (t == nullptr) return {};
  return {reinterpret_cast<const char*>(t),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))};
}

std::int64_t Statement::int64(int col) const {
  return sqlite3_column_int64(stmt_, col);
}

bool Statement::isNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

Transaction::Transaction(const Connection& c) : c_(c) {
  c_.exec("BEGIN IMMEDIATE", "starting a transaction");
}

Transaction::~Transaction() {
  if (!done_) sqlite3_exec(c_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  c_.exec("COMMIT", "committing");
  done_ = true;
}

}  // namespace rfa::cases::detail
