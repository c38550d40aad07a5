// The case worklist (rfa::cases): 200 synthetic cases (real plan files, timelines from the
// planning module's schedule) listed and filtered, against the cheapest query on the same SQLite
// file in the same run: a plain `SELECT count(*) FROM plans` on an open connection.
//
//   bench_cases [--quick] [google-benchmark flags]
// --quick: 20 cases (CI smoke: proves the benchmark runs, measures nothing).
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "case_test_support.h"
#include "rfa/cases/case_db.h"

namespace {

namespace fs = std::filesystem;
using rfa::cases::CaseDatabase;
using rfa::cases::CaseFilter;

bool g_quick = false;

// The database of the run: N cases, patients P000.., half batch-rfa (2 sessions), half
// multimodal-thermal-therapy (1 session), starts over 2027, every tenth undated.
struct Fixture {
  fs::path dir;
  fs::path db_file;
  int cases = 0;
  ~Fixture() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

const Fixture& fixture() {
  static const std::unique_ptr<Fixture> f = [] {
    auto out = std::make_unique<Fixture>();
    out->dir = fs::temp_directory_path() / ("rfa_bench_cases_" + std::to_string(::getpid()));
    fs::create_directories(out->dir);
    out->db_file = out->dir / "cases.sqlite";
    out->cases = g_quick ? 20 : 200;
    CaseDatabase db(out->db_file);
    for (int i = 0; i < out->cases; ++i) {
      char id[16];
      std::snprintf(id, sizeof id, "P%03d", i);
      std::string start;
      if (i % 10 != 0) {
        char d[16];
        std::snprintf(d, sizeof d, "2027-%02d-%02d", 1 + i % 12, 1 + i % 28);
        start = d;
      }
      const bool batch = i % 2 == 0;
      const fs::path file = out->dir / (std::string(id) + ".json");
      rfa::cases::test::writePlanFast(
          file,
          rfa::cases::test::syntheticPlan(id, start, batch ? 2 : 1, 3,
                                          batch ? "batch-rfa" : "multimodal-thermal-therapy"));
      db.addPlan(file);
    }
    return out;
  }();
  return *f;
}

void BM_CountBaseline(benchmark::State& state) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(fixture().db_file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    state.SkipWithError("cannot open the database");
    return;
  }
  for (auto _ : state) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM plans", -1, &s, nullptr);
    sqlite3_step(s);
    benchmark::DoNotOptimize(sqlite3_column_int(s, 0));
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
}

void runList(benchmark::State& state, const CaseFilter& filter, std::size_t min_rows) {
  const CaseDatabase db(fixture().db_file);
  std::size_t rows = 0;
  for (auto _ : state) {
    rows = db.listCases(filter).size();
    benchmark::DoNotOptimize(rows);
  }
  state.counters["rows"] = static_cast<double>(rows);
  if (rows < min_rows) state.SkipWithError("fewer rows than expected");
}

void BM_ListAll(benchmark::State& state) {
  CaseFilter f;
  f.today = "2027-03-01";
  runList(state, f, static_cast<std::size_t>(fixture().cases));
}

void BM_ListPatient(benchmark::State& state) {
  CaseFilter f;
  f.today = "2027-03-01";
  f.patient = "p01";
  runList(state, f, 10);
}

void BM_ListProfileDue(benchmark::State& state) {
  CaseFilter f;
  f.today = "2027-03-01";
  f.profile = "batch-rfa";
  f.due_only = true;
  f.due_days = 30;
  runList(state, f, 1);
}

void BM_Due30(benchmark::State& state) {
  const CaseDatabase db(fixture().db_file);
  std::size_t events = 0;
  for (auto _ : state) {
    const rfa::cases::DueList d = db.due("2027-03-01", 30);
    events = d.dated.size() + d.undated.size();
    benchmark::DoNotOptimize(events);
  }
  state.counters["events"] = static_cast<double>(events);
}

// What `rfaplan cases list` costs besides starting: open (pragmas, integrity check, schema
// version) and list every case.
void BM_OpenAndListAll(benchmark::State& state) {
  CaseFilter f;
  f.today = "2027-03-01";
  std::size_t rows = 0;
  for (auto _ : state) {
    const CaseDatabase db(fixture().db_file);
    rows = db.listCases(f).size();
    benchmark::DoNotOptimize(rows);
  }
  state.counters["rows"] = static_cast<double>(rows);
}

BENCHMARK(BM_CountBaseline)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ListAll)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ListPatient)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ListProfileDue)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_Due30)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_OpenAndListAll)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      g_quick = true;
    } else {
      args.push_back(argv[i]);
    }
  }
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  std::cerr << "case database: " << fixture().cases << " cases in " << fixture().db_file.string()
            << "\n";
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
