// rfaplan pacs echo|find|get|store: a DICOM network client for one node (C-ECHO, C-FIND,
// C-GET, C-STORE), plain or over DICOM TLS (--tls). Options are checked before any network work
// (exit 2; a missing or unreadable TLS file exits 3, one that holds no PEM certificate or key 5);
// network and peer failures, TLS ones included (certificate refused, handshake failed), exit 11.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include "cli_common.h"
#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/pacs/pacs.h"

namespace rfa::cli {
namespace {

namespace fs = std::filesystem;

// One node for whichever pacs subcommand runs (only one does).
pacs::DicomNode& node() {
  static pacs::DicomNode n;
  return n;
}

// The node options of every pacs subcommand, DICOM TLS included (the one place they are
// parsed).
void addNodeOptions(CLI::App* cmd) {
  pacs::DicomNode& n = node();
  cmd->add_option("--aet", n.calling_ae, "Our (calling) AE title")->capture_default_str();
  cmd->add_option("--aec", n.called_ae, "The peer's (called) AE title")->capture_default_str();
  cmd->add_option("--host", n.host, "The peer's host name or address")->capture_default_str();
  cmd->add_option("--port", n.port, "The peer's DICOM port")->capture_default_str();
  cmd->add_option("--timeout", n.timeout_s,
                  "Seconds for connecting, negotiating and each awaited DIMSE message (1-3600)")
      ->capture_default_str();
  auto* tls = cmd->add_flag("--tls", n.tls.enabled,
                            "DICOM TLS (TLS 1.2 or newer, BCP 195 profile); needs --tls-ca");
  auto* ca = cmd->add_option("--tls-ca", n.tls.ca_file,
                             "PEM file of the CA certificate(s) that the peer's certificate must "
                             "chain to")
                 ->type_name("FILE")
                 ->needs(tls);
  auto* cert = cmd->add_option("--tls-cert", n.tls.cert_file,
                               "Our client certificate (PEM), for peers that require one")
                   ->type_name("FILE")
                   ->needs(tls);
  auto* key = cmd->add_option("--tls-key", n.tls.key_file,
                              "The client certificate's private key (PEM, unencrypted)")
                  ->type_name("FILE")
                  ->needs(tls);
  cert->needs(key);
  key->needs(cert);
  tls->needs(ca);
}

// " over DICOM TLS" when TLS is on, for the result lines.
std::string via() {
  return node().tls.enabled ? " over DICOM TLS" : "";
}

std::string optionalInt(const std::optional<int>& v) {
  return v ? std::to_string(*v) : "-";
}

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Left-aligned columns, two spaces apart; empty cells shown as "-".
void printTable(const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width(header.size());
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& r : rows) {
    for (std::size_t c = 0; c < r.size(); ++c) {
      width[c] = std::max(width[c], r[c].empty() ? std::size_t{1} : r[c].size());
    }
  }
  auto line = [&](const std::vector<std::string>& r) {
    std::string s;
    for (std::size_t c = 0; c < r.size(); ++c) {
      const std::string cell = r[c].empty() ? "-" : r[c];
      s += cell;
      if (c + 1 < r.size()) s += std::string(width[c] - cell.size() + 2, ' ');
    }
    std::cout << s << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
}

nlohmann::json findJson(const std::vector<pacs::FindResult>& results, bool series) {
  nlohmann::json arr = nlohmann::json::array();
  auto opt = [](const std::optional<int>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
  for (const pacs::FindResult& r : results) {
    nlohmann::json j = {{"patient_id", r.patient_id},
                        {"patient_name", r.patient_name},
                        {"study_instance_uid", r.study_instance_uid},
                        {"study_date", r.study_date},
                        {"study_time", r.study_time},
                        {"study_description", r.study_description},
                        {"accession_number", r.accession_number},
                        {"number_of_instances", opt(r.number_of_instances)}};
    if (series) {
      j["series_instance_uid"] = r.series_instance_uid;
      j["series_description"] = r.series_description;
      j["modality"] = r.modality;
      j["series_number"] = opt(r.series_number);
    } else {
      j["modalities_in_study"] = r.modalities_in_study;
      j["number_of_series"] = opt(r.number_of_series);
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

void addEcho(CLI::App* pacs_cmd, int& exit_code) {
  auto* cmd = pacs_cmd->add_subcommand("echo", "C-ECHO: check that the node answers");
  addNodeOptions(cmd);
  cmd->callback([&exit_code] {
    pacs::validateNode(node());
    std::cerr << kResearchBanner << "\n";
    const double s = pacs::echo(node());
    std::cout << "C-ECHO " << pacs::describeNode(node()) << via() << " (calling AE "
              << node().calling_ae << "): ok in " << fixed(s * 1000, 0) << " ms\n";
    exit_code = 0;
  });
}

void addFind(CLI::App* pacs_cmd, int& exit_code) {
  auto* cmd = pacs_cmd->add_subcommand(
      "find", "C-FIND (Study Root): list studies or series matching the keys");
  addNodeOptions(cmd);
  static std::string level = "study";
  static pacs::QueryKeys keys;
  static std::string json_file;
  cmd->add_option("--level", level, "Query level")
      ->check(CLI::IsMember({"study", "series"}))
      ->capture_default_str();
  cmd->add_option("--patient-id", keys.patient_id, "PatientID (wildcards * ?)");
  cmd->add_option("--patient-name", keys.patient_name, "PatientName, e.g. 'DOE^J*'");
  cmd->add_option("--study-uid", keys.study_instance_uid, "StudyInstanceUID");
  cmd->add_option("--series-uid", keys.series_instance_uid, "SeriesInstanceUID (series level)");
  cmd->add_option("--accession", keys.accession_number, "AccessionNumber");
  cmd->add_option("--date", keys.study_date,
                  "StudyDate YYYYMMDD or range YYYYMMDD-YYYYMMDD, -YYYYMMDD, YYYYMMDD-");
  cmd->add_option("--modality", keys.modality,
                  "Modality (series level) or ModalitiesInStudy (study level), e.g. CT");
  cmd->add_option("--json", json_file, "Also write the matches as JSON to FILE ('-': stdout)");
  cmd->callback([&exit_code] {
    const bool series = level == "series";
    if (!series && !keys.series_instance_uid.empty()) {
      throw UsageError("--series-uid needs --level series");
    }
    pacs::validateNode(node());
    std::cerr << kResearchBanner << "\n";
    const std::vector<pacs::FindResult> results =
        pacs::find(node(), series ? pacs::QueryLevel::kSeries : pacs::QueryLevel::kStudy, keys);
    if (json_file != "-") {
      std::cout << results.size() << (series ? " series" : " study(ies)") << " on "
                << pacs::describeNode(node()) << via() << "\n";
      if (!results.empty()) {
        std::vector<std::vector<std::string>> rows;
        for (const pacs::FindResult& r : results) {
          if (series) {
            rows.push_back({r.patient_id, r.study_date, r.modality, optionalInt(r.series_number),
                            optionalInt(r.number_of_instances), r.series_instance_uid,
                            r.series_description});
          } else {
            rows.push_back({r.patient_id, r.patient_name, r.study_date,
                            joined(r.modalities_in_study, "/"), optionalInt(r.number_of_series),
                            optionalInt(r.number_of_instances), r.study_instance_uid,
                            r.study_description});
          }
        }
        if (series) {
          printTable(
              {"PATIENT ID", "DATE", "MODALITY", "NO.", "INSTANCES", "SERIES UID", "DESCRIPTION"},
              rows);
        } else {
          printTable({"PATIENT ID", "NAME", "DATE", "MODALITIES", "SERIES", "INSTANCES",
                      "STUDY UID", "DESCRIPTION"},
                     rows);
        }
      }
    }
    if (!json_file.empty()) {
      nlohmann::json j;
      j["node"] = pacs::describeNode(node());
      j["level"] = level;
      j["matches"] = findJson(results, series);
      if (json_file == "-") {
        std::cout << j.dump(2) << "\n";
      } else {
        writeFileAtomically(json_file, j.dump(2) + "\n");
      }
    }
    exit_code = 0;
  });
}

void addGet(CLI::App* pacs_cmd, int& exit_code) {
  auto* cmd = pacs_cmd->add_subcommand(
      "get", "C-GET (Study Root): retrieve one series into a folder as <SOPInstanceUID>.dcm");
  addNodeOptions(cmd);
  static std::string study_uid;
  static std::string series_uid;
  static std::string out_dir;
  cmd->add_option("--study-uid", study_uid,
                  "StudyInstanceUID (looked up by a C-FIND when not given)");
  cmd->add_option("--series-uid", series_uid, "SeriesInstanceUID")->required();
  cmd->add_option("-o,--out", out_dir, "Output folder (created)")->required();
  cmd->callback([&exit_code] {
    pacs::validateNode(node());
    std::cerr << kResearchBanner << "\n";
    const auto t0 = std::chrono::steady_clock::now();
    const pacs::GetResult r = pacs::getSeries(node(), study_uid, series_uid, out_dir);
    std::cout << "C-GET " << pacs::describeNode(node()) << via() << ": " << r.received
              << " instance(s)"
              << (r.expected ? " of " + std::to_string(*r.expected) : std::string())
              << " written to " << out_dir << " in " << fixed(secondsSince(t0), 1) << " s"
              << (r.failed ? ", " + std::to_string(r.failed) + " failed" : std::string())
              << (r.warnings ? ", " + std::to_string(r.warnings) + " with warnings" : std::string())
              << "\n";
    for (const std::string& p : r.problems) std::cout << "  " << p << "\n";
    if (r.failed > 0) {
      throw NetworkError("C-GET from " + pacs::describeNode(node()) + ": " +
                         std::to_string(r.failed) + " instance(s) of series " + series_uid +
                         " not received");
    }
    exit_code = 0;
  });
}

void addStore(CLI::App* pacs_cmd, int& exit_code) {
  auto* cmd = pacs_cmd->add_subcommand(
      "store", "C-STORE: send DICOM files (folders searched recursively) to the node");
  addNodeOptions(cmd);
  static std::vector<std::string> inputs;
  cmd->add_option("FILE_OR_DIR", inputs, "DICOM files or folders")->required()->expected(-1);
  cmd->callback([&exit_code] {
    pacs::validateNode(node());
    std::cerr << kResearchBanner << "\n";
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<fs::path> paths(inputs.begin(), inputs.end());
    const pacs::StoreResult r = pacs::store(node(), paths);
    std::cout << "C-STORE " << pacs::describeNode(node()) << via() << ": " << r.sent << " sent, "
              << r.failed << " failed, " << r.skipped.size() << " file(s) skipped, in "
              << fixed(secondsSince(t0), 1) << " s\n";
    for (const std::string& s : r.skipped) std::cout << "  skipped " << s << "\n";
    for (const std::string& s : r.warnings) std::cout << "  warning " << s << "\n";
    for (const std::string& s : r.failures) std::cout << "  failed " << s << "\n";
    if (r.failed > 0) {
      throw NetworkError("C-STORE to " + pacs::describeNode(node()) + ": " +
                         std::to_string(r.failed) + " of " + std::to_string(r.sent + r.failed) +
                         " instance(s) not stored");
    }
    exit_code = 0;
  });
}

}  // namespace

void addPacsCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "pacs",
      "DICOM network client for one node: echo (C-ECHO), find (C-FIND), get (C-GET), store "
      "(C-STORE)");
  cmd->require_subcommand(1);
  cmd->footer(
      "Common options: --aet (calling AE, default RFAPLAN), --aec (called AE, default ORTHANC), "
      "--host, --port, --timeout S; DICOM TLS: --tls --tls-ca FILE [--tls-cert FILE --tls-key "
      "FILE]. Exit codes: 2 bad option, 3 path or series not found or TLS file missing, "
      "4 no DICOM file to send, 5 TLS file without a PEM certificate/key, 8 output not writable, "
      "11 network or peer failure (TLS: certificate refused, handshake failed, plain/TLS "
      "mismatch).");
  addEcho(cmd, exit_code);
  addFind(cmd, exit_code);
  addGet(cmd, exit_code);
  addStore(cmd, exit_code);
}

}  // namespace rfa::cli
