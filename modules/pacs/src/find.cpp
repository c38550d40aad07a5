// C-FIND (Study Root): study and series level.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>

#include <algorithm>
#include <cstdlib>
#include <tuple>

#include "association.h"
#include "rfa/core/error.h"

namespace rfa::pacs {
namespace detail {

std::vector<std::unique_ptr<DcmDataset>> studyRootFind(const DicomNode& node,
                                                       const std::string& operation,
                                                       DcmDataset& query) {
  Association a(node, operation);
  a.open({{UID_FINDStudyRootQueryRetrieveInformationModel, uncompressedSyntaxes(),
           ASC_SC_ROLE_DEFAULT}});
  const T_ASC_PresentationContextID pc =
      a.requireContext(UID_FINDStudyRootQueryRetrieveInformationModel);
  OFList<QRResponse*> responses;
  const OFCondition cond = a.sendFINDRequest(pc, &query, &responses);
  std::vector<std::unique_ptr<QRResponse>> owned;
  for (QRResponse* r : responses) owned.emplace_back(r);
  if (cond.bad()) a.failDimse(cond, "C-FIND");
  if (owned.empty()) {
    throw NetworkError(operation + ": " + describeNode(node) + " sent no C-FIND response");
  }
  const std::uint16_t final_status = owned.back()->m_status;
  if (final_status != STATUS_Success && !DICOM_PENDING_STATUS(final_status)) {
    throw NetworkError(operation + ": " + describeNode(node) + " answered the C-FIND with " +
                       statusText(final_status, DU_cfindStatusString(final_status)));
  }
  std::vector<std::unique_ptr<DcmDataset>> out;
  for (auto& r : owned) {
    if (!DICOM_PENDING_STATUS(r->m_status) || r->m_dataset == nullptr) continue;
    std::unique_ptr<DcmDataset> ds(r->m_dataset);
    r->m_dataset = nullptr;
    const std::string charset = getString(*ds, DCM_SpecificCharacterSet);
    if (!charset.empty() && charset != "ISO_IR 6" && charset != "ISO_IR 192") {
      (void)ds->convertToUTF8();  // best effort: values stay as sent when it fails
    }
    out.push_back(std::move(ds));
  }
  a.release();
  return out;
}

}  // namespace detail

namespace {

using detail::getString;

void checkText(const std::string& what, const std::string& v) {
  if (v.size() > 64) throw UsageError(what + " '" + v + "' is longer than 64 characters");
  for (const char c : v) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\') {
      throw UsageError(what + " '" + v + "' has a backslash or a control character");
    }
  }
}

void checkUid(const std::string& what, const std::string& v) {
  if (!v.empty() && !detail::isValidUid(v)) {
    throw UsageError(what + " '" + v + "' is not a DICOM UID (digits and dots, at most 64)");
  }
}

void checkDate(const std::string& v) {
  if (v.empty()) return;
  auto isDate = [](const std::string& d) {
    return d.size() == 8 &&
           std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  const std::size_t dash = v.find('-');
  bool ok = false;
  if (dash == std::string::npos) {
    ok = isDate(v);
  } else {
    const std::string a = v.substr(0, dash);
    const std::string b = v.substr(dash + 1);
    ok = (a.empty() || isDate(a)) && (b.empty() || isDate(b)) && !(a.empty() && b.empty());
  }
  if (!ok) {
    throw UsageError("study date '" + v +
                     "' is not YYYYMMDD or a range YYYYMMDD-YYYYMMDD, -YYYYMMDD, YYYYMMDD-");
  }
}

std::optional<int> getInt(DcmItem& ds, const DcmTagKey& tag) {
  const std::string s = getString(ds, tag);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const long v = std::strtol(s.c_str(), &end, 10);
  while (end && *end == ' ') ++end;
  if (end == s.c_str() || (end && *end != '\0')) return std::nullopt;
  return static_cast<int>(v);
}

std::vector<std::string> splitMulti(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= s.size()) {
    const std::size_t bs = s.find('\\', start);
    std::string part = s.substr(start, bs == std::string::npos ? std::string::npos : bs - start);
    while (!part.empty() && part.back() == ' ') part.pop_back();
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    if (!part.empty()) out.push_back(part);
    if (bs == std::string::npos) break;
    start = bs + 1;
  }
  return out;
}

}  // namespace

std::vector<FindResult> find(const DicomNode& node, QueryLevel level, const QueryKeys& keys) {
  validateNode(node);
  checkText("patient id", keys.patient_id);
  checkText("patient name", keys.patient_name);
  checkText("accession number", keys.accession_number);
  checkText("modality", keys.modality);
  checkUid("study UID", keys.study_instance_uid);
  checkUid("series UID", keys.series_instance_uid);
  checkDate(keys.study_date);
  const bool series = level == QueryLevel::kSeries;
  if (!series && !keys.series_instance_uid.empty()) {
    throw UsageError("a series UID is a series-level key: query at series level");
  }

  DcmDataset q;
  q.putAndInsertString(DCM_QueryRetrieveLevel, series ? "SERIES" : "STUDY");
  q.putAndInsertString(DCM_PatientID, keys.patient_id.c_str());
  q.putAndInsertString(DCM_PatientName, keys.patient_name.c_str());
  q.putAndInsertString(DCM_StudyInstanceUID, keys.study_instance_uid.c_str());
  q.putAndInsertString(DCM_StudyDate, keys.study_date.c_str());
  q.putAndInsertString(DCM_StudyTime, "");
  q.putAndInsertString(DCM_StudyDescription, "");
  q.putAndInsertString(DCM_AccessionNumber, keys.accession_number.c_str());
  if (series) {
    q.putAndInsertString(DCM_SeriesInstanceUID, keys.series_instance_uid.c_str());
    q.putAndInsertString(DCM_Modality, keys.modality.c_str());
    q.putAndInsertString(DCM_SeriesDescription, "");
    q.putAndInsertString(DCM_SeriesNumber, "");
    q.putAndInsertString(DCM_NumberOfSeriesRelatedInstances, "");
  } else {
    q.putAndInsertString(DCM_ModalitiesInStudy, keys.modality.c_str());
    q.putAndInsertString(DCM_NumberOfStudyRelatedSeries, "");
    q.putAndInsertString(DCM_NumberOfStudyRelatedInstances, "");
  }

  const std::vector<std::unique_ptr<DcmDataset>> matches =
      detail::studyRootFind(node, series ? "C-FIND (series)" : "C-FIND (study)", q);
  std::vector<FindResult> out;
  out.reserve(matches.size());
  for (const auto& ds : matches) {
    FindResult r;
    r.level = level;
    r.patient_id = getString(*ds, DCM_PatientID);
    r.patient_name = getString(*ds, DCM_PatientName);
    r.study_instance_uid = getString(*ds, DCM_StudyInstanceUID);
    r.study_date = getString(*ds, DCM_StudyDate);
    r.study_time = getString(*ds, DCM_StudyTime);
    r.study_description = getString(*ds, DCM_StudyDescription);
    r.accession_number = getString(*ds, DCM_AccessionNumber);
    if (series) {
      r.series_instance_uid = getString(*ds, DCM_SeriesInstanceUID);
      r.series_description = getString(*ds, DCM_SeriesDescription);
      r.modality = getString(*ds, DCM_Modality);
      r.series_number = getInt(*ds, DCM_SeriesNumber);
      r.number_of_instances = getInt(*ds, DCM_NumberOfSeriesRelatedInstances);
    } else {
      r.modalities_in_study = splitMulti(getString(*ds, DCM_ModalitiesInStudy));
      r.number_of_series = getInt(*ds, DCM_NumberOfStudyRelatedSeries);
      r.number_of_instances = getInt(*ds, DCM_NumberOfStudyRelatedInstances);
    }
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const FindResult& a, const FindResult& b) {
    return std::tie(a.study_date, a.study_instance_uid, a.series_number, a.series_instance_uid) <
           std::tie(b.study_date, b.study_instance_uid, b.series_number, b.series_instance_uid);
  });
  return out;
}

}  // namespace rfa::pacs
