// One explicit Euler step of the discretised Pennes bioheat problem (modules/thermal/include/
// rfa/thermal/heat_problem.h), one invocation per voxel, in single precision. It mirrors
// modules/thermal/src/cpu_backend.cpp term by term: same face order (x-, x+, y-, y+, z-, z+), same
// boundary rule, held materials, damage floor, CEM43 skipped below 39 C, exp(-Omega) only while
// Omega > 0. `precise` keeps the compiler from fusing or reassociating the sums so that the result
// matches the CPU to rounding.
//
// Invocations are numbered linearly in voxel order (x fastest), so neighbouring invocations read
// neighbouring addresses (coalesced along x). The dispatch is 2D when the voxel count needs more
// than the 65535 work groups guaranteed along one axis: a row of the 2D grid has
// gl_NumWorkGroups.x * gl_WorkGroupSize.x invocations.
#version 430

layout(local_size_x = 64, local_size_y = 1, local_size_z = 1) in;

layout(std430, binding = 0) readonly restrict buffer TemperatureIn { float t_in[]; };
layout(std430, binding = 1) writeonly restrict buffer TemperatureOut { float t_out[]; };
layout(std430, binding = 2) readonly restrict buffer Source { float q[]; };
layout(std430, binding = 3) readonly restrict buffer Materials { uint material_packed[]; };
layout(std430, binding = 4) restrict buffer Omega { float omega[]; };
layout(std430, binding = 5) restrict buffer TemperatureMax { float tmax[]; };
layout(std430, binding = 6) restrict buffer Cem43 { float cem[]; };

// The tables and scalars; layout mirrored by the C++ struct GlParams (gl_backend.cpp).
layout(std430, binding = 7) readonly restrict buffer Params {
  uint nx;
  uint ny;
  uint nz;
  uint voxel_count;
  float g[3 * 8 * 8];      // g[(axis * 8 + a) * 8 + b]
  float dt_over_rhoc[8];
  float perf[8];
  float held_c[8];
  uint is_held[8];         // 1 for a held material (held_c is its temperature), 0 when free
  float arterial_c;
  float boundary_c;
  uint insulated;          // 1: insulated grid boundary, 0: Dirichlet at boundary_c
  uint perfusion_stops;    // 1: perfusion x exp(-Omega)
  float ln_a;
  float ea_over_r_k;
  float damage_floor_c;
  float dt_s;
  float vaporisation_c;    // free voxels are capped here (FLT_MAX = no cap)
};

uint materialAt(uint n) { return (material_packed[n >> 2u] >> ((n & 3u) * 8u)) & 0xFFu; }

void main() {
  const uint row_length = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  const uint n = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * row_length;
  if (n >= voxel_count) return;
  const uint sy = nx;
  const uint sz = nx * ny;
  const uint i = n % nx;
  const uint j = (n / nx) % ny;
  const uint k = n / sz;

  const uint m = materialAt(n);
  const float ti = t_in[n];
  precise float tn;
  if (is_held[m] != 0u) {
    tn = held_c[m];
  } else {
    const uint row = m * 8u;
    const float gb_x = g[(0u * 8u) * 8u + row + m];
    const float gb_y = g[(1u * 8u) * 8u + row + m];
    const float gb_z = g[(2u * 8u) * 8u + row + m];
    const bool dirichlet = insulated == 0u;
    precise float sum = 0.0;
    // x-
    if (i > 0u) {
      sum += g[0u * 64u + row + materialAt(n - 1u)] * (t_in[n - 1u] - ti);
    } else if (dirichlet) {
      sum += gb_x * (boundary_c - ti);
    }
    // x+
    if (i + 1u < nx) {
      sum += g[0u * 64u + row + materialAt(n + 1u)] * (t_in[n + 1u] - ti);
    } else if (dirichlet) {
      sum += gb_x * (boundary_c - ti);
    }
    // y-
    if (j > 0u) {
      sum += g[1u * 64u + row + materialAt(n - sy)] * (t_in[n - sy] - ti);
    } else if (dirichlet) {
      sum += gb_y * (boundary_c - ti);
    }
    // y+
    if (j + 1u < ny) {
      sum += g[1u * 64u + row + materialAt(n + sy)] * (t_in[n + sy] - ti);
    } else if (dirichlet) {
      sum += gb_y * (boundary_c - ti);
    }
    // z-
    if (k > 0u) {
      sum += g[2u * 64u + row + materialAt(n - sz)] * (t_in[n - sz] - ti);
    } else if (dirichlet) {
      sum += gb_z * (boundary_c - ti);
    }
    // z+
    if (k + 1u < nz) {
      sum += g[2u * 64u + row + materialAt(n + sz)] * (t_in[n + sz] - ti);
    } else if (dirichlet) {
      sum += gb_z * (boundary_c - ti);
    }
    const float w = omega[n];
    const float s = (perfusion_stops != 0u && w > 0.0) ? exp(-w) : 1.0;
    precise float sink = perf[m] * s;
    precise float rate = sum + q[n];
    rate = rate - sink * (ti - arterial_c);
    tn = ti + dt_over_rhoc[m] * rate;
    tn = min(tn, vaporisation_c);
  }
  t_out[n] = tn;
  if (tn > tmax[n]) tmax[n] = tn;
  if (tn >= damage_floor_c) {
    precise float arg = ln_a - ea_over_r_k / (tn + 273.15);
    omega[n] = omega[n] + dt_s * exp(arg);
  }
  if (tn >= 39.0) {
    // R^(43 - T) with R = 0.5 at or above 43 C, 0.25 below: 2^(T - 43), 2^(2 (T - 43)).
    const float e = tn >= 43.0 ? 1.0 : 2.0;
    precise float minutes = dt_s / 60.0;
    cem[n] = cem[n] + minutes * exp2(e * (tn - 43.0));
  }
}
