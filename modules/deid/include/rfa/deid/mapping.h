#pragma once
/// \file mapping.h
/// \brief The local de-identification key and mapping file: the secret from which every
/// replacement UID and patient pseudonym is derived (keyed SHA-256, so the same original always
/// gets the same replacement with the same file: a de-identified RT Structure Set references the
/// de-identified CT), and the table of replacements back to the originals for the site that keeps
/// the file. The file holds patient identifiers: it is created 0600 in a 0700 folder
/// (private_files.h), written atomically, and never exported (exports refuse a mapping file inside
/// their output folder).

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace rfa::deid {

/// \brief The default mapping file: $XDG_STATE_HOME/rfaplan/deid-mapping.json, else
/// $HOME/.local/state/rfaplan/deid-mapping.json. \throws UsageError when neither variable is set.
std::filesystem::path defaultMappingFile();

/// \brief A mapping file in memory. Derivation needs only the secret; the tables record what was
/// derived so that the keeper can re-identify.
class Mapping {
 public:
  /// \brief Reads `file`, or makes a new random secret when it does not exist (written by save()).
  /// \throws CorruptDataError naming the file and the member when it is not a mapping file;
  /// NotFoundError... never (a missing file is a new mapping).
  static Mapping openOrCreate(const std::filesystem::path& file);

  /// \brief A mapping with this secret that is never saved (tests, fuzzing).
  static Mapping inMemory(std::string secret_hex);

  /// \brief The replacement of `uid`: "2.25.<decimal>" of a UUID version 8 made of the first 16
  /// bytes of SHA-256(secret ":uid:" uid); recorded in the table. Empty in, empty out.
  std::string uid(std::string_view original);
  /// \brief The pseudonym of a patient ID: "RFA" + 10 upper-case hex digits of
  /// SHA-256(secret ":patient:" id); recorded in the table.
  std::string pseudonym(std::string_view patient_id);

  /// \brief Writes the file (0600 in a 0700 folder, atomically), merging the entries another
  /// process wrote since it was read. No-op for inMemory(). \throws WriteError naming the file.
  void save() const;

  [[nodiscard]] const std::filesystem::path& file() const { return file_; }
  /// replacement UID -> original
  [[nodiscard]] const std::map<std::string, std::string>& uids() const { return uids_; }
  /// pseudonym -> original patient ID
  [[nodiscard]] const std::map<std::string, std::string>& patients() const { return patients_; }

 private:
  std::filesystem::path file_;
  std::string secret_;
  std::map<std::string, std::string> uids_;
  std::map<std::string, std::string> patients_;
};

}  // namespace rfa::deid
