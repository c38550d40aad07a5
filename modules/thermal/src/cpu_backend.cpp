// CPU reference backend: the update of heat_problem.h, single precision, one thread per z-slab
// (rfa::parallelFor), double-buffered temperature. Each row is updated in two passes:
//  1. the stencil: T' from T, the source q and the perfusion left, and T_max. Interior rows of one
//     free material (most of the grid) take a branch-free loop that the compiler vectorises (AVX2
//     where the CPU has it, chosen at run time); other rows a table-driven scalar loop;
//  2. damage, only over the span of the row between its first and last voxel at or above
//     min(damage floor, 39 C), branch-free and vectorised (2^x without a library call,
//     fast_exp2.h): Omega, CEM43 and the perfusion left by the damage, w exp(-Omega), kept per
//     voxel so that pass 1 reads one float instead of computing exp(-Omega) for every voxel.
// Memory per voxel update in pass 1 of a uniform row: T read (neighbours from cache), T' written,
// q, w exp(-Omega), T_max read and written. No fused multiply-add anywhere (neither the x86-64
// baseline nor the AVX2 clone has FMA), so the scalar and vector paths give the same bits.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "fast_exp2.h"
#include "rfa/core/parallel.h"
#include "rfa/thermal/heat_backend.h"

namespace rfa::thermal {

namespace {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define RFA_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define RFA_VECTOR_CLONES
#endif

constexpr float kCemFloorC = 39.0F;  // CEM43 counts from here

// Pass 1's result for a run of voxels: some voxel reached the pass-2 threshold / changed value.
constexpr int kHot = 1;
constexpr int kChanged = 2;

/// A run of voxels of one row and its six neighbour runs, in the order x-, x+, y-, y+, z-, z+.
/// A face outside the grid points at a ghost run: the row's own materials with the boundary
/// temperature (Dirichlet) or the row's own temperatures (insulated: the face adds 0).
struct RowRun {
  std::array<const float*, 6> t;
  std::array<const std::uint8_t*, 6> mat;
};

/// Constants of a row of one free material (pass 1).
struct UniformRow {
  float gx, gy, gz;  ///< face conductances per unit volume, W/(m3 K)
  float k;           ///< dt / (rho c)
  float perf;        ///< w rho_b c_b of the material (rows without damage), W/(m3 K)
  float arterial_c;
  float vaporisation_c;
  float hot_c;  ///< pass 2 threshold
};

// The loop of uniformRowKernel. kSource: the row has a heat source (else q is not read, it is 0);
// kDamaged: some voxel of the row lost perfusion (else perf_left is not read, it equals c.perf).
// Fewer bytes per voxel where the row is far from the electrode and undamaged.
template <bool kSource, bool kDamaged>
[[gnu::always_inline]] inline int uniformRowLoop(const float* __restrict t, float* __restrict next,
                                                 float* __restrict tmax, const float* __restrict q,
                                                 const float* __restrict perf_left,
                                                 const RowRun& nb, std::size_t count,
                                                 const UniformRow& c) {
  const float* t0 = nb.t[0];
  const float* t1 = nb.t[1];
  const float* t2 = nb.t[2];
  const float* t3 = nb.t[3];
  const float* t4 = nb.t[4];
  const float* t5 = nb.t[5];
  int hot = 0;
  int changed = 0;
#pragma GCC ivdep
  for (std::size_t n = 0; n < count; ++n) {
    const float ti = t[n];
    float sum = c.gx * (t0[n] - ti);
    sum += c.gx * (t1[n] - ti);
    sum += c.gy * (t2[n] - ti);
    sum += c.gy * (t3[n] - ti);
    sum += c.gz * (t4[n] - ti);
    sum += c.gz * (t5[n] - ti);
    if constexpr (kSource) sum += q[n];
    const float perf = kDamaged ? perf_left[n] : c.perf;
    float tn = ti + c.k * (sum - perf * (ti - c.arterial_c));
    tn = c.vaporisation_c < tn ? c.vaporisation_c : tn;
    next[n] = tn;
    tmax[n] = tn > tmax[n] ? tn : tmax[n];
    hot |= static_cast<int>(tn >= c.hot_c);
    changed |= static_cast<int>(tn != ti);
  }
  return (hot != 0 ? kHot : 0) | (changed != 0 ? kChanged : 0);
}

// Pass 1 of voxels [0, count) of a run of one free material whose neighbour runs (nb, ghosts
// included) are of the same material. Returns kHot | kChanged flags. Same operations in
// the same order as the scalar paths (a source of exactly 0 is skipped: x + 0 == x).
RFA_VECTOR_CLONES
int uniformRowKernel(const float* __restrict t, float* __restrict next, float* __restrict tmax,
                     const float* __restrict q, const float* __restrict perf_left, const RowRun& nb,
                     std::size_t count, bool source, bool damaged, const UniformRow& c) {
  if (source) {
    return damaged ? uniformRowLoop<true, true>(t, next, tmax, q, perf_left, nb, count, c)
                   : uniformRowLoop<true, false>(t, next, tmax, q, perf_left, nb, count, c);
  }
  return damaged ? uniformRowLoop<false, true>(t, next, tmax, q, perf_left, nb, count, c)
                 : uniformRowLoop<false, false>(t, next, tmax, q, perf_left, nb, count, c);
}

/// Tables of a row of several materials (pass 1), indexed by material.
struct MixedRow {
  const float* g;        ///< face conductances g[axis][m][neighbour], row-major, W/(m3 K)
  const float* k;        ///< dt / (rho c)
  const float* held;     ///< held temperature, C (used where is_held)
  const float* is_held;  ///< 1 for held materials, 0 for free ones
  float arterial_c;
  float vaporisation_c;
  float hot_c;
};

// Pass 1 of voxels [0, count) of a run of several materials: per-voxel table lookups (gathers on
// AVX2), held voxels selected after the free update is computed for every voxel. For free voxels
// the same operations in the same order as update().
RFA_VECTOR_CLONES
int mixedRowKernel(const float* __restrict t, float* __restrict next, float* __restrict tmax,
                   const float* __restrict q, const float* __restrict perf_left,
                   const std::uint8_t* __restrict mat, const RowRun& nb, std::size_t count,
                   const MixedRow& c) {
  constexpr int kM = kMaterialCount;  // 32-bit table indices: gathers of 8 floats on AVX2
  const float* gx = c.g;
  const float* gy = c.g + kMaterialCount * kMaterialCount;
  const float* gz = c.g + 2 * kMaterialCount * kMaterialCount;
  const float* t0 = nb.t[0];
  const float* t1 = nb.t[1];
  const float* t2 = nb.t[2];
  const float* t3 = nb.t[3];
  const float* t4 = nb.t[4];
  const float* t5 = nb.t[5];
  const std::uint8_t* m0 = nb.mat[0];
  const std::uint8_t* m1 = nb.mat[1];
  const std::uint8_t* m2 = nb.mat[2];
  const std::uint8_t* m3 = nb.mat[3];
  const std::uint8_t* m4 = nb.mat[4];
  const std::uint8_t* m5 = nb.mat[5];
  int hot = 0;
  int changed = 0;
#pragma GCC ivdep
  for (std::size_t n = 0; n < count; ++n) {
    const int m = mat[n];
    const float ti = t[n];
    float sum = gx[m * kM + m0[n]] * (t0[n] - ti);
    sum += gx[m * kM + m1[n]] * (t1[n] - ti);
    sum += gy[m * kM + m2[n]] * (t2[n] - ti);
    sum += gy[m * kM + m3[n]] * (t3[n] - ti);
    sum += gz[m * kM + m4[n]] * (t4[n] - ti);
    sum += gz[m * kM + m5[n]] * (t5[n] - ti);
    float tn = ti + c.k[m] * (sum + q[n] - perf_left[n] * (ti - c.arterial_c));
    tn = c.vaporisation_c < tn ? c.vaporisation_c : tn;
    const float held = c.held[m];  // loaded unconditionally so that the select if-converts
    tn = c.is_held[m] != 0.0F ? held : tn;
    next[n] = tn;
    tmax[n] = tn > tmax[n] ? tn : tmax[n];
    hot |= static_cast<int>(tn >= c.hot_c);
    changed |= static_cast<int>(tn != ti);
  }
  return (hot != 0 ? kHot : 0) | (changed != 0 ? kChanged : 0);
}

/// Constants of pass 2, in base 2: the Arrhenius rate is dt 2^(a2 - b2 / T_K).
struct DamageConstants {
  float floor_c;      ///< Arrhenius damage counts from here
  float dt_s;         ///< step, s
  float a2;           ///< ln A log2(e)
  float b2;           ///< Ea / R log2(e), K
  bool stops;         ///< perfusion x exp(-Omega)
  const float* perf;  ///< w rho_b c_b per material, W/(m3 K)
};

// Pass 2 over voxels [0, count): every voxel is computed and the conditions select (branch-free).
// Returns whether a voxel was at or above the damage floor.
RFA_VECTOR_CLONES
bool damageSpan(const float* __restrict next, const std::uint8_t* __restrict mat,
                float* __restrict omega, float* __restrict cem, float* __restrict perf_left,
                std::size_t count, const DamageConstants c) {
  constexpr auto kLog2E = static_cast<float>(detail::kLog2E);
  int any = 0;
  for (std::size_t n = 0; n < count; ++n) {
    const float tn = next[n];
    const bool damaging = tn >= c.floor_c;
    any |= static_cast<int>(damaging);
    const float rate = c.dt_s * detail::fastExp2(c.a2 - c.b2 / (tn + 273.15F));
    const float w = omega[n] + (damaging ? rate : 0.0F);
    omega[n] = w;
    const float kept = perf_left[n];
    const float left = c.perf[mat[n]] * detail::fastExp2(-w * kLog2E);
    perf_left[n] = (damaging & c.stops) ? left : kept;
    // R^(43 - T) with R = 0.5 at or above 43 C, 0.25 below: 2^(T - 43), 2^(2 (T - 43)).
    const float e = tn >= 43.0F ? 1.0F : 2.0F;
    const float dose = c.dt_s / 60.0F * detail::fastExp2(e * (tn - 43.0F));
    cem[n] = cem[n] + (tn >= kCemFloorC ? dose : 0.0F);
  }
  return any != 0;
}

class CpuBackend final : public HeatBackend {
 public:
  explicit CpuBackend(const HeatProblem& p) : p_(p) {
    for (std::size_t m = 0; m < kMaterialCount; ++m) held_[m] = !std::isnan(p_.held[m]);
    const std::size_t n = p_.voxelCount();
    t_.resize(n);
    perf_left_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const float h = p_.held[p_.material[i]];
      t_[i] = std::isnan(h) ? p_.initial_temperature_c : h;
      perf_left_[i] = p_.perf[p_.material[i]];
    }
    next_ = t_;
    tmax_ = t_;
    q_.assign(n, 0.0F);
    omega_.assign(n, 0.0F);
    cem_.assign(n, 0.0F);
    hot_c_ = std::min(p_.damage_floor_c, kCemFloorC);
    damage_ = {p_.damage_floor_c,
               p_.dt_s,
               static_cast<float>(p_.ln_a * detail::kLog2E),
               static_cast<float>(p_.ea_over_r_k * detail::kLog2E),
               p_.perfusion_stops_with_damage,
               p_.perf.data()};
    for (std::size_t m = 0; m < kMaterialCount; ++m) {
      is_held_[m] = held_[m] ? 1.0F : 0.0F;
      held_c_[m] = held_[m] ? p_.held[m] : 0.0F;
    }
    for (std::size_t a = 0; a < 3; ++a) {
      for (std::size_t m = 0; m < kMaterialCount; ++m) {
        std::copy(
            p_.g[a][m].begin(), p_.g[a][m].end(),
            g_.begin() + static_cast<std::ptrdiff_t>((a * kMaterialCount + m) * kMaterialCount));
      }
    }
    ghost_.assign(p_.size[0], p_.boundary_temperature_c);
    mixed_ = {g_.data(),     p_.dt_over_rhoc.data(), held_c_.data(), is_held_.data(),
              p_.arterial_c, p_.vaporisation_c,      hot_c_};
    classifyRows();
    row_source_.assign(p_.size[1] * p_.size[2], 0);
    row_damaged_.assign(p_.size[1] * p_.size[2], 0);
    row_hot_.assign(p_.size[1] * p_.size[2], 0);
    changed_before_.assign(p_.size[1] * p_.size[2], 1);  // the first step computes every row
    changed_now_.assign(p_.size[1] * p_.size[2], 0);
  }

  [[nodiscard]] std::string name() const override { return "cpu"; }

  void setSource(const std::vector<float>& q) override {
    if (q.size() != q_.size()) return;
    const std::size_t nx = p_.size[0];
    const std::size_t ny = p_.size[1];
    parallelFor(p_.size[2], [&](std::size_t k) {
      for (std::size_t r = ny * k; r < ny * (k + 1); ++r) {
        const float* from = q.data() + r * nx;
        float* to = q_.data() + r * nx;
        bool any = false;
        bool changed = false;
        for (std::size_t i = 0; i < nx; ++i) {
          changed |= to[i] != from[i];
          to[i] = from[i];
          any |= from[i] != 0.0F;
        }
        row_source_[r] = any ? 1 : 0;
        if (changed) changed_before_[r] = 1;  // computed in the next step
      }
    });
  }

  void advance(int steps) override {
    for (int s = 0; s < steps; ++s) {
      step();
      t_.swap(next_);
    }
  }

  void readTemperature(std::vector<float>& out) override { out = t_; }

  [[nodiscard]] const std::vector<float>* hostTemperature() const override { return &t_; }

  HeatFields readFields() override { return {t_, tmax_, omega_, cem_}; }

 private:
  // A row is computed when it or one of its neighbour rows changed in the previous step (or its
  // source changed): otherwise its inputs are those of the previous step, bit for bit, and so is
  // its result, which both temperature buffers already hold. Hot rows still take pass 2 (damage
  // accrues at a steady temperature). Far from the electrode most rows stay at exactly 37 C for
  // most of a protocol.
  [[nodiscard]] bool mustCompute(std::size_t j, std::size_t k) const {
    const std::size_t ny = p_.size[1];
    const std::size_t r = j + ny * k;
    const std::uint8_t* c = changed_before_.data();
    return c[r] != 0 || (j > 0 && c[r - 1] != 0) || (j + 1 < ny && c[r + 1] != 0) ||
           (k > 0 && c[r - ny] != 0) || (k + 1 < p_.size[2] && c[r + ny] != 0);
  }

  void step() {
    const std::size_t nx = p_.size[0];
    const std::size_t ny = p_.size[1];
    const std::size_t nz = p_.size[2];
    parallelFor(nz, [&](std::size_t k) {
      for (std::size_t j = 0; j < ny; ++j) {
        const std::size_t row = nx * (j + ny * k);
        const std::size_t r = j + ny * k;
        int flags = 0;
        if (!mustCompute(j, k)) {
          flags = row_hot_[r] != 0 ? kHot : 0;
        } else if (nx < 3) {
          for (std::size_t i = 0; i < nx; ++i) flags |= update(row + i, i, j, k);
        } else {
          // The row's interior first: it streams the row's cache lines in for the two ends.
          flags |= runRow(row + 1, nx - 2, j, k);
          flags |= update(row, 0, j, k);
          flags |= update(row + nx - 1, nx - 1, j, k);
        }
        row_hot_[r] = (flags & kHot) != 0 ? 1 : 0;
        // Perfusion lost to damage changes the row's input: computed again next step.
        if ((flags & kHot) != 0 && damageRow(row, nx)) flags |= kChanged;
        changed_now_[r] = (flags & kChanged) != 0 ? 1 : 0;
      }
    });
    changed_before_.swap(changed_now_);
  }

  // Pass 1 of voxels n0 .. n0 + count - 1 of row (j, k), none at the x ends of the grid: the
  // uniform kernel over a row that is one free material with its neighbour rows, else run by run
  // (uniform runs of one material with all their neighbours, the table-driven kernel between);
  // faces outside the grid in y or z take the boundary rule through ghost runs.
  int runRow(std::size_t n0, std::size_t count, std::size_t j, std::size_t k) {
    const std::size_t r = j + p_.size[1] * k;
    if (uniform_row_[r] != 0) {
      return uniformRun(n0, count, j, k, static_cast<std::uint8_t>(uniform_row_[r] - 1));
    }
    const std::size_t row = n0 - 1;
    int flags = 0;
    for (std::size_t i = run_offset_[r]; i < run_offset_[r + 1]; ++i) {
      const Run& run = runs_[i];
      flags |= run.material == kMixedRun
                   ? mixedRun(row + run.begin, run.count, j, k)
                   : uniformRun(row + run.begin, run.count, j, k, run.material);
    }
    return flags;
  }

  // Neighbour runs of voxels n0 .. of row (j, k) (x neighbours inside the row).
  [[nodiscard]] RowRun neighbours(std::size_t n0, std::size_t j, std::size_t k) const {
    const std::size_t sy = p_.size[0];
    const std::size_t sz = p_.size[0] * p_.size[1];
    const float* t = t_.data() + n0;
    const std::uint8_t* mat = p_.material.data() + n0;
    const float* ghost_t = p_.insulated_boundary ? t : ghost_.data();
    RowRun nb{};
    nb.t = {t - 1,
            t + 1,
            j > 0 ? t - sy : ghost_t,
            j + 1 < p_.size[1] ? t + sy : ghost_t,
            k > 0 ? t - sz : ghost_t,
            k + 1 < p_.size[2] ? t + sz : ghost_t};
    nb.mat = {mat - 1,
              mat + 1,
              j > 0 ? mat - sy : mat,
              j + 1 < p_.size[1] ? mat + sy : mat,
              k > 0 ? mat - sz : mat,
              k + 1 < p_.size[2] ? mat + sz : mat};
    return nb;
  }

  int uniformRun(std::size_t n0, std::size_t count, std::size_t j, std::size_t k, std::uint8_t m) {
    const std::size_t r = j + p_.size[1] * k;
    const UniformRow c{p_.g[0][m][m], p_.g[1][m][m], p_.g[2][m][m],     p_.dt_over_rhoc[m],
                       p_.perf[m],    p_.arterial_c, p_.vaporisation_c, hot_c_};
    return uniformRowKernel(t_.data() + n0, next_.data() + n0, tmax_.data() + n0, q_.data() + n0,
                            perf_left_.data() + n0, neighbours(n0, j, k), count,
                            row_source_[r] != 0, row_damaged_[r] != 0, c);
  }

  int mixedRun(std::size_t n0, std::size_t count, std::size_t j, std::size_t k) {
    return mixedRowKernel(t_.data() + n0, next_.data() + n0, tmax_.data() + n0, q_.data() + n0,
                          perf_left_.data() + n0, p_.material.data() + n0, neighbours(n0, j, k),
                          count, mixed_);
  }

  // Pass 2 of a row: the span from its first to its last voxel at or above hot_c_. Returns whether
  // the perfusion left changed (a voxel at or above the damage floor, perfusion stopping).
  bool damageRow(std::size_t n0, std::size_t count) {
    const float* next = next_.data();
    std::size_t lo = n0;
    std::size_t hi = n0 + count;
    while (lo < hi && next[lo] < hot_c_) ++lo;
    while (hi > lo && next[hi - 1] < hot_c_) --hi;
    if (lo == hi) return false;
    if (!damageSpan(next + lo, p_.material.data() + lo, omega_.data() + lo, cem_.data() + lo,
                    perf_left_.data() + lo, hi - lo, damage_)) {
      return false;
    }
    row_damaged_[n0 / p_.size[0]] = 1;
    return p_.perfusion_stops_with_damage;
  }

  // Marks the rows that are one free material with their neighbour rows inside the grid, once;
  // splits the others (x ends excluded) into runs: voxels of one free material whose six
  // neighbours are that material too (at least kMinUniformRun of them in a row), and the voxels
  // between, which take the table-driven kernel.
  void classifyRows() {
    constexpr std::size_t kMinUniformRun = 16;
    const std::size_t nx = p_.size[0];
    const std::size_t ny = p_.size[1];
    const std::size_t nz = p_.size[2];
    uniform_row_.assign(ny * nz, 0);
    run_offset_.assign(ny * nz + 1, 0);
    runs_.clear();
    if (nx < 3) return;
    const std::uint8_t* mat = p_.material.data();
    const std::size_t sz = nx * ny;
    std::vector<std::uint8_t> kind(nx);
    for (std::size_t k = 0; k < nz; ++k) {
      for (std::size_t j = 0; j < ny; ++j) {
        const std::size_t r = j + ny * k;
        run_offset_[r] = runs_.size();
        const std::size_t row = nx * r;
        // Per voxel: its material when it and its neighbours inside the grid are that free
        // material, else mixed.
        bool all_uniform = true;
        for (std::size_t i = 0; i < nx; ++i) {
          const std::size_t n = row + i;
          const std::uint8_t m = mat[n];
          bool ok = !held_[m];
          ok = ok && (i == 0 || mat[n - 1] == m) && (i + 1 == nx || mat[n + 1] == m);
          ok = ok && (j == 0 || mat[n - nx] == m) && (j + 1 == ny || mat[n + nx] == m);
          ok = ok && (k == 0 || mat[n - sz] == m) && (k + 1 == nz || mat[n + sz] == m);
          kind[i] = ok ? m : kMixedRun;
          all_uniform = all_uniform && ok && m == kind[0];
        }
        if (all_uniform) {
          uniform_row_[r] = static_cast<std::uint8_t>(kind[0] + 1);
          continue;
        }
        // Runs over i = 1 .. nx - 2; short uniform runs join the mixed ones.
        std::size_t i = 1;
        while (i + 1 < nx) {
          std::size_t e = i + 1;
          while (e + 1 < nx && kind[e] == kind[i]) ++e;
          const std::uint8_t m =
              (kind[i] != kMixedRun && e - i >= kMinUniformRun) ? kind[i] : kMixedRun;
          if (m == kMixedRun && !runs_.empty() && runs_.size() > run_offset_[r] &&
              runs_.back().material == kMixedRun) {
            runs_.back().count += static_cast<std::uint32_t>(e - i);
          } else {
            runs_.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(e - i), m});
          }
          i = e;
        }
      }
    }
    run_offset_[ny * nz] = runs_.size();
  }

  // T' of a free voxel from its face sum.
  [[nodiscard]] float freeUpdate(std::size_t n, std::uint8_t m, float ti, float sum) const {
    // q and w exp(-Omega) are read only where the row's flags say they are not 0 and w: the
    // vector kernels skip them there, and a lone load at the row's end would miss the cache.
    const std::size_t r = n / p_.size[0];
    if (row_source_[r] != 0) sum += q_[n];
    const float perf = row_damaged_[r] != 0 ? perf_left_[n] : p_.perf[m];
    const float tn = ti + p_.dt_over_rhoc[m] * (sum - perf * (ti - p_.arterial_c));
    return std::min(tn, p_.vaporisation_c);
  }

  // Pass 1's store: T' and T_max; returns kHot (the voxel needs pass 2) | kChanged.
  int store(std::size_t n, float tn) {
    const int changed = tn != t_[n] ? kChanged : 0;
    next_[n] = tn;
    if (tn > tmax_[n]) tmax_[n] = tn;
    return (tn >= hot_c_ ? kHot : 0) | changed;
  }

  // Pass 1 of any voxel (bounds tested); the sum is taken in the order x-, x+, y-, y+, z-, z+ (as
  // in the GLSL kernel).
  int update(std::size_t n, std::size_t i, std::size_t j, std::size_t k) {
    // In a uniform row every neighbour inside the grid is the row's material: the material array
    // is not read there (the vector kernel does not read it, a lone load would miss the cache).
    const std::uint8_t uniform = uniform_row_[j + p_.size[1] * k];
    const auto m = static_cast<std::uint8_t>(uniform != 0 ? uniform - 1 : p_.material[n]);
    if (held_[m]) return store(n, p_.held[m]);
    const float ti = t_[n];
    const std::size_t sy = p_.size[0];
    const std::size_t sz = p_.size[0] * p_.size[1];
    float sum = 0.0F;
    const auto face = [&](std::size_t axis, bool inside, std::size_t o) {
      if (inside) {
        sum += p_.g[axis][m][uniform != 0 ? m : p_.material[o]] * (t_[o] - ti);
      } else if (!p_.insulated_boundary) {
        sum += p_.g[axis][m][m] * (p_.boundary_temperature_c - ti);
      }
    };
    face(0, i > 0, n - 1);
    face(0, i + 1 < p_.size[0], n + 1);
    face(1, j > 0, n - sy);
    face(1, j + 1 < p_.size[1], n + sy);
    face(2, k > 0, n - sz);
    face(2, k + 1 < p_.size[2], n + sz);
    return store(n, freeUpdate(n, m, ti, sum));
  }

  HeatProblem p_;
  std::array<bool, kMaterialCount> held_{};
  // A run of voxels of a row: [begin, begin + count) in x, of one free material with all its
  // neighbours (uniform kernel) or kMixedRun (table-driven kernel).
  struct Run {
    std::uint32_t begin;
    std::uint32_t count;
    std::uint8_t material;
  };
  static constexpr std::uint8_t kMixedRun = 0xFF;

  std::vector<std::uint8_t> uniform_row_;  // per (j, k): 1 + the material of a uniform row, or 0
  std::vector<Run> runs_;                  // the other rows' runs, row after row
  std::vector<std::size_t> run_offset_;    // per (j, k): first run in runs_; one more at the end
  std::vector<std::uint8_t> row_source_;   // per (j, k): some q != 0
  std::vector<std::uint8_t> row_damaged_;  // per (j, k): some voxel reached the damage floor
  std::vector<std::uint8_t> row_hot_;      // per (j, k): some voxel at or above hot_c_
  std::vector<std::uint8_t> changed_before_, changed_now_;  // per (j, k): previous / this step
  std::vector<float> t_, next_, tmax_, q_, omega_, cem_;
  std::vector<float> perf_left_;  // w rho_b c_b exp(-Omega) per voxel, W/(m3 K)
  float hot_c_ = kCemFloorC;      // pass 2 threshold, C
  DamageConstants damage_{};
  std::array<float, kMaterialCount> is_held_{};  // 1 where held_
  std::array<float, kMaterialCount> held_c_{};   // held temperature, 0 for free materials
  std::array<float, 3 * kMaterialCount * kMaterialCount> g_{};  // p_.g flattened
  std::vector<float> ghost_;  // one row at the boundary temperature
  MixedRow mixed_{};
};

}  // namespace

std::unique_ptr<HeatBackend> makeCpuBackend(const HeatProblem& problem) {
  return std::make_unique<CpuBackend>(problem);
}

}  // namespace rfa::thermal
