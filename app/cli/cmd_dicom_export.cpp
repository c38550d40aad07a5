// rfaplan export-rtstruct PLAN -o rtss.dcm [--series DIR] [--segmentation DIR] [--session N]
// rfaplan export-seg PLAN -o seg.dcm [--series DIR] [--segmentation DIR] [--session N]
// rfaplan import-rtstruct RTSS --series DIR -o OUTDIR [--ignore-references]
// The exports are thin shells over rfa::workflow (exportRtstruct, exportSeg), as the GUI runs them.
#include <cctype>
#include <filesystem>
#include <iostream>

#include "cli_audit.h"
#include "cli_common.h"
#include "cli_deid.h"
#include "rfa/core/atomic_file.h"
#include "rfa/core/error.h"
#include "rfa/dicomexport/rtstruct.h"
#include "rfa/io/input.h"
#include "rfa/io/volume_file.h"
#include "rfa/workflow/audit_events.h"
#include "rfa/workflow/exports.h"

namespace rfa::cli {
namespace {

namespace fs = std::filesystem;

// Options shared by the two exports.
struct ExportArgs {
  std::string plan;
  std::string out;
  std::string series;
  std::string segmentation;
  int session = 0;
  DeidArgs deid;
};

void addExportOptions(CLI::App* cmd, ExportArgs& a, const char* out_help) {
  cmd->add_option("PLAN", a.plan, "Plan JSON written by 'rfaplan plan'")->required();
  cmd->add_option("-o,--output", a.out, out_help)->required();
  cmd->add_option("--series", a.series,
                  "DICOM series the plan was made on (default: the one recorded in the plan)");
  cmd->add_option("--segmentation", a.segmentation,
                  "Segmentation folder (default: the one recorded in the plan)");
  cmd->add_option("--session", a.session, "Only the lesions of session N (default: all)")
      ->check(CLI::Range(1, 3));
  addDeidOptions(cmd, a.deid, true);
}

// The workflow's options of `a`; the loader's warnings are printed as soon as the plan is loaded.
workflow::ExportOptions exportOptionsOf(const ExportArgs& a) {
  workflow::ExportOptions o;
  o.session = a.session;
  o.series = a.series;
  o.segmentation = a.segmentation;
  o.give_series = "--series DICOMDIR";
  o.on_loader_note = [](const std::string& w) { std::cerr << "warning: " << w << "\n"; };
  o.deidentify = deidSettingsOf(a.deid, false);
  return o;
}

void printWriterNotes(const workflow::ExportSummary& s) {
  for (const auto& n : s.writer_notes) std::cerr << "note: " << n << "\n";
  if (!s.pseudonym.empty()) {
    std::cout << "de-identified (DICOM PS3.15 E.1 Basic Profile): patient " << s.pseudonym
              << "; mapping kept locally in " << s.mapping_file.string() << "\n";
  }
}

// A file name from an ROI name: letters, digits, '-' and '_' kept, the rest '_'.
std::string fileNameOf(const std::string& name) {
  std::string s;
  for (const char c : name) {
    s += (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-') ? c : '_';
  }
  return s.empty() ? std::string("roi") : s;
}

}  // namespace

void addDicomExportCommands(CLI::App& app, int& exit_code) {
  {
    auto* cmd = app.add_subcommand(
        "export-rtstruct",
        "Write the plan's structures (liver, lesions, margins, ablation zones, needle paths) as a "
        "DICOM RT Structure Set referencing the planned series");
    static ExportArgs a;
    addExportOptions(cmd, a, "RT Structure Set file to write (replaced atomically)");
    cmd->callback([&exit_code]() {
      const workflow::ExportSummary w = workflow::exportRtstruct(a.plan, a.out, exportOptionsOf(a));
      printWriterNotes(w);
      audit::Event e = workflow::planFileEvent("export", kProgram, a.plan);
      e.details["kind"] = "rtstruct";
      if (a.deid.on) e.details["deidentified"] = true;
      workflow::addOutput(e, w.file, w.sop_instance_uid);
      auditRecord(e);
      std::cout << "RT Structure Set " << a.out << ": " << w.rois << " ROIs, " << w.contours
                << " contours, " << w.points << " points; SOP Instance UID " << w.sop_instance_uid
                << "\n  references series " << w.series_instance_uid << "\n"
                << kResearchBanner << "\n";
      exit_code = 0;
    });
  }
  {
    auto* cmd = app.add_subcommand(
        "export-seg",
        "Write the plan's label maps (liver, lesions, margins, ablation zones) as a DICOM "
        "Segmentation (binary) referencing the planned series");
    static ExportArgs a;
    addExportOptions(cmd, a, "DICOM SEG file to write (replaced atomically)");
    cmd->callback([&exit_code]() {
      const workflow::ExportSummary w = workflow::exportSeg(a.plan, a.out, exportOptionsOf(a));
      printWriterNotes(w);
      audit::Event e = workflow::planFileEvent("export", kProgram, a.plan);
      e.details["kind"] = "seg";
      if (a.deid.on) e.details["deidentified"] = true;
      workflow::addOutput(e, w.file);
      auditRecord(e);
      std::cout << "DICOM SEG " << a.out << ": " << w.segments << " segments, " << w.frames
                << " frames\n  references series " << w.series_instance_uid << "\n"
                << kResearchBanner << "\n";
      exit_code = 0;
    });
  }
  {
    auto* cmd = app.add_subcommand(
        "import-rtstruct",
        "Read an RT Structure Set (any system) into one mask per ROI on its series' grid");
    static std::string file;
    static std::string series;
    static std::string out;
    static bool ignore_references = false;
    cmd->add_option("RTSTRUCT", file, "RT Structure Set file")->required();
    cmd->add_option("--series", series, "DICOM folder of the referenced image series")->required();
    cmd->add_option("-o,--output", out, "Output folder: <ROI>.nrrd per ROI and rois.json")
        ->required();
    cmd->add_flag("--ignore-references", ignore_references,
                  "Use the geometry only when the references do not match (each mismatch noted)");
    cmd->callback([&exit_code]() {
      const dicomexport::RtstructFile rtss = dicomexport::readRtstructFile(file);
      const io::LoadedImage img = io::loadImage(series);
      if (!img.series) {
        throw UnsupportedError("--series " + series +
                               " is not a DICOM series: an RT Structure Set references one");
      }
      dicomexport::RtstructImportOptions o;
      o.check_references = !ignore_references;
      const dicomexport::RtstructImport imp = dicomexport::importRtstruct(rtss, *img.series, o);
      for (const auto& n : imp.notes) std::cerr << "note: " << n << "\n";
      fs::create_directories(out);
      nlohmann::json rois = nlohmann::json::array();
      std::vector<std::string> used;
      for (std::size_t m = 0; m < imp.rois.size(); ++m) {
        const dicomexport::Roi& r = imp.rois[m];
        nlohmann::json j{{"number", r.number},
                         {"name", r.name},
                         {"interpreted_type", r.interpreted_type},
                         {"colour", {r.colour[0], r.colour[1], r.colour[2]}},
                         {"contours", imp.contour_counts[m]}};
        if (r.mask) {
          std::string base = fileNameOf(r.name);
          while (std::find(used.begin(), used.end(), base) != used.end()) {
            base += "_" + std::to_string(r.number);
          }
          used.push_back(base);
          io::writeVolumeFile(fs::path(out) / (base + ".nrrd"), *r.mask);
          std::size_t n = 0;
          for (const auto v : r.mask->data()) n += v;
          j["file"] = base + ".nrrd";
          j["voxels"] = n;
          j["volume_ml"] = static_cast<double>(n) * img.image.geometry().voxelVolumeMm3() / 1000;
        }
        if (!r.line_lps.empty()) {
          nlohmann::json pts = nlohmann::json::array();
          for (const Vec3& p : r.line_lps) pts.push_back({p.x(), p.y(), p.z()});
          j["points_lps_mm"] = pts;
        }
        rois.push_back(j);
        std::cout << "  " << r.number << " '" << r.name << "': " << imp.contour_counts[m]
                  << " contour(s)" << (r.mask ? ", " + j["voxels"].dump() + " voxels" : "") << "\n";
      }
      const nlohmann::json doc{{"rtstruct", file},
                               {"sop_instance_uid", rtss.sop_instance_uid},
                               {"series", img.series->series_instance_uid},
                               {"grid", img.image.geometry().describe()},
                               {"frame", "DICOM patient LPS, mm"},
                               {"notes", imp.notes},
                               {"rois", rois}};
      writeFileAtomically(fs::path(out) / "rois.json", doc.dump(2) + "\n");
      std::cout << "imported " << imp.rois.size() << " ROI(s) of " << file << " into " << out
                << "\n"
                << kResearchBanner << "\n";
      exit_code = 0;
    });
  }
}

}  // namespace rfa::cli
