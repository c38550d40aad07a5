// C-GET (Study Root, SERIES level) of one series; received instances written atomically.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "association.h"
#include "rfa/core/error.h"

namespace rfa::pacs {
namespace {

namespace fs = std::filesystem;
using detail::getString;

// What we accept for incoming instances, preferred first: uncompressed, then lossless, then lossy
// codecs, so that the peer can send each instance in the syntax it stores (no transcoding).
const std::vector<std::string>& acceptedSyntaxes() {
  static const std::vector<std::string> v = {
      UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax,
      UID_JPEGProcess14SV1TransferSyntax,     UID_JPEGProcess14TransferSyntax,
      UID_JPEGLSLosslessTransferSyntax,       UID_JPEG2000LosslessOnlyTransferSyntax,
      UID_RLELosslessTransferSyntax,          UID_DeflatedExplicitVRLittleEndianTransferSyntax,
      UID_JPEGProcess1TransferSyntax,         UID_JPEGProcess2_4TransferSyntax,
      UID_JPEGLSLossyTransferSyntax,          UID_JPEG2000TransferSyntax};
  return v;
}

// Proposed when the peer does not say which SOP classes the series holds.
const std::vector<std::string>& defaultStorageClasses() {
  static const std::vector<std::string> v = {
      UID_CTImageStorage,
      UID_EnhancedCTImageStorage,
      UID_MRImageStorage,
      UID_EnhancedMRImageStorage,
      UID_PositronEmissionTomographyImageStorage,
      UID_EnhancedPETImageStorage,
      UID_UltrasoundImageStorage,
      UID_UltrasoundMultiframeImageStorage,
      UID_SecondaryCaptureImageStorage,
      UID_MultiframeGrayscaleWordSecondaryCaptureImageStorage,
      UID_RTStructureSetStorage,
      UID_RTDoseStorage,
      UID_RTPlanStorage,
      UID_SegmentationStorage,
      UID_SpatialRegistrationStorage,
      UID_DeformableSpatialRegistrationStorage,
      UID_EnhancedSRStorage,
      UID_ComprehensiveSRStorage,
      UID_EncapsulatedPDFStorage};
  return v;
}

// Storage contexts with SCP role (we receive): one context per transfer syntax when they fit in
// the 128 contexts of an association, else two per class (uncompressed, compressed), else one.
std::vector<detail::Context> storageContexts(const std::vector<std::string>& classes) {
  const std::vector<std::string>& ts = acceptedSyntaxes();
  std::vector<detail::Context> out;
  const std::size_t budget = 126;  // 128 minus the C-GET context, with a margin of one
  if (classes.size() * ts.size() <= budget) {
    for (const std::string& c : classes) {
      for (const std::string& t : ts) out.push_back({c, {t}, ASC_SC_ROLE_SCP});
    }
  } else if (classes.size() * 2 <= budget) {
    const std::vector<std::string> plain(ts.begin(), ts.begin() + 2);
    const std::vector<std::string> coded(ts.begin() + 2, ts.end());
    for (const std::string& c : classes) {
      out.push_back({c, plain, ASC_SC_ROLE_SCP});
      out.push_back({c, coded, ASC_SC_ROLE_SCP});
    }
  } else {
    for (std::size_t i = 0; i < classes.size() && i < budget; ++i) {
      out.push_back({classes[i], ts, ASC_SC_ROLE_SCP});
    }
  }
  return out;
}

void syncPath(const fs::path& p, int flags) {
  const int fd = ::open(p.c_str(), flags);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

// Writes each received instance of the requested series as <dir>/<SOPInstanceUID>.dcm.
class SeriesWriter : public detail::Association::StoreHandler {
 public:
  SeriesWriter(fs::path dir, std::string series_uid)
      : dir_(std::move(dir)), series_uid_(std::move(series_uid)) {}

  std::uint16_t onStore(DcmDataset* dataset) override {
    std::unique_ptr<DcmDataset> ds(dataset);
    const std::string sop = getString(*ds, DCM_SOPInstanceUID);
    const std::string series = getString(*ds, DCM_SeriesInstanceUID);
    if (!detail::isValidUid(sop)) {
      refuse("refused an instance whose SOP Instance UID '" + sop + "' is not a valid UID");
      return STATUS_STORE_Error_CannotUnderstand;
    }
    if (series != series_uid_) {
      refuse("refused instance " + sop + " of another series (" + series + ")");
      return STATUS_STORE_Error_CannotUnderstand;
    }
    const fs::path final_path = dir_ / (sop + ".dcm");
    const fs::path tmp_path = dir_ / ("." + sop + ".dcm.part-" + std::to_string(::getpid()));
    DcmFileFormat file(ds.release(), OFFalse);  // takes the dataset over
    const OFCondition cond = file.saveFile(tmp_path.c_str(), EXS_Unknown, EET_ExplicitLength,
                                           EGL_recalcGL, EPD_noChange, 0, 0, EWM_createNewMeta);
    std::error_code ec;
    if (cond.good()) {
      syncPath(tmp_path, O_RDONLY);
      fs::rename(tmp_path, final_path, ec);
    }
    if (cond.bad() || ec) {
      fs::remove(tmp_path, ec);
      refuse("cannot write " + final_path.string() + ": " +
             (cond.bad() ? detail::conditionText(cond) : ec.message()));
      return STATUS_STORE_Refused_OutOfResources;
    }
    if (written_.insert(final_path).second) files_.push_back(final_path);
    return STATUS_Success;
  }

  [[nodiscard]] const std::vector<fs::path>& files() const { return files_; }
  [[nodiscard]] int refused() const { return refused_; }
  [[nodiscard]] const std::vector<std::string>& problems() const { return problems_; }

 private:
  void refuse(const std::string& why) {
    ++refused_;
    problems_.push_back(why);
  }

  fs::path dir_;
  std::string series_uid_;
  std::vector<fs::path> files_;
  std::set<fs::path> written_;
  std::vector<std::string> problems_;
  int refused_ = 0;
};

}  // namespace

GetResult getSeries(const DicomNode& node, const std::string& study_uid,
                    const std::string& series_uid, const std::filesystem::path& out_dir) {
  validateNode(node);
  if (!detail::isValidUid(series_uid)) {
    throw UsageError("series UID '" + series_uid + "' is not a DICOM UID");
  }
  if (!study_uid.empty() && !detail::isValidUid(study_uid)) {
    throw UsageError("study UID '" + study_uid + "' is not a DICOM UID");
  }
  const std::string who = describeNode(node);

  // 1. Which instances and SOP classes does the series hold?
  DcmDataset list_query;
  list_query.putAndInsertString(DCM_QueryRetrieveLevel, "IMAGE");
  list_query.putAndInsertString(DCM_StudyInstanceUID, study_uid.c_str());
  list_query.putAndInsertString(DCM_SeriesInstanceUID, series_uid.c_str());
  list_query.putAndInsertString(DCM_SOPInstanceUID, "");
  list_query.putAndInsertString(DCM_SOPClassUID, "");
  const std::vector<std::unique_ptr<DcmDataset>> instances =
      detail::studyRootFind(node, "C-GET (listing the series)", list_query);
  if (instances.empty()) {
    throw NotFoundError("series " + series_uid +
                        (study_uid.empty() ? "" : " of study " + study_uid) + " not found on " +
                        who);
  }
  std::string study = study_uid;
  std::vector<std::string> classes;
  for (const auto& ds : instances) {
    if (study.empty()) study = getString(*ds, DCM_StudyInstanceUID);
    const std::string c = getString(*ds, DCM_SOPClassUID);
    if (!c.empty() && std::find(classes.begin(), classes.end(), c) == classes.end()) {
      classes.push_back(c);
    }
  }
  if (study.empty()) {
    throw NetworkError("C-GET: " + who + " did not return the study UID of series " + series_uid +
                       ": give the study UID");
  }
  if (classes.empty()) classes = defaultStorageClasses();

  // 2. The output folder.
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec || !fs::is_directory(out_dir)) {
    throw WriteError("cannot create the folder " + out_dir.string() + ": " +
                     (ec ? ec.message() : std::string("not a folder")));
  }

  // 3. C-GET with storage sub-operations on the same association.
  detail::Association a(node, "C-GET");
  SeriesWriter writer(out_dir, series_uid);
  a.setStoreHandler(&writer);
  std::vector<detail::Context> contexts = {{UID_GETStudyRootQueryRetrieveInformationModel,
                                            detail::uncompressedSyntaxes(), ASC_SC_ROLE_DEFAULT}};
  for (detail::Context& c : storageContexts(classes)) contexts.push_back(std::move(c));
  a.open(contexts);
  const T_ASC_PresentationContextID pc =
      a.requireContext(UID_GETStudyRootQueryRetrieveInformationModel);

  GetResult result;
  result.expected = static_cast<int>(instances.size());
  for (const std::string& c : classes) {
    if (a.findAnyPresentationContextID(c.c_str(), "") == 0) {
      result.problems.push_back(who + " accepted no storage context for " + detail::uidWithName(c) +
                                ": such instances cannot be received");
    }
  }

  DcmDataset get_query;
  get_query.putAndInsertString(DCM_QueryRetrieveLevel, "SERIES");
  get_query.putAndInsertString(DCM_StudyInstanceUID, study.c_str());
  get_query.putAndInsertString(DCM_SeriesInstanceUID, series_uid.c_str());
  OFList<RetrieveResponse*> responses;
  const OFCondition cond = a.sendCGETRequest(pc, &get_query, &responses);
  std::vector<std::unique_ptr<RetrieveResponse>> owned;
  for (RetrieveResponse* r : responses) owned.emplace_back(r);
  if (cond.bad()) a.failDimse(cond, "C-GET");
  a.release();
  syncPath(out_dir, O_RDONLY | O_DIRECTORY);

  result.files = writer.files();
  std::sort(result.files.begin(), result.files.end());
  result.received = static_cast<int>(result.files.size());
  for (const std::string& p : writer.problems()) result.problems.push_back(p);
  int peer_failed = 0;
  if (!owned.empty()) {
    const RetrieveResponse& last = *owned.back();
    peer_failed = last.m_numberOfFailedSubops;
    result.warnings = last.m_numberOfWarningSubops;
    const std::uint16_t st = last.m_status;
    const bool ok =
        st == STATUS_Success || st == STATUS_GET_Warning_SubOperationsCompleteOneOrMoreFailures;
    if (!ok) {
      const std::string text =
          who + " answered the C-GET with " + detail::statusText(st, DU_cgetStatusString(st));
      if (result.received == 0) throw NetworkError("C-GET: " + text);
      result.problems.push_back(text);
    }
  }
  result.failed = std::max(peer_failed, writer.refused());
  if (result.received + result.failed < *result.expected) {
    result.problems.push_back(who + " listed " + std::to_string(*result.expected) +
                              " instances but sent " +
                              std::to_string(result.received + result.failed));
    result.failed = *result.expected - result.received;
  }
  return result;
}

}  // namespace rfa::pacs
