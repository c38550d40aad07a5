// The de-identification key and mapping file (mapping.h).
#include "rfa/deid/mapping.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/core/private_files.h"
#include "rfa/core/sha256.h"
#include "rfa/core/uid.h"

namespace rfa::deid {
namespace {

namespace fs = std::filesystem;
constexpr const char* kFormat = "rfaplan-deid-mapping";

std::string env(const char* name) {
  const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read at start-up only
  return v != nullptr ? std::string(v) : std::string();
}

std::string randomSecret() {
  std::random_device rd;
  std::ostringstream s;
  for (int i = 0; i < 8; ++i) {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
    s << buf;
  }
  return s.str();
}

std::uint64_t hexWord(const std::string& hex, std::size_t at) {
  return std::stoull(hex.substr(at, 16), nullptr, 16);
}

struct Contents {
  std::string secret;
  std::map<std::string, std::string> uids, patients;
};

// Reads a mapping file; nullopt when it does not exist.
std::optional<Contents> readFile(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw CorruptDataError("cannot read the de-identification mapping " + file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  const auto bad = [&](const std::string& what) {
    return CorruptDataError("de-identification mapping " + file.string() + ": " + what);
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("not JSON (") + e.what() + ")");
  }
  if (!j.is_object() || j.value("format", std::string()) != kFormat) {
    throw bad(std::string("\"format\" is not \"") + kFormat + "\"");
  }
  Contents c;
  const auto secret = j.find("secret");
  if (secret == j.end() || !secret->is_string() || secret->get<std::string>().size() != 64 ||
      secret->get<std::string>().find_first_not_of("0123456789abcdef") != std::string::npos) {
    throw bad("\"secret\" is not 64 lower-case hexadecimal digits");
  }
  c.secret = secret->get<std::string>();
  for (const char* member : {"uids", "patients"}) {
    auto& table = std::string(member) == "uids" ? c.uids : c.patients;
    const auto t = j.find(member);
    if (t == j.end()) continue;
    if (!t->is_object()) throw bad(std::string("\"") + member + "\" is not an object");
    for (const auto& [k, v] : t->items()) {
      if (!v.is_string()) throw bad(std::string("\"") + member + "\"/" + k + " is not a string");
      table[k] = v.get<std::string>();
    }
  }
  return c;
}

}  // namespace

fs::path defaultMappingFile() {
  if (const std::string state = env("XDG_STATE_HOME"); !state.empty() && state.front() == '/') {
    return fs::path(state) / "rfaplan" / "deid-mapping.json";
  }
  if (const std::string home = env("HOME"); !home.empty()) {
    return fs::path(home) / ".local" / "state" / "rfaplan" / "deid-mapping.json";
  }
  throw UsageError(
      "no place for the de-identification mapping: set HOME or XDG_STATE_HOME, or give --mapping "
      "FILE");
}

Mapping Mapping::openOrCreate(const fs::path& file) {
  Mapping m;
  m.file_ = file;
  if (auto c = readFile(file)) {
    m.secret_ = c->secret;
    m.uids_ = std::move(c->uids);
    m.patients_ = std::move(c->patients);
  } else {
    m.secret_ = randomSecret();
  }
  return m;
}

Mapping Mapping::inMemory(std::string secret_hex) {
  Mapping m;
  m.secret_ = std::move(secret_hex);
  return m;
}

std::string Mapping::uid(std::string_view original) {
  if (original.empty()) return {};
  const std::string key = secret_ + ":uid:" + std::string(original);
  const std::string h = sha256Hex(key.data(), key.size());
  std::string u = makeUidFromBits(hexWord(h, 0), hexWord(h, 16));
  uids_.emplace(u, std::string(original));
  return u;
}

std::string Mapping::pseudonym(std::string_view patient_id) {
  const std::string key = secret_ + ":patient:" + std::string(patient_id);
  std::string h = sha256Hex(key.data(), key.size()).substr(0, 10);
  for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string p = "RFA" + h;
  patients_.emplace(p, std::string(patient_id));
  return p;
}

void Mapping::save() const {
  if (file_.empty()) return;
  Contents merged;
  merged.secret = secret_;
  if (auto c = readFile(file_)) {
    if (c->secret != secret_) {
      throw WriteError("cannot write the de-identification mapping " + file_.string() +
                       ": another key was written there since it was read (not merged)");
    }
    merged = std::move(*c);
  }
  merged.uids.insert(uids_.begin(), uids_.end());
  merged.patients.insert(patients_.begin(), patients_.end());
  const nlohmann::json j{
      {"format", kFormat},
      {"version", 1},
      {"note",
       "rfaplan de-identification key and re-identification table: holds patient identifiers. "
       "Keep it on this workstation; never send it with the de-identified data."},
      {"secret", merged.secret},
      {"patients", merged.patients},
      {"uids", merged.uids}};
  createPrivateFolder(file_.parent_path().empty() ? fs::path(".") : file_.parent_path(),
                      ExistingFolder::kKeep);
  writeFileAtomically(file_, j.dump(1) + "\n");
  restrictToOwner(file_);
}

}  // namespace rfa::deid
