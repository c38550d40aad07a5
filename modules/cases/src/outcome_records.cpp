// Trial outcome records of the case database: a patient's arm and dated outcome events
// (schema version 3), validated before they are written, one transaction per write.
#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "case_db_impl.h"
#include "rfa/cases/case_db.h"
#include "rfa/core/error.h"

namespace rfa::cases {

using detail::Statement;
using detail::Transaction;

namespace {

const std::set<std::string>& kinds() {
  static const std::set<std::string> k = {
      "death",    "last-contact",  "ltp",    "new-intrahepatic", "new-extrahepatic",
      "response", "adverse-event", "qlq-c30"};
  return k;
}

std::string quoted(const std::string& v) {
  return "\"" + v + "\"";
}

bool hasControl(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// The qlq JSON checked (object of known scales, numbers 0-100, QL2 present) and made compact.
std::string checkedQlq(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(std::string("qlq-c30 scores are not valid JSON: ") + e.what());
  }
  if (!j.is_object()) throw UsageError("qlq-c30 scores must be a JSON object of scale: score");
  const std::set<std::string> known(std::begin(kQlqC30Scales), std::end(kQlqC30Scales));
  for (const auto& [key, value] : j.items()) {
    if (known.count(key) == 0) {
      throw UsageError("qlq-c30 scale " + quoted(key) +
                       " is not one of QL2 PF2 RF2 EF CF SF FA NV PA DY SL AP CO DI FI");
    }
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0 ||
        value.get<double>() > 100) {
      throw UsageError("qlq-c30 scale " + key + " must be a score 0-100 (got " + value.dump() +
                       ")");
    }
  }
  if (!j.contains("QL2")) {
    throw UsageError("qlq-c30 scores must include QL2 (global health status)");
  }
  return j.dump();
}

std::int64_t patientRow(const detail::Connection& c, const std::string& patient) {
  Statement q(c, "SELECT id FROM patients WHERE key = ?1");
  q.bind(1, patient);
  if (!q.step()) {
    throw NotFoundError("no patient " + quoted(patient) + " in " + c.file().string() +
                        " (add a plan of the patient first: rfaplan cases add)");
  }
  return q.int64(0);
}

}  // namespace

void validateOutcome(const OutcomeRecord& r) {
  if (kinds().count(r.kind) == 0) {
    throw UsageError("outcome kind " + quoted(r.kind) +
                     " is not one of death, last-contact, ltp, new-intrahepatic, "
                     "new-extrahepatic, response, adverse-event, qlq-c30");
  }
  if (!detail::isDate(r.date)) {
    throw UsageError("outcome date must be yyyy-mm-dd (got " + quoted(r.date) + ")");
  }
  const bool ltp = r.kind == "ltp";
  const bool response = r.kind == "response";
  const bool ae = r.kind == "adverse-event";
  const bool qlq = r.kind == "qlq-c30";
  if (ltp && r.lesion < 1) {
    throw UsageError("ltp needs the lesion id (>= 1, got " + std::to_string(r.lesion) + ")");
  }
  if (!ltp && r.lesion != 0)
    throw UsageError("a lesion is given only with ltp (not " + r.kind + ")");
  if (response && r.response != "CR" && r.response != "PR" && r.response != "SD" &&
      r.response != "PD") {
    throw UsageError("mRECIST response must be CR, PR, SD or PD (got " + quoted(r.response) + ")");
  }
  if (!response && !r.response.empty()) {
    throw UsageError("a response is given only with response (not " + r.kind + ")");
  }
  if (ae) {
    if (r.term.empty() || hasControl(r.term)) {
      throw UsageError("adverse-event needs a CTCAE term (got " + quoted(r.term) + ")");
    }
    if (r.grade < 1 || r.grade > 5) {
      throw UsageError("CTCAE grade must be 1-5 (got " + std::to_string(r.grade) + ")");
    }
    static const std::set<std::string> relations = {"unrelated", "unlikely", "possible", "probable",
                                                    "definite"};
    if (relations.count(r.relation) == 0) {
      throw UsageError(
          "relation must be unrelated, unlikely, possible, probable or definite (got " +
          quoted(r.relation) + ")");
    }
    if (r.session < 0) {
      throw UsageError("session must be >= 1 (got " + std::to_string(r.session) + ")");
    }
  } else if (!r.term.empty() || r.grade != 0 || !r.relation.empty() || r.session != 0) {
    throw UsageError("term, grade, relation and session are given only with adverse-event (not " +
                     r.kind + ")");
  }
  if (qlq) {
    (void)checkedQlq(r.qlq);
  } else if (!r.qlq.empty()) {
    throw UsageError("qlq-c30 scores are given only with qlq-c30 (not " + r.kind + ")");
  }
}

void CaseDatabase::setArm(const std::string& patient, const std::string& arm) {
  if (arm.empty() || hasControl(arm)) {
    throw UsageError("trial arm must be a non-empty name (got " + quoted(arm) + ")");
  }
  const detail::Connection& c = impl_->conn;
  Transaction t(c);
  (void)patientRow(c, patient);
  Statement(c,
            "INSERT INTO patient_arms (patient, arm, updated_at) VALUES (?1, ?2, ?3) "
            "ON CONFLICT(patient) DO UPDATE SET arm = excluded.arm, updated_at = "
            "excluded.updated_at")
      .bind(1, patient)
      .bind(2, arm)
      .bind(3, detail::nowUtc())
      .run();
  t.commit();
}

std::int64_t CaseDatabase::addOutcome(const std::string& patient, const OutcomeRecord& r) {
  validateOutcome(r);
  const std::string qlq = r.kind == "qlq-c30" ? checkedQlq(r.qlq) : std::string();
  const detail::Connection& c = impl_->conn;
  Transaction t(c);
  (void)patientRow(c, patient);
  Statement(c,
            "INSERT INTO outcomes (patient, kind, date, lesion, response, term, grade, relation, "
            "session, qlq, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
      .bind(1, patient)
      .bind(2, r.kind)
      .bind(3, r.date)
      .bind(4, r.lesion)
      .bind(5, r.response)
      .bind(6, r.term)
      .bind(7, r.grade)
      .bind(8, r.relation)
      .bind(9, r.session)
      .bind(10, qlq)
      .bind(11, detail::nowUtc())
      .run();
  const std::int64_t id = sqlite3_last_insert_rowid(c.get());
  t.commit();
  return id;
}

namespace {

PatientOutcomes readOutcomes(const detail::Connection& c, const std::string& patient) {
  PatientOutcomes p;
  p.patient = patient;
  {
    Statement q(c, "SELECT arm FROM patient_arms WHERE patient = ?1");
    q.bind(1, patient);
    if (q.step()) p.arm = q.text(0);
  }
  {
    Statement q(c,
                "SELECT DISTINCT e.date FROM events e JOIN plans pl ON pl.id = e.plan JOIN "
                "patients pt ON pt.id = pl.patient WHERE pt.key = ?1 AND e.kind = 'rfa' AND "
                "e.date <> '' ORDER BY e.date");
    q.bind(1, patient);
    while (q.step()) p.rfa_dates.push_back(q.text(0));
  }
  {
    Statement q(c,
                "SELECT DISTINCT f.date FROM followups f JOIN plans pl ON pl.id = f.plan JOIN "
                "patients pt ON pt.id = pl.patient WHERE pt.key = ?1 AND f.date <> '' ORDER BY "
                "f.date");
    q.bind(1, patient);
    while (q.step()) p.followup_dates.push_back(q.text(0));
  }
  {
    Statement q(c,
                "SELECT id, kind, date, lesion, response, term, grade, relation, session, qlq, "
                "added_at FROM outcomes WHERE patient = ?1 ORDER BY date, id");
    q.bind(1, patient);
    while (q.step()) {
      OutcomeRecord r;
      r.id = q.int64(0);
      r.kind = q.text(1);
      r.date = q.text(2);
      r.lesion = q.integer(3);
      r.response = q.text(4);
      r.term = q.text(5);
      r.grade = q.integer(6);
      r.relation = q.text(7);
      r.session = q.integer(8);
      r.qlq = q.text(9);
      r.added_at = q.text(10);
      p.events.push_back(std::move(r));
    }
  }
  return p;
}

}  // namespace

PatientOutcomes CaseDatabase::outcomesOf(const std::string& patient) const {
  const detail::Connection& c = impl_->conn;
  Statement q(c,
              "SELECT 1 WHERE EXISTS (SELECT 1 FROM patients WHERE key = ?1) OR EXISTS (SELECT 1 "
              "FROM patient_arms WHERE patient = ?1) OR EXISTS (SELECT 1 FROM outcomes WHERE "
              "patient = ?1)");
  q.bind(1, patient);
  if (!q.step()) {
    throw NotFoundError("no patient " + quoted(patient) + " in " + c.file().string());
  }
  return readOutcomes(c, patient);
}

std::vector<PatientOutcomes> CaseDatabase::listOutcomes() const {
  const detail::Connection& c = impl_->conn;
  std::vector<std::string> keys;
  {
    Statement q(c,
                "SELECT key FROM patients UNION SELECT patient FROM patient_arms UNION SELECT "
                "patient FROM outcomes ORDER BY 1");
    while (q.step()) keys.push_back(q.text(0));
  }
  std::vector<PatientOutcomes> out;
  out.reserve(keys.size());
  for (const std::string& k : keys) out.push_back(readOutcomes(c, k));
  return out;
}

}  // namespace rfa::cases
