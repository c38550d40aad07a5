// De-identification of DICOM files by the Basic Application Level Confidentiality Profile
// (deidentify.h).
#include "rfa/deid/deidentify.h"

#include <dcmtk/config/osconfig.h>  // first of the DCMTK headers
#include <dcmtk/dcmdata/dctk.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <system_error>

#include "rfa/core/error.h"
#include "rfa/core/private_files.h"
#include "rfa/deid/profile.h"

namespace rfa::deid {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSegmentationStorage = "1.2.840.10008.5.1.4.1.1.66.4";

bool isTemporal(DcmEVR vr) {
  return vr == EVR_DA || vr == EVR_DT || vr == EVR_TM;
}

bool isDescriptor(const DcmTagKey& t) {
  static const std::array<DcmTagKey, 8> kTags{DcmTagKey(0x3006, 0x0026), DcmTagKey(0x3006, 0x0028),
                                              DcmTagKey(0x3006, 0x0085), DcmTagKey(0x3006, 0x0088),
                                              DcmTagKey(0x3006, 0x0002), DcmTagKey(0x3006, 0x0004),
                                              DcmTagKey(0x3006, 0x0006), DcmTagKey(0x0008, 0x103E)};
  return std::find(kTags.begin(), kTags.end(), t) != kTags.end();
}

// A dummy value of `vr` for action D ("" when the VR has no string form: emptied instead).
std::string dummyOf(DcmEVR vr) {
  switch (vr) {
    case EVR_DA:
      return "19000101";
    case EVR_TM:
      return "000000";
    case EVR_DT:
      return "19000101000000";
    case EVR_AS:
      return "000Y";
    case EVR_DS:
    case EVR_IS:
      return "0";
    case EVR_AE:
    case EVR_CS:
    case EVR_SH:
    case EVR_LO:
    case EVR_PN:
    case EVR_ST:
    case EVR_LT:
    case EVR_UT:
    case EVR_UC:
      return "ANONYMIZED";
    default:
      return "";
  }
}

class Deidentifier {
 public:
  Deidentifier(Mapping& mapping, const DeidOptions& options, DeidFileResult& result,
               const std::string& patient_id, bool segmentation)
      : mapping_(mapping),
        options_(options),
        result_(result),
        pseudonym_(mapping.pseudonym(patient_id)),
        segmentation_(segmentation) {}

  void item(DcmItem& it, bool top) {
    // Tags first: the item changes while they are handled.
    std::vector<DcmTagKey> tags;
    tags.reserve(it.card());
    for (unsigned long i = 0; i < it.card(); ++i) tags.push_back(it.getElement(i)->getTag());
    for (const DcmTagKey& t : tags) {
      DcmElement* e = nullptr;
      if (it.findAndGetElement(t, e, OFFalse).bad() || e == nullptr) continue;
      element(it, *e, t, top);
    }
  }

 private:
  Mapping& mapping_;
  const DeidOptions& options_;
  DeidFileResult& result_;
  std::string pseudonym_;
  bool segmentation_;

  void remove(DcmItem& it, const DcmTagKey& t) {
    it.findAndDeleteElement(t, OFFalse, OFFalse);
    ++result_.removed;
  }
  void empty(DcmElement& e) {
    e.clear();
    ++result_.emptied;
  }
  void put(DcmElement& e, const std::string& v) {
    if (v.empty() || e.putString(v.c_str()).bad()) {
      empty(e);
      return;
    }
    ++result_.replaced;
  }
  void dummy(DcmElement& e) {
    if (e.ident() == EVR_SQ) {
      empty(e);
      return;
    }
    put(e, dummyOf(e.ident()));
  }
  void remapUids(DcmElement& e) {
    OFString all;
    if (e.getOFStringArray(all).bad() || all.empty()) return;
    std::string out;
    std::size_t start = 0;
    const std::string s(all);
    while (true) {
      const std::size_t bs = s.find('\\', start);
      const std::string one = s.substr(start, bs == std::string::npos ? bs : bs - start);
      if (!out.empty() || start > 0) out += '\\';
      out += mapping_.uid(one);
      ++result_.uids;
      if (bs == std::string::npos) break;
      start = bs + 1;
    }
    e.putString(out.c_str());
  }
  void sequence(DcmElement& e) {
    auto& sq = dynamic_cast<DcmSequenceOfItems&>(e);
    for (unsigned long i = 0; i < sq.card(); ++i) {
      if (DcmItem* child = sq.getItem(i)) item(*child, false);
    }
  }

  // X/Z/U* (Referenced Image Sequence, Source Image Sequence): the items keep their references
  // only - UIDs (instance UIDs replaced) and numbers (frame, segment numbers); anything else goes.
  void referenceSequence(DcmElement& e) {
    auto& sq = dynamic_cast<DcmSequenceOfItems&>(e);
    for (unsigned long i = 0; i < sq.card(); ++i) {
      DcmItem* child = sq.getItem(i);
      if (child == nullptr) continue;
      std::vector<DcmTagKey> tags;
      for (unsigned long k = 0; k < child->card(); ++k)
        tags.push_back(child->getElement(k)->getTag());
      for (const DcmTagKey& t : tags) {
        DcmElement* c = nullptr;
        if (child->findAndGetElement(t, c, OFFalse).bad() || c == nullptr) continue;
        if (t == DCM_PurposeOfReferenceCodeSequence) {  // a coded value (CID 7202), no identity
          continue;
        }
        switch (c->ident()) {
          case EVR_UI:
          case EVR_IS:
          case EVR_US:
          case EVR_UL:
          case EVR_SS:
          case EVR_SL:
            element(*child, *c, t, false);
            break;
          default:
            remove(*child, t);
        }
      }
    }
  }

  void element(DcmItem& it, DcmElement& e, const DcmTagKey& t, bool top) {
    if (t.getGroup() % 2 == 1) {  // private attributes and their creators
      remove(it, t);
      ++result_.private_removed;
      return;
    }
    if (t == DCM_PatientName || t == DCM_PatientID) {
      put(e, pseudonym_);
      return;
    }
    const std::optional<ProfileAttribute> a = findProfileAttribute(t.getGroup(), t.getElement());
    if (!a) {
      if (e.ident() == EVR_SQ) sequence(e);
      return;
    }
    const bool birth = t == DCM_PatientBirthDate || t == DCM_PatientBirthTime;
    if (options_.retain_dates && isTemporal(e.ident()) && !birth && a->action != Action::kU) {
      return;
    }
    if (!options_.known_descriptors.empty() && isDescriptor(t)) {
      OFString v;
      if (e.getOFStringArray(v).good() && options_.known_descriptors.count(v) != 0) {
        ++result_.kept_descriptors;
        return;
      }
    }
    switch (a->action) {
      case Action::kX:
      case Action::kXD:
        remove(it, t);
        return;
      case Action::kZ:
      case Action::kXZ:
        empty(e);
        return;
      case Action::kXZD:
        // Device Serial Number, Station Name, ... are Type 1 in a Segmentation's Enhanced General
        // Equipment Module: a dummy there.
        if (top && segmentation_ && e.getLength() > 0) {
          dummy(e);
        } else {
          empty(e);
        }
        return;
      case Action::kD:
        dummy(e);
        return;
      case Action::kZD:
        // Content Date/Time are Type 1 in a Segmentation (Segmentation Image Module).
        if (top && segmentation_ && isTemporal(e.ident())) {
          dummy(e);
        } else {
          empty(e);
        }
        return;
      case Action::kU:
        remapUids(e);
        return;
      case Action::kXZU:
        if (e.ident() == EVR_SQ) {
          referenceSequence(e);
        } else {
          remove(it, t);
        }
        return;
    }
  }
};

void addCode(DcmItem& parent, std::string_view value, const char* meaning) {
  DcmItem* code = nullptr;
  if (parent.findOrCreateSequenceItem(DCM_DeidentificationMethodCodeSequence, code, -2).bad() ||
      code == nullptr) {
    return;
  }
  code->putAndInsertString(DCM_CodeValue, std::string(value).c_str());
  code->putAndInsertString(DCM_CodingSchemeDesignator, "DCM");
  code->putAndInsertString(DCM_CodeMeaning, meaning);
}

}  // namespace

void checkMappingOutside(const fs::path& mapping_file, const fs::path& out) {
  if (mapping_file.empty()) return;
  std::error_code ec;
  const fs::path m = fs::weakly_canonical(fs::absolute(mapping_file), ec);
  const fs::path o = fs::weakly_canonical(fs::absolute(out), ec);
  const auto [oi, mi] = std::mismatch(o.begin(), o.end(), m.begin(), m.end());
  if (oi == o.end()) {
    throw UsageError("the de-identification mapping " + mapping_file.string() +
                     " would be inside the output " + out.string() +
                     ": the mapping holds patient identifiers and is kept locally, never exported "
                     "(give --mapping FILE elsewhere)");
  }
}

DeidFileResult deidentifyFile(const fs::path& in, const fs::path& out, Mapping& mapping,
                              const DeidOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(in, ec)) throw NotFoundError("no such DICOM file: " + in.string());
  DcmFileFormat ff;
  if (const OFCondition c = ff.loadFile(in.string().c_str()); c.bad()) {
    throw CorruptDataError("cannot de-identify " + in.string() + ": not a DICOM file (" + c.text() +
                           ")");
  }
  DcmDataset& ds = *ff.getDataset();
  OFString burned;
  if (ds.findAndGetOFString(DCM_BurnedInAnnotation, burned).good() && burned == "YES") {
    throw UnsupportedError("cannot de-identify " + in.string() +
                           ": Burned In Annotation (0028,0301) is YES - identifiers drawn into the "
                           "pixels are not removed by rfaplan");
  }
  DeidFileResult r;
  r.input = in;
  r.output = out;
  OFString v;
  if (ds.findAndGetOFString(DCM_SOPClassUID, v).good()) r.sop_class_uid = v;
  OFString pid;
  ds.findAndGetOFString(DCM_PatientID, pid);
  Deidentifier d(mapping, options, r, pid, r.sop_class_uid == kSegmentationStorage);
  d.item(ds, true);

  ds.putAndInsertString(DCM_PatientIdentityRemoved, "YES");
  std::string method = options.software + ": DICOM PS3.15 E.1 Basic Profile";
  ds.findAndDeleteElement(DCM_DeidentificationMethodCodeSequence);
  addCode(ds, kBasicProfileCode, "Basic Application Confidentiality Profile");
  if (options.retain_dates) {
    method += "\\Retain Longitudinal With Full Dates Option";
    addCode(ds, kRetainFullDatesCode, "Retain Longitudinal With Full Dates Option");
  }
  if (!options.known_descriptors.empty()) {
    method += "\\Clean Descriptors Option (rfaplan's own)";
    addCode(ds, kCleanDescriptorsCode, "Clean Descriptors Option");
  }
  ds.putAndInsertString(DCM_DeidentificationMethod, method.c_str());
  ds.putAndInsertString(DCM_LongitudinalTemporalInformationModified,
                        options.retain_dates ? "UNMODIFIED" : "REMOVED");
  if (ds.findAndGetOFString(DCM_SOPInstanceUID, v).good()) r.sop_instance_uid = v;

  DcmMetaInfo& meta = *ff.getMetaInfo();
  for (const DcmTagKey& t : {DCM_SourceApplicationEntityTitle, DCM_SendingApplicationEntityTitle,
                             DCM_ReceivingApplicationEntityTitle, DCM_PrivateInformation,
                             DCM_PrivateInformationCreatorUID}) {
    meta.findAndDeleteElement(t);
  }

  const fs::path tmp = out.string() + ".tmp-" + std::to_string(::getpid());
  const E_TransferSyntax xfer = ds.getOriginalXfer();
  const OFCondition sc = ff.saveFile(tmp.string().c_str(), xfer, EET_ExplicitLength, EGL_recalcGL,
                                     EPD_noChange, 0, 0, EWM_updateMeta);
  if (sc.bad()) {
    fs::remove(tmp, ec);
    throw WriteError("cannot write " + out.string() + ": " + sc.text());
  }
  restrictToOwner(tmp);
  fs::rename(tmp, out, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw WriteError("cannot write " + out.string() + ": " + ec.message());
  }
  return r;
}

DeidFolderResult deidentifyFolder(const fs::path& in, const fs::path& out, Mapping& mapping,
                                  const DeidOptions& options) {
  std::error_code ec;
  if (!fs::exists(in, ec)) throw NotFoundError("no such DICOM folder or file: " + in.string());
  checkMappingOutside(mapping.file(), out);
  {
    const fs::path i = fs::weakly_canonical(fs::absolute(in), ec);
    const fs::path o = fs::weakly_canonical(fs::absolute(out), ec);
    if (fs::is_directory(in) &&
        std::mismatch(i.begin(), i.end(), o.begin(), o.end()).first == i.end()) {
      throw UsageError("the de-identified output " + out.string() + " is inside the input " +
                       in.string() + ": choose a folder outside it");
    }
  }
  std::vector<fs::path> files;
  if (fs::is_directory(in)) {
    for (fs::recursive_directory_iterator it(in, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    if (ec) throw NotFoundError("cannot list " + in.string() + ": " + ec.message());
  } else {
    files.push_back(in);
  }
  std::sort(files.begin(), files.end());
  return deidentifyFiles(files, out, mapping, options);
}

DeidFolderResult deidentifyFiles(const std::vector<fs::path>& files, const fs::path& out,
                                 Mapping& mapping, const DeidOptions& options) {
  std::error_code ec;
  checkMappingOutside(mapping.file(), out);
  createPrivateFolder(out, ExistingFolder::kKeep);
  DeidFolderResult result;
  for (const fs::path& f : files) {
    if (f.filename() == "DICOMDIR") {
      result.skipped.push_back(f.string() + ": DICOMDIR (a media index, rewritten by no one here)");
      continue;
    }
    DcmFileFormat probe;
    if (const OFCondition c = probe.loadFile(f.string().c_str(), EXS_Unknown, EGL_noChange, 0);
        c.bad()) {
      result.skipped.push_back(f.string() + ": not DICOM (" + c.text() + ")");
      continue;
    }
    OFString sop;
    probe.getDataset()->findAndGetOFString(DCM_SOPInstanceUID, sop);
    std::string name = mapping.uid(sop.c_str());
    if (name.empty()) name = "instance";
    fs::path target = out / (name + ".dcm");
    for (int n = 2; fs::exists(target, ec); ++n) {
      target = out / (name + "-" + std::to_string(n) + ".dcm");
    }
    result.files.push_back(deidentifyFile(f, target, mapping, options));
  }
  if (result.files.empty()) {
    throw NoDataError(
        "no DICOM file to de-identify" +
        (files.empty() ? std::string() : " in " + files.front().parent_path().string()) +
        (result.skipped.empty() ? std::string() : " (" + result.skipped.front() + ")"));
  }
  return result;
}

}  // namespace rfa::deid
