#pragma once
// Shared helpers of the rfaplan subcommands: option parsing of vectors, JSON views, printing.
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rfa/core/points.h"
#include "rfa/io/dicom_scan.h"

namespace rfa::cli {

inline constexpr const char* kResearchBanner =
    "rfaplan: RESEARCH USE ONLY. Not a medical device; not for clinical decisions.";

/// Seconds elapsed since `t0` (steady clock).
double secondsSince(std::chrono::steady_clock::time_point t0);

/// `v` with `decimals` digits after the point ("12.3").
std::string fixed(double v, int decimals = 1);

/// Parses "a,b,c" (or one value "a" repeated when `allow_scalar`) into 3 doubles.
/// \throws rfa::Error (kUsage) naming the option and the value.
Vec3 parseVec3(const std::string& option, const std::string& text, bool allow_scalar);

/// JSON of one series (UIDs, modality, size, spacing, orientation, warnings; LPS mm).
nlohmann::json seriesToJson(const io::DicomSeries& s);

/// Human-readable multi-line description of one series.
std::string seriesToText(const io::DicomSeries& s);

/// Registers each subcommand on `app`; each returns through the callback it sets.
void addSeriesCommand(CLI::App& app, int& exit_code);
void addConvertCommand(CLI::App& app, int& exit_code);
void addPhantomCommand(CLI::App& app, int& exit_code);
void addPhantomFollowupCommand(CLI::App& app, int& exit_code);
void addDemoCommand(CLI::App& app, int& exit_code);
void addSegmentCommand(CLI::App& app, int& exit_code);
void addSimulateCommand(CLI::App& app, int& exit_code);
void addPlanCommand(CLI::App& app, int& exit_code);
void addPlanCheckCommand(CLI::App& app, int& exit_code);
/// export-rtstruct, export-seg and import-rtstruct.
void addDicomExportCommands(CLI::App& app, int& exit_code);
void addPacsCommand(CLI::App& app, int& exit_code);
void addReportCommand(CLI::App& app, int& exit_code);
void addDeidentifyCommand(CLI::App& app, int& exit_code);
void addUltrasoundCommand(CLI::App& app, int& exit_code);
/// register and confirm (follow-up: registration, ablation zones, margins).
void addRegisterCommand(CLI::App& app, int& exit_code);
void addConfirmCommand(CLI::App& app, int& exit_code);
void addFollowupCommand(CLI::App& app, int& exit_code);
void addZoneCommands(CLI::App& app, int& exit_code);
/// export-igt and serve-igt (navigation export: Slicer Markups JSON, OpenIGTLink).
void addNavigationCommands(CLI::App& app, int& exit_code);
/// cases add|list|due|show|followup (the case worklist database, rfa::cases).
void addCasesCommand(CLI::App& app, int& exit_code);
void addCohortCommand(CLI::App& app, int& exit_code);

}  // namespace rfa::cli
