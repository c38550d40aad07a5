// C-STORE of files and folders: contexts per SOP class and transfer syntax found.
#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>
#include <dcmtk/dcmnet/diutil.h>

#include <algorithm>
#include <map>
#include <utility>

#include "association.h"
#include "rfa/core/error.h"

namespace rfa::pacs {
namespace {

namespace fs = std::filesystem;
using detail::getString;

struct Instance {
  fs::path file;
  std::string sop_class, transfer_syntax;
};

bool isUncompressed(const std::string& ts) {
  return ts == UID_LittleEndianExplicitTransferSyntax ||
         ts == UID_LittleEndianImplicitTransferSyntax || ts == UID_BigEndianExplicitTransferSyntax;
}

std::string syntaxName(const std::string& ts) {
  const DcmXfer x(ts.c_str());
  return x.getXfer() == EXS_Unknown ? ts : std::string(x.getXferName());
}

void listFiles(const fs::path& p, std::vector<fs::path>& out) {
  std::error_code ec;
  if (!fs::exists(p, ec)) throw NotFoundError(p.string() + ": no such file or folder");
  if (!fs::is_directory(p, ec)) {
    out.push_back(p);
    return;
  }
  std::vector<fs::path> found;
  fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec);
  if (ec) throw NotFoundError(p.string() + ": cannot read the folder: " + ec.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    std::error_code e2;
    if (it->is_regular_file(e2)) found.push_back(it->path());
  }
  std::sort(found.begin(), found.end());
  out.insert(out.end(), found.begin(), found.end());
}

// Reads the meta header and the dataset up to the SOP Instance UID. Returns the reason to skip
// the file, or "" with `inst` filled.
std::string classify(const fs::path& file, Instance& inst) {
  DcmFileFormat ff;
  const OFCondition cond =
      ff.loadFileUntilTag(file.c_str(), EXS_Unknown, EGL_noChange, DCM_MaxReadLength,
                          ERM_autoDetect, DcmTagKey(0x0008, 0x0019));
  if (cond.bad()) return "not DICOM (" + detail::conditionText(cond) + ")";
  DcmDataset& ds = *ff.getDataset();
  DcmMetaInfo& meta = *ff.getMetaInfo();
  inst.file = file;
  inst.sop_class = getString(ds, DCM_SOPClassUID);
  if (inst.sop_class.empty()) inst.sop_class = getString(meta, DCM_MediaStorageSOPClassUID);
  const std::string sop_instance = getString(ds, DCM_SOPInstanceUID);
  if (inst.sop_class == UID_MediaStorageDirectoryStorage) {
    return "DICOMDIR (a media directory, not an instance to send)";
  }
  if (sop_instance.empty() && !getString(meta, DCM_MediaStorageSOPInstanceUID).empty()) {
    return "the dataset has no SOP Instance UID (only its meta header does): not sendable as is";
  }
  if (inst.sop_class.empty() || sop_instance.empty()) {
    return "not a DICOM instance (no SOP Class UID or SOP Instance UID)";
  }
  inst.transfer_syntax = getString(meta, DCM_TransferSyntaxUID);
  if (inst.transfer_syntax.empty()) {
    const DcmXfer x(ds.getOriginalXfer());
    if (x.getXfer() == EXS_Unknown) return "unknown transfer syntax";
    inst.transfer_syntax = x.getXferID();
  }
  return {};
}

bool isWarning(std::uint16_t st) {
  return st == STATUS_STORE_Warning_CoercionOfDataElements ||
         st == STATUS_STORE_Warning_DataSetDoesNotMatchSOPClass ||
         st == STATUS_STORE_Warning_ElementsDiscarded;
}

}  // namespace

StoreResult store(const DicomNode& node, const std::vector<std::filesystem::path>& files_or_dirs) {
  detail::initNetworking();  // before reading files: DCMTK's logging off
  validateNode(node);
  if (files_or_dirs.empty()) throw UsageError("C-STORE: no file or folder given");
  std::vector<fs::path> files;
  for (const fs::path& p : files_or_dirs) listFiles(p, files);

  StoreResult result;
  std::vector<Instance> instances;
  for (const fs::path& f : files) {
    Instance inst;
    const std::string why = classify(f, inst);
    if (why.empty()) {
      instances.push_back(std::move(inst));
    } else {
      result.skipped.push_back(f.string() + ": " + why);
    }
  }
  if (instances.empty()) {
    std::string where;
    for (const fs::path& p : files_or_dirs) where += (where.empty() ? "" : ", ") + p.string();
    throw NoDataError("C-STORE: no DICOM instance in " + where + " (" +
                      std::to_string(files.size()) + " file(s) examined)");
  }

  // Distinct (SOP class, transfer syntax) pairs, in order of appearance; 120 per association.
  std::vector<std::pair<std::string, std::string>> pairs;
  std::map<std::pair<std::string, std::string>, std::size_t> pair_index;
  for (const Instance& i : instances) {
    const auto key = std::make_pair(i.sop_class, i.transfer_syntax);
    if (pair_index.emplace(key, pairs.size()).second) pairs.push_back(key);
  }
  constexpr std::size_t kPerAssociation = 120;
  const std::string who = describeNode(node);
  std::size_t done = 0;
  for (std::size_t first = 0; first < pairs.size(); first += kPerAssociation) {
    const std::size_t last = std::min(pairs.size(), first + kPerAssociation);
    std::vector<detail::Context> contexts;
    for (std::size_t k = first; k < last; ++k) {
      std::vector<std::string> ts = {pairs[k].second};
      if (isUncompressed(pairs[k].second)) {
        for (const std::string& t : detail::uncompressedSyntaxes()) {
          if (t != pairs[k].second) ts.push_back(t);
        }
      }
      contexts.push_back({pairs[k].first, ts, ASC_SC_ROLE_DEFAULT});
    }
    detail::Association a(node, "C-STORE");
    a.setDatasetConversionMode(OFTrue);  // uncompressed <-> uncompressed when the peer picks so
    a.open(contexts);
    for (const Instance& inst : instances) {
      const std::size_t k = pair_index.at({inst.sop_class, inst.transfer_syntax});
      if (k < first || k >= last) continue;
      const std::string name = inst.file.string();
      T_ASC_PresentationContextID pc =
          a.findPresentationContextID(inst.sop_class.c_str(), inst.transfer_syntax.c_str());
      if (pc == 0 && isUncompressed(inst.transfer_syntax)) {
        for (const std::string& t : detail::uncompressedSyntaxes()) {
          if (pc == 0) pc = a.findPresentationContextID(inst.sop_class.c_str(), t.c_str());
        }
      }
      if (pc == 0) {
        ++result.failed;
        result.failures.push_back(name + ": " + who + " accepted no presentation context for " +
                                  detail::uidWithName(inst.sop_class) + " in " +
                                  syntaxName(inst.transfer_syntax));
        ++done;
        continue;
      }
      Uint16 status = 0;
      const OFCondition cond = a.sendSTORERequest(pc, inst.file.c_str(), nullptr, status);
      ++done;
      if (cond.bad()) {
        // A network-layer error leaves the association unusable; a file that cannot be read or
        // converted (dcmdata) fails alone.
        if (!a.isConnected() ||
            (cond.module() == OFM_dcmnet && cond != DIMSE_NOVALIDPRESENTATIONCONTEXTID)) {
          a.failDimse(cond, "C-STORE of " + name + " (file " + std::to_string(done) + " of " +
                                std::to_string(instances.size()) + ")");
        }
        ++result.failed;
        result.failures.push_back(name + ": " + detail::conditionText(cond));
        continue;
      }
      if (status == STATUS_Success) {
        ++result.sent;
      } else if (isWarning(status)) {
        ++result.sent;
        result.warnings.push_back(name + ": " +
                                  detail::statusText(status, DU_cstoreStatusString(status)));
      } else {
        ++result.failed;
        result.failures.push_back(name + ": " + who + " answered " +
                                  detail::statusText(status, DU_cstoreStatusString(status)));
      }
    }
    a.release();
  }
  return result;
}

}  // namespace rfa::pacs
