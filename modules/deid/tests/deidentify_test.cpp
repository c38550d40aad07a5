// De-identification by the Basic Application Level Confidentiality Profile (deidentify.h): every
// attribute of PS3.15 Table E.1-1 is filled with a recognisable value in a real DICOM CT series
// (DCMTK), the series is de-identified, and no recognisable value, original UID or private
// attribute is left in any byte of the output; the series still loads with the same voxels.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <dcmtk/config/osconfig.h>  // first of the DCMTK headers
#include <dcmtk/dcmdata/dctk.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "rfa/core/error.h"
#include "rfa/core/sha256.h"
#include "rfa/core/uid.h"
#include "rfa/deid/deidentify.h"
#include "rfa/deid/profile.h"
#include "rfa/io/input.h"
#include "rfa/phantom/ct_writer.h"

namespace rfa::deid {
namespace {
namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("rfa_deid_" + makeUid().substr(5, 18));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string bytesOf(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

char hex(unsigned v) {
  return "0123456789ABCDEF"[v & 15U];
}
std::string tagText(std::uint16_t g, std::uint16_t e) {
  std::string s;
  for (int sh = 12; sh >= 0; sh -= 4)
    s += hex(static_cast<unsigned>(g) >> static_cast<unsigned>(sh));
  for (int sh = 12; sh >= 0; sh -= 4)
    s += hex(static_cast<unsigned>(e) >> static_cast<unsigned>(sh));
  return s;
}

// A recognisable value for `tag` of VR `vr` ("" when the VR takes none here).
std::string phiValue(const std::string& tag, DcmEVR vr, int n) {
  switch (vr) {
    case EVR_DA:
      return "20240102";
    case EVR_TM:
      return "101112";
    case EVR_DT:
      return "20240102101112";
    case EVR_AS:
      return "041Y";
    case EVR_DS:
    case EVR_IS:
      return "77";
    case EVR_UI:
      return "1.2.826.0.1.3680043.77." + std::to_string(n);
    case EVR_CS:
      return "PHI" + tag;
    case EVR_AE:
    case EVR_SH:
    case EVR_LO:
    case EVR_PN:
    case EVR_ST:
    case EVR_LT:
    case EVR_UT:
    case EVR_UC:
    case EVR_UR:
    case EVR_OB:
    case EVR_OW:
    case EVR_UN:
      return "PHI" + tag;
    default:
      return "";
  }
}

struct Filled {
  std::set<std::string> originals;  ///< every UID of the input
  std::size_t attributes = 0;
};

// Fills every attribute of the table (except the file meta and command groups) into `file`.
Filled fillEveryProfileAttribute(const fs::path& file, int slice) {
  DcmFileFormat ff;
  EXPECT_TRUE(ff.loadFile(file.string().c_str()).good());
  DcmDataset& ds = *ff.getDataset();
  Filled f;
  int n = slice * 1000;
  for (const ProfileAttribute& a : basicProfile()) {
    if (a.group <= 0x0002 || a.group >= 0xFFFA) continue;
    const std::uint16_t g =
        a.group_mask == 0xFFFF ? a.group : static_cast<std::uint16_t>(a.group | 0x02);
    const std::uint16_t e = a.element_mask == 0xFFFF ? a.element : 0x0010;
    const DcmTag tag(g, e);
    const std::string t = tagText(g, e);
    if (tag.getEVR() == EVR_SQ) {
      DcmItem* item = nullptr;
      if (ds.findOrCreateSequenceItem(tag, item, -2).bad() || item == nullptr) {
        ADD_FAILURE() << t;
        continue;
      }
      item->putAndInsertString(DCM_CodeMeaning, ("PHI" + t).c_str());
      const std::string uid = phiValue(t, EVR_UI, ++n);
      item->putAndInsertString(DCM_ReferencedSOPInstanceUID, uid.c_str());
      item->putAndInsertString(DCM_ReferencedSOPClassUID, UID_CTImageStorage);
      f.originals.insert(uid);
      ++f.attributes;
      continue;
    }
    if (ds.tagExists(tag)) {
      if (tag.getEVR() == EVR_UI) {
        OFString v;
        ds.findAndGetOFString(tag, v);
        f.originals.insert(v.c_str());
      }
      if (tag != DcmTagKey(0x0008, 0x0018) && tag != DcmTagKey(0x0020, 0x000D) &&
          tag != DcmTagKey(0x0020, 0x000E) && tag != DcmTagKey(0x0020, 0x0052)) {
        ds.findAndDeleteElement(tag);
      } else {
        ++f.attributes;
        continue;
      }
    }
    const std::string v = phiValue(t, tag.getEVR(), ++n);
    if (v.empty()) continue;
    OFCondition c;
    if (tag.getEVR() == EVR_OB || tag.getEVR() == EVR_UN || tag.getEVR() == EVR_OW) {
      c = ds.putAndInsertUint8Array(DcmTag(g, e, EVR_OB), reinterpret_cast<const Uint8*>(v.data()),
                                    v.size());
    } else {
      c = ds.putAndInsertString(tag, v.c_str());
    }
    EXPECT_TRUE(c.good()) << t << " " << c.text();
    if (tag.getEVR() == EVR_UI) f.originals.insert(v);
    ++f.attributes;
  }
  ds.putAndInsertString(DCM_PatientName, "Doe^Jane");
  ds.putAndInsertString(DCM_PatientID, "MRN-12345");
  ds.putAndInsertString(DCM_PatientBirthDate, "19500203");
  // A private block.
  ds.putAndInsertString(DcmTag(0x0009, 0x0010, EVR_LO), "ACME PRIVATE");
  ds.putAndInsertString(DcmTag(0x0009, 0x1001, EVR_LO), "PHIPRIVATE");
  OFString sop;
  ds.findAndGetOFString(DCM_SOPInstanceUID, sop);
  f.originals.insert(sop.c_str());
  EXPECT_TRUE(ff.saveFile(file.string().c_str(), EXS_LittleEndianExplicit).good());
  return f;
}

// A 3-slice CT with every profile attribute filled.
Filled writeIdentifiedCt(const fs::path& dir) {
  ImageVolume hu(ImageGeometry({16, 12, 3}, Vec3(1, 1, 2), Vec3(-8, -6, 0), Mat3::Identity()),
                 40.0F);
  for (std::size_t v = 0; v < hu.voxelCount(); ++v) hu.data()[v] = static_cast<float>(v % 300);
  phantom::CtSeriesOptions o;
  o.uid_key = "deid-test";
  o.patient_name = "Doe^Jane";
  o.patient_id = "MRN-12345";
  phantom::writeCtSeries(hu, dir, o);
  Filled all;
  int k = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    const Filled f = fillEveryProfileAttribute(e.path(), ++k);
    all.originals.insert(f.originals.begin(), f.originals.end());
    all.attributes = f.attributes;
  }
  return all;
}

TEST(BasicProfile, ListsTheIdentifyingAttributesWithTheirActions) {
  EXPECT_GE(basicProfile().size(), 600U);
  // An independent list of attributes every reader knows identify the patient, with the action
  // PS3.15 gives them.
  const std::map<std::pair<int, int>, const char*> expected{
      {{0x0010, 0x0010}, "Z"},      {{0x0010, 0x0020}, "Z/D"},   {{0x0010, 0x0030}, "Z"},
      {{0x0010, 0x0040}, "Z"},      {{0x0010, 0x1010}, "X"},     {{0x0010, 0x1040}, "X"},
      {{0x0010, 0x1000}, "X"},      {{0x0010, 0x1001}, "X"},     {{0x0010, 0x2154}, "X"},
      {{0x0008, 0x0050}, "Z"},      {{0x0020, 0x0010}, "Z"},     {{0x0008, 0x0020}, "Z"},
      {{0x0008, 0x0030}, "Z"},      {{0x0008, 0x0090}, "Z"},     {{0x0008, 0x0080}, "X/Z/D"},
      {{0x0008, 0x0081}, "X"},      {{0x0008, 0x1070}, "X/Z/D"}, {{0x0008, 0x1050}, "X"},
      {{0x0008, 0x1030}, "X"},      {{0x0008, 0x103E}, "X"},     {{0x0020, 0x000D}, "U"},
      {{0x0020, 0x000E}, "U"},      {{0x0008, 0x0018}, "U"},     {{0x0020, 0x0052}, "U"},
      {{0x0008, 0x1155}, "U"},      {{0x3006, 0x0024}, "U"},     {{0x0002, 0x0003}, "U"},
      {{0x0008, 0x0021}, "X/D"},    {{0x0008, 0x0023}, "Z/D"},   {{0x0018, 0x1000}, "X/Z/D"},
      {{0x0008, 0x1010}, "X/Z/D"},  {{0x3006, 0x0026}, "Z"},     {{0x3006, 0x0008}, "Z"},
      {{0x0008, 0x1140}, "X/Z/U*"}, {{0x0020, 0x4000}, "X"},     {{0x0010, 0x4000}, "X"}};
  for (const auto& [tag, code] : expected) {
    const auto a = findProfileAttribute(static_cast<std::uint16_t>(tag.first),
                                        static_cast<std::uint16_t>(tag.second));
    ASSERT_TRUE(a) << tagText(static_cast<std::uint16_t>(tag.first),
                              static_cast<std::uint16_t>(tag.second));
    EXPECT_STREQ(actionCode(a->action), code) << a->name;
  }
  // Repeating groups.
  EXPECT_TRUE(findProfileAttribute(0x6002, 0x3000));
  EXPECT_TRUE(findProfileAttribute(0x5004, 0x1234));
  EXPECT_FALSE(findProfileAttribute(0x0028, 0x0010));  // Rows: kept
}

TEST(Deidentify, NoAttributeOfTheBasicProfileKeepsItsValue) {
  TempDir tmp;
  const Filled filled = writeIdentifiedCt(tmp.path / "ct");
  ASSERT_GT(filled.attributes, 550U) << "attributes filled per file";
  const io::LoadedImage before = io::loadImage(tmp.path / "ct");

  Mapping m = Mapping::openOrCreate(tmp.path / "keep" / "mapping.json");
  const DeidFolderResult r = deidentifyFolder(tmp.path / "ct", tmp.path / "out", m);
  m.save();
  ASSERT_EQ(r.files.size(), 3U);
  const DeidFileResult& f0 = r.files[0];
  std::printf("filled %zu of %zu profile attributes per file; de-identified: %zu removed (%zu "
              "private), %zu emptied, %zu dummies/pseudonyms, %zu UIDs replaced\n",
              filled.attributes, basicProfile().size(), f0.removed, f0.private_removed,
              f0.emptied, f0.replaced, f0.uids);
  EXPECT_GT(r.files[0].removed, 350U);
  EXPECT_EQ(r.files[0].private_removed, 2U);

  for (const DeidFileResult& f : r.files) {
    const std::string bytes = bytesOf(f.output);
    EXPECT_EQ(bytes.find("PHI"), std::string::npos)
        << f.output << " at " << bytes.find("PHI") << ": " << bytes.substr(bytes.find("PHI"), 24);
    for (const char* s : {"Doe^Jane", "MRN-12345", "19500203", "20240102", "101112", "ACME"}) {
      EXPECT_EQ(bytes.find(s), std::string::npos) << s << " in " << f.output;
    }
    for (const std::string& uid : filled.originals) {
      EXPECT_EQ(bytes.find(uid), std::string::npos) << "original UID " << uid << " in " << f.output;
    }
    DcmFileFormat ff;
    ASSERT_TRUE(ff.loadFile(f.output.string().c_str()).good());
    DcmDataset& ds = *ff.getDataset();
    // Attribute by attribute: removed, emptied or a dummy; UIDs replaced by recorded ones.
    for (const ProfileAttribute& a : basicProfile()) {
      if (a.group_mask != 0xFFFF || a.group <= 0x0002 || a.group >= 0xFFFA) continue;
      const DcmTagKey t(a.group, a.element);
      DcmElement* e = nullptr;
      if (ds.findAndGetElement(t, e).bad() || e == nullptr || e->getLength() == 0) continue;
      if (t == DCM_PatientName || t == DCM_PatientID) continue;  // the pseudonym, checked below
      const std::string what = std::string(a.name) + " (" + actionCode(a.action) + ")";
      if (e->ident() == EVR_SQ) {
        auto* sq = dynamic_cast<DcmSequenceOfItems*>(e);
        ASSERT_NE(sq, nullptr);
        // Only X/Z/U* sequences keep items, with their UIDs replaced.
        EXPECT_EQ(a.action, Action::kXZU) << what;
        continue;
      }
      OFString v;
      e->getOFStringArray(v);
      if (a.action == Action::kU) {
        EXPECT_TRUE(isValidUid(v.c_str())) << what << " " << v;
        EXPECT_EQ(m.uids().count(v.c_str()), 1U) << what << " " << v << " not in the mapping";
      } else {
        EXPECT_TRUE(a.action == Action::kD || a.action == Action::kZD) << what << " = " << v;
        EXPECT_TRUE(v == "ANONYMIZED" || v == "19000101" || v == "000000" || v == "0" ||
                    v == "19000101000000" || v == "000Y" || v.empty())
            << what << " = " << v;
      }
    }
    OFString v;
    ds.findAndGetOFString(DCM_PatientIdentityRemoved, v);
    EXPECT_EQ(v, "YES");
    ds.findAndGetOFString(DCM_LongitudinalTemporalInformationModified, v);
    EXPECT_EQ(v, "REMOVED");
    DcmItem* code = nullptr;
    ASSERT_TRUE(ds.findAndGetSequenceItem(DCM_DeidentificationMethodCodeSequence, code, 0).good());
    code->findAndGetOFString(DCM_CodeValue, v);
    EXPECT_EQ(v, "113100");
    ds.findAndGetOFString(DCM_PatientID, v);
    EXPECT_EQ(m.patients().at(v.c_str()), "MRN-12345");
    OFString name;
    ds.findAndGetOFString(DCM_PatientName, name);
    EXPECT_EQ(name, v);
    // The file meta header names the new instance.
    ff.getMetaInfo()->findAndGetOFString(DCM_MediaStorageSOPInstanceUID, v);
    EXPECT_EQ(v.c_str(), f.sop_instance_uid);
    EXPECT_EQ(f.output.filename(), f.sop_instance_uid + ".dcm");
    struct stat st {};
    ASSERT_EQ(::stat(f.output.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777U, 0600U);
  }
  // Still the same image, one series.
  const io::LoadedImage after = io::loadImage(tmp.path / "out");
  ASSERT_TRUE(after.series);
  EXPECT_TRUE(after.image.geometry().sameGrid(before.image.geometry()));
  EXPECT_EQ(voxelSha256(after.image), voxelSha256(before.image));
  EXPECT_EQ(after.series->series_instance_uid, m.uid(before.series->series_instance_uid));
  EXPECT_EQ(after.series->frame_of_reference_uid, m.uid(before.series->frame_of_reference_uid));

  // The mapping file: owner-only, with the originals, and refused inside an output.
  struct stat st {};
  ASSERT_EQ(::stat((tmp.path / "keep" / "mapping.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0600U);
  EXPECT_NE(bytesOf(tmp.path / "keep" / "mapping.json").find("MRN-12345"), std::string::npos);
  EXPECT_THROW(checkMappingOutside(tmp.path / "out" / "m.json", tmp.path / "out"), UsageError);
  EXPECT_NO_THROW(checkMappingOutside(tmp.path / "keep" / "mapping.json", tmp.path / "out"));
  Mapping inside = Mapping::openOrCreate(tmp.path / "out2" / "sub" / "mapping.json");
  EXPECT_THROW(deidentifyFolder(tmp.path / "ct", tmp.path / "out2", inside), UsageError);
  EXPECT_THROW(deidentifyFolder(tmp.path / "ct", tmp.path / "ct" / "x", m), UsageError);
}

TEST(Deidentify, SameKeySameReplacementsOtherKeyOthers) {
  TempDir tmp;
  writeIdentifiedCt(tmp.path / "ct");
  Mapping a = Mapping::openOrCreate(tmp.path / "a.json");
  const auto r1 = deidentifyFolder(tmp.path / "ct", tmp.path / "o1", a);
  a.save();
  Mapping a2 = Mapping::openOrCreate(tmp.path / "a.json");  // read back: the same key
  const auto r2 = deidentifyFolder(tmp.path / "ct", tmp.path / "o2", a2);
  Mapping b = Mapping::openOrCreate(tmp.path / "b.json");
  const auto r3 = deidentifyFolder(tmp.path / "ct", tmp.path / "o3", b);
  ASSERT_EQ(r1.files.size(), r2.files.size());
  for (std::size_t i = 0; i < r1.files.size(); ++i) {
    EXPECT_EQ(r1.files[i].sop_instance_uid, r2.files[i].sop_instance_uid);
    EXPECT_NE(r1.files[i].sop_instance_uid, r3.files[i].sop_instance_uid);
  }
  EXPECT_EQ(a.pseudonym("MRN-12345"), a2.pseudonym("MRN-12345"));
  EXPECT_NE(a.pseudonym("MRN-12345"), b.pseudonym("MRN-12345"));
}

TEST(Deidentify, RetainFullDatesOptionKeepsDatesButNotTheBirthDate) {
  TempDir tmp;
  writeIdentifiedCt(tmp.path / "ct");
  Mapping m = Mapping::inMemory(std::string(64, 'a'));
  DeidOptions o;
  o.retain_dates = true;
  const auto r = deidentifyFolder(tmp.path / "ct", tmp.path / "out", m, o);
  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile(r.files[0].output.string().c_str()).good());
  OFString v;
  ff.getDataset()->findAndGetOFString(DCM_StudyDate, v);
  EXPECT_EQ(v, "20240102");
  EXPECT_TRUE(ff.getDataset()->findAndGetOFString(DCM_PatientBirthDate, v).bad() || v.empty());
  ff.getDataset()->findAndGetOFString(DCM_LongitudinalTemporalInformationModified, v);
  EXPECT_EQ(v, "UNMODIFIED");
  ff.getDataset()->findAndGetOFString(DCM_CodeValue, v, 1, OFTrue);
  const std::string bytes = bytesOf(r.files[0].output);
  EXPECT_NE(bytes.find("113106"), std::string::npos);
  EXPECT_EQ(bytes.find("Doe^Jane"), std::string::npos);
}

TEST(Deidentify, RefusesBurnedInAnnotationAndNonDicom) {
  TempDir tmp;
  writeIdentifiedCt(tmp.path / "ct");
  const fs::path f = fs::directory_iterator(tmp.path / "ct")->path();
  DcmFileFormat ff;
  ASSERT_TRUE(ff.loadFile(f.string().c_str()).good());
  ff.getDataset()->putAndInsertString(DCM_BurnedInAnnotation, "YES");
  ASSERT_TRUE(ff.saveFile(f.string().c_str(), EXS_LittleEndianExplicit).good());
  Mapping m = Mapping::inMemory(std::string(64, 'b'));
  EXPECT_THROW(deidentifyFile(f, tmp.path / "x.dcm", m), UnsupportedError);
  std::ofstream(tmp.path / "notes.txt") << "not dicom";
  EXPECT_THROW(deidentifyFile(tmp.path / "notes.txt", tmp.path / "y.dcm", m), CorruptDataError);
  fs::create_directories(tmp.path / "empty");
  std::ofstream(tmp.path / "empty" / "a.txt") << "x";
  EXPECT_THROW(deidentifyFolder(tmp.path / "empty", tmp.path / "o", m), NoDataError);
  std::ofstream(tmp.path / "bad.json") << "{\"format\": \"other\"}";
  EXPECT_THROW(Mapping::openOrCreate(tmp.path / "bad.json"), CorruptDataError);
}

}  // namespace
}  // namespace rfa::deid
