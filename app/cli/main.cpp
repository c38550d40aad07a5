// rfaplan — command-line entry point. RESEARCH USE ONLY.
#include <cstdio>
#include <exception>
#include <iostream>

#include "cli_common.h"
#include "rfa/core/error.h"

namespace {

int run(int argc, char** argv) {
  CLI::App app{std::string("rfaplan ") + RFAPLAN_VERSION +
               " - planning of ultrasound-guided radiofrequency ablation of liver metastases.\n" +
               rfa::cli::kResearchBanner};
  app.set_version_flag("--version",
                       std::string("rfaplan ") + RFAPLAN_VERSION + " (research use only)");
  app.require_subcommand(1);
  int exit_code = 0;
  rfa::cli::addSeriesCommand(app, exit_code);
  rfa::cli::addConvertCommand(app, exit_code);
  rfa::cli::addPhantomCommand(app, exit_code);
  rfa::cli::addPhantomFollowupCommand(app, exit_code);
  rfa::cli::addSegmentCommand(app, exit_code);
  rfa::cli::addSimulateCommand(app, exit_code);
  rfa::cli::addDemoCommand(app, exit_code);
  rfa::cli::addPlanCommand(app, exit_code);
  rfa::cli::addPlanCheckCommand(app, exit_code);
  rfa::cli::addDicomExportCommands(app, exit_code);
  rfa::cli::addPacsCommand(app, exit_code);
  rfa::cli::addReportCommand(app, exit_code);
  rfa::cli::addDeidentifyCommand(app, exit_code);
  rfa::cli::addUltrasoundCommand(app, exit_code);
  rfa::cli::addRegisterCommand(app, exit_code);
  rfa::cli::addConfirmCommand(app, exit_code);
  rfa::cli::addFollowupCommand(app, exit_code);
  rfa::cli::addZoneCommands(app, exit_code);
  rfa::cli::addNavigationCommands(app, exit_code);
  rfa::cli::addCasesCommand(app, exit_code);
  rfa::cli::addCohortCommand(app, exit_code);
  app.footer(
      "Exit codes: 0 ok, 1 internal error, 2 usage, 3 input not found, 4 no usable data, 5 corrupt "
      "file, 6 bad geometry, 7 unsupported, 8 write failed, 9 series selection, 10 plan rule "
      "broken, 11 network/peer failure.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(rfa::ExitCode::kUsage);
  } catch (const rfa::Error& e) {
    std::cerr << "rfaplan: error: " << e.what() << "\n";
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::cerr << "rfaplan: internal error: " << e.what() << "\n";
    return static_cast<int>(rfa::ExitCode::kInternal);
  }
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (...) {
    std::cerr << "rfaplan: internal error while starting\n";
    return static_cast<int>(rfa::ExitCode::kInternal);
  }
}
