#pragma once
/// \file heat_backend.h
/// \brief Backends that advance a HeatProblem in time: the CPU reference (multithreaded over
/// slices) and GLSL 4.3 compute shaders through a headless EGL context. Both implement exactly
/// the update written in heat_problem.h in single precision.

#include <memory>
#include <string>
#include <vector>

#include "rfa/thermal/heat_problem.h"

namespace rfa::thermal {

class HeatBackend {
 public:
  virtual ~HeatBackend() = default;
  HeatBackend() = default;
  HeatBackend(const HeatBackend&) = delete;
  HeatBackend& operator=(const HeatBackend&) = delete;

  /// "cpu" or "gl (<renderer string>)".
  [[nodiscard]] virtual std::string name() const = 0;
  /// Power density q (W/m3) per voxel, used by the following steps.
  virtual void setSource(const std::vector<float>& q_w_m3) = 0;
  /// Advances `steps` time steps of problem.dt_s.
  virtual void advance(int steps) = 0;
  /// Current temperature (C) per voxel.
  virtual void readTemperature(std::vector<float>& out) = 0;
  /// The current temperature (C) per voxel without a copy, where the backend keeps it in host
  /// memory (the CPU backend); valid until the next advance(). Null otherwise: use
  /// readTemperature().
  [[nodiscard]] virtual const std::vector<float>* hostTemperature() const { return nullptr; }
  /// All state fields.
  virtual HeatFields readFields() = 0;
};

/// \brief CPU backend; starts at problem.initial_temperature_c (held voxels at their value),
/// Omega = CEM43 = 0, no source.
std::unique_ptr<HeatBackend> makeCpuBackend(const HeatProblem& problem);

/// \brief GLSL compute backend. \throws UnsupportedError naming the reason (no EGL display, no
/// OpenGL 4.3 context, shader compile error) when it cannot run here.
std::unique_ptr<HeatBackend> makeGlBackend(const HeatProblem& problem);

enum class BackendChoice { kCpu, kGl, kAuto };

/// \brief kCpu / kGl as asked (kGl throws as makeGlBackend); kAuto takes GL on a hardware GPU and
/// the CPU otherwise (GL unavailable, or a software renderer such as Mesa llvmpipe, which is
/// 20-30x slower than the CPU backend here), writing the reason into `*fallback_reason`.
std::unique_ptr<HeatBackend> makeBackend(BackendChoice choice, const HeatProblem& problem,
                                         std::string* fallback_reason = nullptr);

}  // namespace rfa::thermal
