#pragma once
// The case database schema: the ordered migrations from an empty file (user_version 0) to
// kSchemaVersion, each applied in its own transaction.
#include "sqlite.h"

namespace rfa::cases::detail {

/// \brief Brings the schema of `c` to kSchemaVersion: each step whose version is above the file's
/// PRAGMA user_version runs in one BEGIN IMMEDIATE transaction that re-reads the version first
/// (another process may have migrated meanwhile) and sets user_version to the step's version.
/// \throws UnsupportedError naming the file and both versions when the file's version is newer
/// than kSchemaVersion; as throwSqlite() when a step fails (the step is rolled back).
void migrate(const Connection& c);

/// \brief Reads the schema version (the first read of the file).
/// \throws UnsupportedError as migrate(); CorruptDataError when the file is not a database.
void requireKnownVersion(const Connection& c);

/// PRAGMA user_version of `c`.
int userVersion(const Connection& c);

}  // namespace rfa::cases::detail
