// Jacobi-preconditioned conjugate gradients on the 7-point stencil (see stencil_solver.h), in
// double precision for the reductions and the iterates, parallel over z-slabs.
#include "stencil_solver.h"

#include <array>
#include <cmath>
#include <mutex>

#include "rfa/core/parallel.h"

namespace rfa::thermal::detail {

namespace {

using I = std::ptrdiff_t;

struct Grid {
  I nx, ny, nz, sy, sz;
  std::array<double, 3> inv_dx2;
  explicit Grid(const StencilSystem& s)
      : nx(static_cast<I>(s.size[0])),
        ny(static_cast<I>(s.size[1])),
        nz(static_cast<I>(s.size[2])),
        sy(nx),
        sz(nx * ny),
        inv_dx2{1.0 / (s.spacing_m[0] * s.spacing_m[0]), 1.0 / (s.spacing_m[1] * s.spacing_m[1]),
                1.0 / (s.spacing_m[2] * s.spacing_m[2])} {}
};

inline double harmonic(double a, double b) {
  return (a > 0 && b > 0) ? 2 * a * b / (a + b) : 0;
}

// Calls fn(offset, axis, inside) for the six faces of voxel (i, j, k), in a fixed order.
template <class Fn>
inline void forFaces(const Grid& g, I i, I j, I k, Fn&& fn) {
  fn(-1, 0, i > 0);
  fn(1, 0, i + 1 < g.nx);
  fn(-g.sy, 1, j > 0);
  fn(g.sy, 1, j + 1 < g.ny);
  fn(-g.sz, 2, k > 0);
  fn(g.sz, 2, k + 1 < g.nz);
}

// Parallel loop over voxels with a per-slab partial sum.
template <class Fn>
double sumOver(const Grid& g, Fn&& fn) {
  std::mutex mu;
  double total = 0;
  parallelFor(static_cast<std::size_t>(g.nz), [&](std::size_t kk) {
    double part = 0;
    const auto k = static_cast<I>(kk);
    for (I j = 0; j < g.ny; ++j) {
      for (I i = 0; i < g.nx; ++i) part += fn(i + g.sy * j + g.sz * k, i, j, k);
    }
    const std::lock_guard<std::mutex> lock(mu);
    total += part;
  });
  return total;
}

}  // namespace

SolveReport solveStencil(const StencilSystem& s, const std::vector<float>& f, std::vector<float>& u,
                         double tolerance, int max_iterations, StencilWorkspace* workspace) {
  StencilWorkspace local;
  StencilWorkspace& w = workspace != nullptr ? *workspace : local;
  const Grid g(s);
  const std::size_t n = s.k.size();
  const auto isFixed = [&](I v) {
    return !s.fixed.empty() && s.fixed[static_cast<std::size_t>(v)];
  };
  // Diagonal (positive), right-hand side b = f + couplings to fixed values, and the couplings
  // between free voxels: c[axis][v] links v and v + stride(axis) (0 when either is fixed).
  std::vector<double>& diag = w.diag;
  std::vector<double>& b = w.b;
  std::vector<double>& xf = w.xf;  // x on the free voxels, 0 elsewhere
  std::array<std::vector<float>, 3>& c = w.c;
  diag.assign(n, 0.0);
  b.assign(n, 0.0);
  xf.assign(n, 0.0);
  for (auto& a : c) a.assign(n, 0.0F);
  const double bnorm2 = sumOver(g, [&](I v, I i, I j, I k) {
    const auto uv = static_cast<std::size_t>(v);
    if (isFixed(v)) return 0.0;
    double d = s.a.empty() ? 0.0 : s.a[uv];
    double rhs = f.empty() ? 0.0 : f[uv];
    const double ki = s.k[uv];
    forFaces(g, i, j, k, [&](I off, int axis, bool inside) {
      const auto ax = static_cast<std::size_t>(axis);
      const double inv = g.inv_dx2[ax];
      if (inside) {
        const auto o = static_cast<std::size_t>(v + off);
        const double cf = harmonic(ki, s.k[o]) * inv;
        d += cf;
        if (isFixed(v + off)) {
          rhs += cf * u[o];
        } else if (off > 0) {
          c[ax][uv] = static_cast<float>(cf);
        }
      } else if (!s.insulated_outside) {
        d += ki * inv;
        rhs += ki * inv * s.outside_value;
      }
    });
    diag[uv] = d;
    b[uv] = rhs;
    return rhs * rhs;
  });
  // out = A p over the free voxels (p is 0 on fixed voxels and where diag is 0).
  const auto apply = [&](const std::vector<double>& p, std::vector<double>& out) {
    parallelFor(static_cast<std::size_t>(g.nz), [&](std::size_t kk) {
      const auto k = static_cast<I>(kk);
      for (I j = 0; j < g.ny; ++j) {
        const I row = g.sy * j + g.sz * k;
        const bool inner = j > 0 && k > 0 && j + 1 < g.ny && k + 1 < g.nz;
        const auto sy = static_cast<std::size_t>(g.sy);
        const auto sz = static_cast<std::size_t>(g.sz);
        for (I i = 0; i < g.nx; ++i) {
          const I v = row + i;
          const auto uv = static_cast<std::size_t>(v);
          if (inner && i > 0 && i + 1 < g.nx) {
            // All six neighbours inside: the same terms in the same order, without the tests.
            double acc = diag[uv] * p[uv];
            acc -= c[0][uv] * p[uv + 1];
            acc -= c[0][uv - 1] * p[uv - 1];
            acc -= c[1][uv] * p[uv + sy];
            acc -= c[1][uv - sy] * p[uv - sy];
            acc -= c[2][uv] * p[uv + sz];
            acc -= c[2][uv - sz] * p[uv - sz];
            out[uv] = acc;
            continue;
          }
          double acc = diag[uv] * p[uv];
          if (i + 1 < g.nx) acc -= c[0][uv] * p[uv + 1];
          if (i > 0) acc -= c[0][uv - 1] * p[uv - 1];
          if (j + 1 < g.ny) acc -= c[1][uv] * p[uv + static_cast<std::size_t>(g.sy)];
          if (j > 0)
            acc -=
                c[1][uv - static_cast<std::size_t>(g.sy)] * p[uv - static_cast<std::size_t>(g.sy)];
          if (k + 1 < g.nz) acc -= c[2][uv] * p[uv + static_cast<std::size_t>(g.sz)];
          if (k > 0)
            acc -=
                c[2][uv - static_cast<std::size_t>(g.sz)] * p[uv - static_cast<std::size_t>(g.sz)];
          out[uv] = acc;
        }
      }
    });
  };
  // Free voxels with a zero diagonal (isolated in an insulator) and fixed voxels are left out.
  std::vector<std::uint8_t>& active = w.active;
  active.assign(n, 0);
  for (std::size_t v = 0; v < n; ++v) active[v] = !isFixed(static_cast<I>(v)) && diag[v] > 0;
  SolveReport rep;
  if (bnorm2 == 0) {
    // Zero right-hand side: the solution of the free voxels is 0.
    for (std::size_t v = 0; v < n; ++v) {
      if (!isFixed(static_cast<I>(v))) u[v] = 0.0F;
    }
    rep.converged = true;
    return rep;
  }
  std::vector<double>& r = w.r;
  std::vector<double>& z = w.z;
  std::vector<double>& p = w.p;
  std::vector<double>& ap = w.ap;
  r.assign(n, 0.0);
  z.assign(n, 0.0);
  p.assign(n, 0.0);
  ap.assign(n, 0.0);
  for (std::size_t v = 0; v < n; ++v) xf[v] = active[v] ? u[v] : 0.0;
  apply(xf, ap);
  double rz = sumOver(g, [&](I v, I, I, I) {
    const auto uv = static_cast<std::size_t>(v);
    if (!active[uv]) return 0.0;
    r[uv] = b[uv] - ap[uv];
    z[uv] = r[uv] / diag[uv];
    p[uv] = z[uv];
    return r[uv] * z[uv];
  });
  const double tol2 = tolerance * tolerance * bnorm2;
  double rr = sumOver(g, [&](I v, I, I, I) {
    const auto uv = static_cast<std::size_t>(v);
    return r[uv] * r[uv];
  });
  int it = 0;
  while (rr > tol2 && it < max_iterations) {
    apply(p, ap);
    const double pap = sumOver(g, [&](I v, I, I, I) {
      const auto uv = static_cast<std::size_t>(v);
      return p[uv] * ap[uv];
    });
    if (pap <= 0) break;
    const double alpha = rz / pap;
    double rz_new = 0;
    rr = 0;
    std::mutex mu;
    parallelFor(static_cast<std::size_t>(g.nz), [&](std::size_t kk) {
      double part_rz = 0;
      double part_rr = 0;
      const std::size_t lo = kk * static_cast<std::size_t>(g.sz);
      const std::size_t hi = lo + static_cast<std::size_t>(g.sz);
      for (std::size_t v = lo; v < hi; ++v) {
        if (!active[v]) continue;
        xf[v] += alpha * p[v];
        r[v] -= alpha * ap[v];
        z[v] = r[v] / diag[v];
        part_rz += r[v] * z[v];
        part_rr += r[v] * r[v];
      }
      const std::lock_guard<std::mutex> lock(mu);
      rz_new += part_rz;
      rr += part_rr;
    });
    const double beta = rz_new / rz;
    rz = rz_new;
    parallelFor(static_cast<std::size_t>(g.nz), [&](std::size_t kk) {
      const std::size_t lo = kk * static_cast<std::size_t>(g.sz);
      const std::size_t hi = lo + static_cast<std::size_t>(g.sz);
      for (std::size_t v = lo; v < hi; ++v) p[v] = z[v] + beta * p[v];
    });
    ++it;
  }
  for (std::size_t v = 0; v < n; ++v) {
    if (active[v]) u[v] = static_cast<float>(xf[v]);
  }
  rep.iterations = it;
  rep.relative_residual = std::sqrt(rr / bnorm2);
  rep.converged = rr <= tol2;
  return rep;
}

double jouleHeating(const StencilSystem& s, const std::vector<float>& u, std::vector<float>& q) {
  const Grid g(s);
  q.assign(s.k.size(), 0.0F);
  const auto isFixed = [&](I v) {
    return !s.fixed.empty() && s.fixed[static_cast<std::size_t>(v)];
  };
  const double volume = s.spacing_m[0] * s.spacing_m[1] * s.spacing_m[2];
  const double watts = sumOver(g, [&](I v, I i, I j, I k) {
    const auto uv = static_cast<std::size_t>(v);
    if (isFixed(v)) return 0.0;
    const double ki = s.k[uv];
    double dens = 0;
    forFaces(g, i, j, k, [&](I off, int axis, bool inside) {
      const double inv = g.inv_dx2[static_cast<std::size_t>(axis)];
      if (inside) {
        const auto o = static_cast<std::size_t>(v + off);
        const double dv = static_cast<double>(u[o]) - u[uv];
        const double c = harmonic(ki, s.k[o]) * inv;
        dens += (isFixed(v + off) ? 1.0 : 0.5) * c * dv * dv;
      } else if (!s.insulated_outside) {
        const double dv = s.outside_value - u[uv];
        dens += ki * inv * dv * dv;
      }
    });
    q[uv] = static_cast<float>(dens);
    return dens * volume;
  });
  return watts;
}

}  // namespace rfa::thermal::detail
