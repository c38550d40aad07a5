// GLSL compute backend against the CPU reference: same problem, same steps, same fields; the
// source change mid-run; the RFA_GL=off switch and the automatic CPU fallback. Tests that need a
// GL context skip (with the reason) where makeGlBackend throws UnsupportedError.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "heat_test_support.h"
#include "rfa/core/error.h"
#include "rfa/thermal/heat_backend.h"
#include "rfa/thermal/heat_problem.h"

namespace rfa::thermal {
namespace {

// Sets (or unsets, with nullptr) an environment variable for the lifetime of the guard.
class EnvGuard {
 public:
  EnvGuard(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~EnvGuard() {
    if (old_) {
      setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// makeGlBackend, or nullptr with the reason in `why`. A GL context that cannot build the kernel
// (GLSL compile / link error, block layout mismatch) is a defect of the shader, not a missing
// feature of the machine: it fails the test instead of letting it skip.
std::unique_ptr<HeatBackend> tryGl(const HeatProblem& p, std::string& why) {
  try {
    return makeGlBackend(p);
  } catch (const UnsupportedError& e) {
    why = e.what();
    if (why.find("GLSL compile") != std::string::npos ||
        why.find("GLSL link") != std::string::npos ||
        why.find("the shader places") != std::string::npos) {
      ADD_FAILURE() << why;
    }
    return nullptr;
  }
}

using Grid = test::MaterialGrid;
using test::blob;
using test::u8;

// 40x36x32 at 1 mm: liver; a tumour sphere; a large vessel along z (held, convective wall); a small
// vessel (blood) along x; a line of cooled-electrode voxels along z; a bone block; a fat slab at
// z+; air over the y- face.
Grid mixedGrid() {
  Grid g{{40, 36, 32}, {}};
  g.material.assign(40 * 36 * 32, u8(Material::kLiver));
  for (std::size_t k = 0; k < 32; ++k) {
    for (std::size_t j = 0; j < 36; ++j) {
      for (std::size_t i = 0; i < 40; ++i) {
        const double x = static_cast<double>(i);
        const double y = static_cast<double>(j);
        const double z = static_cast<double>(k);
        std::uint8_t m = u8(Material::kLiver);
        if ((x - 20) * (x - 20) + (y - 18) * (y - 18) + (z - 16) * (z - 16) <= 49) {
          m = u8(Material::kTumour);
        }
        if ((x - 9) * (x - 9) + (y - 27) * (y - 27) <= 4.5) m = u8(Material::kLargeVessel);
        if ((y - 9) * (y - 9) + (z - 22) * (z - 22) <= 1.5) m = u8(Material::kBlood);
        if (i >= 30 && i < 34 && j >= 24 && j < 30 && k >= 6 && k < 12) m = u8(Material::kBone);
        if (k >= 28) m = u8(Material::kFat);
        if (i == 20 && j == 18 && k >= 4 && k <= 22) m = u8(Material::kCooledElectrode);
        if (j <= 1) m = u8(Material::kAir);
        g.material[g.index(i, j, k)] = m;
      }
    }
  }
  return g;
}

struct Agreement {
  double max_dt = 0;         // max |T_cpu - T_gl| (C)
  double max_dtmax = 0;      // max |Tmax_cpu - Tmax_gl| (C)
  double max_rel_omega = 0;  // max relative Omega difference where Omega > 1e-3
  double max_rel_cem = 0;    // max relative CEM43 difference where CEM43 > 1e-3
  double dice = 1;           // of the zones Omega >= 1
  std::size_t zone_cpu = 0;
  std::size_t zone_gl = 0;
  float t_peak = 0;
};

double relative(float a, float b) {
  return std::abs(static_cast<double>(a) - b) / std::max(std::abs(static_cast<double>(a)), 1e-30);
}

Agreement compare(const HeatFields& c, const HeatFields& g) {
  Agreement a;
  std::size_t both = 0;
  for (std::size_t i = 0; i < c.temperature_c.size(); ++i) {
    a.max_dt =
        std::max(a.max_dt, std::abs(static_cast<double>(c.temperature_c[i]) - g.temperature_c[i]));
    a.max_dtmax = std::max(a.max_dtmax, std::abs(static_cast<double>(c.temperature_max_c[i]) -
                                                 g.temperature_max_c[i]));
    if (c.omega[i] > 1e-3F) {
      a.max_rel_omega = std::max(a.max_rel_omega, relative(c.omega[i], g.omega[i]));
    }
    if (c.cem43_min[i] > 1e-3F) {
      a.max_rel_cem = std::max(a.max_rel_cem, relative(c.cem43_min[i], g.cem43_min[i]));
    }
    const bool zc = c.omega[i] >= 1.0F;
    const bool zg = g.omega[i] >= 1.0F;
    a.zone_cpu += zc ? 1 : 0;
    a.zone_gl += zg ? 1 : 0;
    both += (zc && zg) ? 1 : 0;
    a.t_peak = std::max(a.t_peak, c.temperature_max_c[i]);
  }
  const std::size_t sum = a.zone_cpu + a.zone_gl;
  a.dice = sum == 0 ? 1.0 : 2.0 * static_cast<double>(both) / static_cast<double>(sum);
  return a;
}

void expectAgreement(const Agreement& a) {
  EXPECT_LE(a.max_dt, 0.01);
  EXPECT_LE(a.max_dtmax, 0.01);
  EXPECT_LE(a.max_rel_omega, 1e-3);
  EXPECT_LE(a.max_rel_cem, 1e-3);
  EXPECT_GE(a.dice, 0.99);
  // Not vacuous: the source heated well past the damage threshold.
  EXPECT_GT(a.t_peak, 60.0F);
  EXPECT_GT(a.zone_cpu, 20U);
}

void runParity(bool insulated, bool perfusion_stops) {
  const Grid grid = mixedGrid();
  HeatProblem p = makeHeatProblem(grid.size, Vec3(1, 1, 1), grid.material,
                                  MaterialTable::defaults(), DamageModel{}, 0);
  p.insulated_boundary = insulated;
  p.perfusion_stops_with_damage = perfusion_stops;
  if (!insulated) p.boundary_temperature_c = 35.0F;  // a boundary that pulls heat out
  std::string why;
  std::unique_ptr<HeatBackend> gl = tryGl(p, why);
  if (!gl) GTEST_SKIP() << "GL backend unavailable: " << why;
  std::unique_ptr<HeatBackend> cpu = makeCpuBackend(p);
  const std::vector<float> q = blob(grid.size, 23, 18, 16, 2.0, 1e7);
  cpu->setSource(q);
  gl->setSource(q);
  cpu->advance(200);
  gl->advance(200);
  const Agreement a = compare(cpu->readFields(), gl->readFields());
  std::cout << "[ GL vs CPU ] " << gl->name() << (insulated ? " insulated" : " Dirichlet 35 C")
            << (perfusion_stops ? "" : ", perfusion kept") << ", dt " << p.dt_s
            << " s x 200: max|dT| " << a.max_dt << " C, max|dTmax| " << a.max_dtmax
            << " C, max rel dOmega " << a.max_rel_omega << ", max rel dCEM43 " << a.max_rel_cem
            << ", zone " << a.zone_cpu << "/" << a.zone_gl << " voxels, Dice " << a.dice
            << ", peak " << a.t_peak << " C\n";
  expectAgreement(a);
}

TEST(GlBackend, MatchesCpuWithDirichletBoundary) {
  runParity(false, true);
}

TEST(GlBackend, MatchesCpuWithInsulatedBoundaryAndKeptPerfusion) {
  runParity(true, false);
}

TEST(GlBackend, NameAndInitialState) {
  const Grid grid = mixedGrid();
  const HeatProblem p = makeHeatProblem(grid.size, Vec3(1, 1, 1), grid.material,
                                        MaterialTable::defaults(), DamageModel{}, 0);
  std::string why;
  std::unique_ptr<HeatBackend> gl = tryGl(p, why);
  if (!gl) GTEST_SKIP() << "GL backend unavailable: " << why;
  EXPECT_EQ(gl->name().rfind("gl (", 0), 0U) << gl->name();
  EXPECT_EQ(gl->name().back(), ')');
  std::vector<float> t;
  gl->readTemperature(t);
  std::vector<float> t_cpu;
  makeCpuBackend(p)->readTemperature(t_cpu);
  EXPECT_EQ(t, t_cpu);  // held voxels at their temperature, the others at 37 C
  gl->advance(0);
  gl->readTemperature(t);
  EXPECT_EQ(t, t_cpu);
}

TEST(GlBackend, SourceChangeMidRunIsHonoured) {
  const Size3 size{24, 20, 16};
  const HeatProblem p =
      makeHeatProblem(size, Vec3(1, 1, 1), std::vector<std::uint8_t>(24 * 20 * 16, 0),
                      MaterialTable::defaults(), DamageModel{}, 0);
  std::string why;
  std::unique_ptr<HeatBackend> gl = tryGl(p, why);
  if (!gl) GTEST_SKIP() << "GL backend unavailable: " << why;
  std::unique_ptr<HeatBackend> cpu = makeCpuBackend(p);
  const std::size_t a = 6 + 24 * (10 + 20 * 8);   // first source centre
  const std::size_t b = 18 + 24 * (10 + 20 * 8);  // second source centre, 12 mm away
  const std::vector<float> qa = blob(size, 6, 10, 8, 1.5, 5e6);
  const std::vector<float> qb = blob(size, 18, 10, 8, 1.5, 5e6);
  for (HeatBackend* be : {cpu.get(), gl.get()}) {
    be->setSource(qa);
    be->advance(40);
  }
  std::vector<float> t_gl;
  std::vector<float> t_cpu;
  gl->readTemperature(t_gl);
  cpu->readTemperature(t_cpu);
  EXPECT_GT(t_gl[a], 45.0F);
  EXPECT_LT(t_gl[b], 37.5F);
  const float a_after_first = t_gl[a];
  for (HeatBackend* be : {cpu.get(), gl.get()}) {
    be->setSource(qb);
    be->advance(40);
  }
  gl->readTemperature(t_gl);
  cpu->readTemperature(t_cpu);
  EXPECT_GT(t_gl[b], 45.0F);          // the new source heats
  EXPECT_LT(t_gl[a], a_after_first);  // the old one is off: it cools
  double max_dt = 0;
  for (std::size_t i = 0; i < t_gl.size(); ++i) {
    max_dt = std::max(max_dt, std::abs(static_cast<double>(t_gl[i]) - t_cpu[i]));
  }
  EXPECT_LE(max_dt, 0.01);
  // A source of the wrong size is ignored, as by the CPU backend.
  gl->setSource(std::vector<float>(3, 1e9F));
  cpu->setSource(std::vector<float>(3, 1e9F));
  gl->advance(5);
  cpu->advance(5);
  gl->readTemperature(t_gl);
  cpu->readTemperature(t_cpu);
  for (std::size_t i = 0; i < t_gl.size(); ++i) {
    max_dt = std::max(max_dt, std::abs(static_cast<double>(t_gl[i]) - t_cpu[i]));
  }
  EXPECT_LE(max_dt, 0.01);
}

TEST(GlBackend, TwoBackendsOnOneThreadKeepTheirOwnState) {
  const Size3 size{16, 16, 16};
  const HeatProblem p = makeHeatProblem(size, Vec3(1, 1, 1), std::vector<std::uint8_t>(4096, 0),
                                        MaterialTable::defaults(), DamageModel{}, 0);
  std::string why;
  std::unique_ptr<HeatBackend> first = tryGl(p, why);
  if (!first) GTEST_SKIP() << "GL backend unavailable: " << why;
  std::unique_ptr<HeatBackend> second = makeGlBackend(p);  // makes its own context current
  first->setSource(blob(size, 8, 8, 8, 1.5, 5e6));
  first->advance(20);
  second->advance(20);
  std::vector<float> t1;
  std::vector<float> t2;
  first->readTemperature(t1);
  second->readTemperature(t2);
  EXPECT_GT(*std::max_element(t1.begin(), t1.end()), 40.0F);
  EXPECT_FLOAT_EQ(*std::max_element(t2.begin(), t2.end()), 37.0F);
  second.reset();  // the first one still works after the second's context is gone
  first->advance(1);
  first->readTemperature(t2);
  EXPECT_NE(t1, t2);
}

TEST(GlBackend, DisabledByEnvironmentFallsBackToCpu) {
  const HeatProblem p = makeHeatProblem({8, 8, 8}, Vec3(1, 1, 1), std::vector<std::uint8_t>(512, 0),
                                        MaterialTable::defaults(), DamageModel{}, 0);
  const EnvGuard guard("RFA_GL", "off");
  try {
    makeGlBackend(p);
    ADD_FAILURE() << "makeGlBackend did not throw under RFA_GL=off";
  } catch (const UnsupportedError& e) {
    EXPECT_EQ(std::string(e.what()), "disabled by RFA_GL=off");
  }
  EXPECT_THROW(makeBackend(BackendChoice::kGl, p), UnsupportedError);
  std::string reason;
  const std::unique_ptr<HeatBackend> b = makeBackend(BackendChoice::kAuto, p, &reason);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->name(), "cpu");
  EXPECT_NE(reason.find("disabled by RFA_GL=off"), std::string::npos) << reason;
  EXPECT_EQ(makeBackend(BackendChoice::kCpu, p)->name(), "cpu");
}

TEST(GlBackend, AutoPicksGlOnHardwareAndCpuOnSoftware) {
  const HeatProblem p = makeHeatProblem({8, 8, 8}, Vec3(1, 1, 1), std::vector<std::uint8_t>(512, 0),
                                        MaterialTable::defaults(), DamageModel{}, 0);
  std::string why;
  if (!tryGl(p, why)) GTEST_SKIP() << "GL backend unavailable: " << why;
  std::string reason;
  const std::unique_ptr<HeatBackend> b = makeBackend(BackendChoice::kAuto, p, &reason);
  const std::string gl_name = makeGlBackend(p)->name();
  if (gl_name.find("llvmpipe") != std::string::npos) {
    EXPECT_EQ(b->name(), "cpu");
    EXPECT_NE(reason.find("software"), std::string::npos) << reason;
  } else {
    EXPECT_EQ(b->name().rfind("gl (", 0), 0U) << b->name();
    EXPECT_TRUE(reason.empty()) << reason;
  }
}

TEST(GlBackend, GridBeyondTheStorageBlockLimitIsUnsupported) {
  std::string why;
  if (!tryGl(makeHeatProblem({4, 4, 4}, Vec3(1, 1, 1), std::vector<std::uint8_t>(64, 0),
                             MaterialTable::defaults(), DamageModel{}, 0),
             why)) {
    GTEST_SKIP() << "GL backend unavailable: " << why;
  }
  // 36.1 M voxels: 144 MB per field, over the 128 MiB that llvmpipe allows per storage block.
  const Size3 size{336, 336, 320};
  const HeatProblem p =
      makeHeatProblem(size, Vec3(1, 1, 1), std::vector<std::uint8_t>(336 * 336 * 320, 0),
                      MaterialTable::defaults(), DamageModel{}, 0);
  try {
    const std::unique_ptr<HeatBackend> gl = makeGlBackend(p);
    GTEST_SKIP() << gl->name() << " takes 144 MB storage blocks: no limit to test here";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("GL_MAX_SHADER_STORAGE_BLOCK_SIZE"), std::string::npos)
        << e.what();
  }
}

// Wall time of CPU and GL on an all-liver cube with a source; 48^3 x 30 steps by default,
// RFA_GL_BENCH=1 for 128^3 x 200 steps. Prints the figures; checks only that they agree.
TEST(GlBackend, TimingCpuVsGl) {
  const char* bench = std::getenv("RFA_GL_BENCH");
  const bool big = bench != nullptr && std::string(bench) == "1";
  const std::size_t n = big ? 128 : 48;
  const int steps = big ? 200 : 30;
  const Size3 size{n, n, n};
  const HeatProblem p =
      makeHeatProblem(size, Vec3(1, 1, 1), std::vector<std::uint8_t>(n * n * n, 0),
                      MaterialTable::defaults(), DamageModel{}, 0);
  std::string why;
  std::unique_ptr<HeatBackend> gl = tryGl(p, why);
  if (!gl) GTEST_SKIP() << "GL backend unavailable: " << why;
  std::unique_ptr<HeatBackend> cpu = makeCpuBackend(p);
  const double c = static_cast<double>(n) / 2;
  const std::vector<float> q = blob(size, c, c, c, 3.0, 1e7);
  const auto time = [&](HeatBackend& be, std::vector<float>& t) {
    be.setSource(q);
    be.advance(1);  // warm-up (GL: first dispatch)
    be.readTemperature(t);
    const auto start = std::chrono::steady_clock::now();
    be.advance(steps);
    be.readTemperature(t);  // includes the wait for the GPU
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::vector<float> t_cpu;
  std::vector<float> t_gl;
  const double s_cpu = time(*cpu, t_cpu);
  const double s_gl = time(*gl, t_gl);
  std::cout << "[ timing   ] " << n << "^3 x " << steps << " steps: cpu " << s_cpu << " s ("
            << s_cpu / steps * 1e3 << " ms/step), " << gl->name() << " " << s_gl << " s ("
            << s_gl / steps * 1e3 << " ms/step)\n";
  double max_dt = 0;
  for (std::size_t i = 0; i < t_cpu.size(); ++i) {
    max_dt = std::max(max_dt, std::abs(static_cast<double>(t_cpu[i]) - t_gl[i]));
  }
  EXPECT_LE(max_dt, 0.01);
}

}  // namespace
}  // namespace rfa::thermal
