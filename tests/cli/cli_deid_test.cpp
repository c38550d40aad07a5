// De-identified research export end to end with the real binary: 'rfaplan deidentify' of a
// planned phantom (CT, segmentation, plan), 'export-rtstruct/export-seg/report --deidentify' with
// the same local mapping; checked by dciodvfy (no error), by a byte search for the patient's
// identifiers and original UIDs, by rfaplan's own reference check and by plastimatch rasterising
// the de-identified RTSTRUCT on the de-identified CT (Dice 1.0 against the identified pair).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "cli_support.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"
#include "test_support.h"

namespace rfa {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::alnum;
using test::contains;
using test::rfaplan;
using test::RunResult;
using test::TempDir;

std::string bytesOf(const fs::path& f) {
  std::ifstream in(f, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// plastimatch's masks of `rtss` on `ct`, by ROI name (letters and digits only).
std::map<std::string, LabelMap> plastimatchMasks(const fs::path& rtss, const fs::path& ct,
                                                 const fs::path& out) {
  const RunResult r =
      test::run({"plastimatch", "convert", "--input", rtss.string(), "--referenced-ct", ct.string(),
                 "--output-prefix", out.string(), "--prefix-format", "nrrd"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  std::map<std::string, LabelMap> m;
  if (!fs::is_directory(out)) return m;
  for (const auto& e : fs::directory_iterator(out)) {
    m.emplace(alnum(e.path().stem().string()), io::readLabelFile(e.path()));
  }
  return m;
}

double dice(const LabelMap& a, const LabelMap& b) {
  if (a.voxelCount() != b.voxelCount()) return 0;
  std::size_t both = 0, na = 0, nb = 0;
  for (std::size_t v = 0; v < a.voxelCount(); ++v) {
    const bool x = a.data()[v] != 0, y = b.data()[v] != 0;
    both += x && y;
    na += x;
    nb += y;
  }
  return na + nb == 0 ? 1.0 : 2.0 * static_cast<double>(both) / static_cast<double>(na + nb);
}

TEST(CliDeidentify, PlanCtRtstructSegAndReportCarryNoIdentityAndStillMatch) {
  if (!test::haveProgram("plastimatch") || !test::haveProgram("dciodvfy") ||
      !test::haveProgram("pdftotext")) {
    GTEST_FAIL() << "plastimatch, dciodvfy and pdftotext are needed: packaging/install-deps.sh";
  }
  TempDir tmp;
  RunResult r =
      rfaplan({"phantom", "--out", (tmp / "ph").string(), "--lesions", "2", "--lesion-diameters",
               "10,18", "--size", "128,128,60", "--spacing", "2.5", "--seed", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = rfaplan({"plan", (tmp / "ph").string(), "--no-confirm", "--uncertainty-samples", "10",
               "--start", "2027-03-01", "-o", (tmp / "plan.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const io::LoadedImage original = io::loadImage(tmp / "ph" / "ct");
  ASSERT_TRUE(original.series);
  const io::DicomSeries& os = *original.series;
  // What identifies the patient and the original objects.
  std::vector<std::string> identifying{os.study.patient_name,         os.study.patient_id,
                                       os.study.study_instance_uid,   os.series_instance_uid,
                                       os.frame_of_reference_uid,     os.slices[0].sop_instance_uid,
                                       os.slices[30].sop_instance_uid};
  ASSERT_FALSE(os.study.patient_id.empty());
  const std::string mapping = (tmp / "keep" / "mapping.json").string();
  const fs::path out = tmp / "research";

  // The plan with its CT and segmentation.
  r = rfaplan(
      {"deidentify", (tmp / "plan.json").string(), "-o", out.string(), "--mapping", mapping});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::cout << r.out;
  EXPECT_TRUE(contains(r.out, "de-identified 60 DICOM file(s)")) << r.out;
  // The exports of the original plan, de-identified with the same mapping.
  for (const auto& [cmd, file] : std::vector<std::pair<std::string, std::string>>{
           {"export-rtstruct", "rtss.dcm"}, {"export-seg", "seg.dcm"}, {"report", "report.pdf"}}) {
    r = rfaplan({cmd, (tmp / "plan.json").string(), "-o", (out / file).string(), "--deidentify",
                 "--mapping", mapping});
    ASSERT_EQ(r.exit_code, 0) << cmd << r.out << r.err;
    EXPECT_TRUE(contains(r.out, "de-identified")) << r.out;
  }

  // Nothing of the patient's identity nor of the original UIDs in any byte written.
  std::vector<fs::path> written;
  for (const auto& e : fs::recursive_directory_iterator(out)) {
    if (e.is_regular_file()) written.push_back(e.path());
    struct stat st {};
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0077U, 0U) << e.path() << " is readable by others";
  }
  EXPECT_GE(written.size(), 60U + 3U + 2U);
  const RunResult text = test::run({"pdftotext", (out / "report.pdf").string(), "-"});
  ASSERT_EQ(text.exit_code, 0);
  for (const fs::path& f : written) {
    const std::string b = f.extension() == ".pdf" ? text.out : bytesOf(f);
    for (const std::string& s : identifying) {
      EXPECT_FALSE(contains(b, s)) << "'" << s << "' in " << f;
    }
    EXPECT_FALSE(contains(b, "2027-03-01")) << f;         // the plan's start date
    EXPECT_FALSE(contains(b, tmp.path().string())) << f;  // where the data lay
  }
  EXPECT_FALSE(fs::exists(out / "mapping.json"));
  EXPECT_TRUE(contains(bytesOf(mapping), os.study.patient_id)) << "the mapping re-identifies";

  // dciodvfy: no error in the de-identified CT, RTSTRUCT and SEG.
  for (const fs::path& f :
       {out / "rtss.dcm", out / "seg.dcm", fs::directory_iterator(out / "ct")->path()}) {
    std::string all;
    const auto errors = test::dciodvfyErrors(f, all);
    EXPECT_TRUE(errors.empty()) << f << ": " << errors.front();
  }

  // The de-identified RTSTRUCT references the de-identified CT (rfaplan checks every reference),
  // not the original.
  r = rfaplan({"import-rtstruct", (out / "rtss.dcm").string(), "--series", (out / "ct").string(),
               "-o", (tmp / "imported").string()});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = rfaplan({"import-rtstruct", (out / "rtss.dcm").string(), "--series",
               (tmp / "ph" / "ct").string(), "-o", (tmp / "imported2").string()});
  EXPECT_EQ(r.exit_code, 9) << r.out << r.err;
  // The de-identified plan loads on the de-identified CT and exports the same references.
  r = rfaplan(
      {"export-rtstruct", (out / "plan.json").string(), "-o", (tmp / "from_bundle.dcm").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const io::LoadedImage deid = io::loadImage(out / "ct");
  ASSERT_TRUE(deid.series);
  EXPECT_TRUE(contains(r.out, deid.series->series_instance_uid)) << r.out;

  // plastimatch: the de-identified pair rasterises exactly as the identified pair.
  r = rfaplan({"export-rtstruct", (tmp / "plan.json").string(), "-o", (tmp / "rtss.dcm").string()});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto identified = plastimatchMasks(tmp / "rtss.dcm", tmp / "ph" / "ct", tmp / "pm_id");
  const auto deidentified = plastimatchMasks(out / "rtss.dcm", out / "ct", tmp / "pm_deid");
  ASSERT_GE(identified.size(), 5U);
  EXPECT_EQ(identified.size(), deidentified.size());
  for (const auto& [name, mask] : identified) {
    const auto d = deidentified.find(name);
    ASSERT_NE(d, deidentified.end()) << name;
    const double s = dice(mask, d->second);
    std::cout << "  plastimatch, " << name << ": Dice de-identified vs identified " << s << "\n";
    EXPECT_EQ(s, 1.0) << name;
  }

  // Retain Longitudinal Temporal Information (Full Dates): the plan's dates stay, not the patient.
  r = rfaplan({"report", (tmp / "plan.json").string(), "-o", (tmp / "dated.pdf").string(),
               "--deidentify", "--retain-dates", "--mapping", mapping});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const RunResult dated = test::run({"pdftotext", (tmp / "dated.pdf").string(), "-"});
  EXPECT_TRUE(contains(dated.out, "2027-03-01")) << "the start date is kept";
  EXPECT_FALSE(contains(dated.out, os.study.patient_id));

  // The mapping is refused inside the output; a plan without --deidentify is unchanged.
  r = rfaplan({"deidentify", (tmp / "ph" / "ct").string(), "-o", (tmp / "o2").string(), "--mapping",
               (tmp / "o2" / "m.json").string()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "never exported")) << r.err;
  r = rfaplan({"deidentify", (tmp / "nothing").string(), "-o", (tmp / "o3").string(), "--mapping",
               mapping});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
}

}  // namespace
}  // namespace rfa
