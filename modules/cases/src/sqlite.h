#pragma once
// A thin RAII layer over the SQLite C API: a connection, prepared statements, transactions, and
// SQLite result codes turned into rfa::Error subclasses that name the database file.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace rfa::cases::detail {

/// \brief Throws the rfa::Error for SQLite result `rc`: CorruptDataError for a file that is not
/// a database or is corrupt, WriteError for I/O, disk full, read-only, locked or busy, Error
/// (internal) otherwise. The message is "<file>: <what>: <sqlite message>".
[[noreturn]] void throwSqlite(sqlite3* db, int rc, const std::filesystem::path& file,
                              const std::string& what);

/// One connection.
class Connection {
 public:
  /// Opens an existing file read-write (SQLITE_OPEN_READWRITE, no URI). \throws as throwSqlite.
  explicit Connection(const std::filesystem::path& file);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  [[nodiscard]] sqlite3* get() const { return db_; }
  [[nodiscard]] const std::filesystem::path& file() const { return file_; }
  /// Runs one or more statements without results. \throws as throwSqlite.
  void exec(const std::string& sql, const std::string& what) const;
  /// The first column of the first row of `sql` as text ("" when no row).
  [[nodiscard]] std::string queryText(const std::string& sql, const std::string& what) const;
  [[nodiscard]] std::int64_t queryInt(const std::string& sql, const std::string& what) const;

 private:
  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
};

/// One prepared statement; bind() indices are 1-based.
class Statement {
 public:
  Statement(const Connection& c, const std::string& sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& v);
  Statement& bind(int i, std::int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  /// Steps once: true when a row is available, false when done. \throws as throwSqlite.
  bool step();
  /// Steps to the end (a statement without rows).
  void run();
  void reset();
  [[nodiscard]] std::string text(int col) const;
  [[nodiscard]] std::int64_t int64(int col) const;
  [[nodiscard]] int integer(int col) const { return static_cast<int>(int64(col)); }
  [[nodiscard]] bool isNull(int col) const;

 private:
  const Connection& c_;
  std::string sql_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() ran.
class Transaction {
 public:
  explicit Transaction(const Connection& c);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  const Connection& c_;
  bool done_ = false;
};

}  // namespace rfa::cases::detail
