// simulateAblation(): tissue + electrode -> potential -> Joule heating -> bioheat steps -> zone.
#include "rfa/thermal/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>

#include "potential.h"
#include "rfa/core/error.h"

namespace rfa::thermal {

namespace {

std::string str(const Vec3& p) {
  std::ostringstream s;
  s.precision(1);
  s << std::fixed << "(" << p.x() << ", " << p.y() << ", " << p.z() << ") mm";
  return s.str();
}

// Centre (LPS mm) and radius (mm) of a ball holding the electrode's active part.
std::pair<Vec3, double> activeBall(const Electrode& e, const NeedlePose& pose) {
  const Vec3 w = needleFrame(pose).col(2);
  double length = 0;
  double lateral = 0;
  for (const Shaft& s : e.shafts) {
    length = std::max(length, s.active_length_mm);
    lateral = std::max(lateral, std::hypot(s.offset_u_mm, s.offset_v_mm) + 0.5 * s.diameter_mm);
  }
  Vec3 centre = pose.tip_lps - w * (0.5 * length);
  double radius = 0.5 * length + lateral;
  if (e.tines) {
    // Tines reach the deployed radius around the tip and up to a diameter along the axis.
    radius = std::max(radius, e.tines->deployed_diameter_mm);
    centre = pose.tip_lps;
  }
  return {centre, radius};
}

Mask zoneOf(const HeatFields& f, ZoneCriterion z, const ImageGeometry& grid) {
  Mask m(grid, 0);
  for (std::size_t i = 0; i < m.voxelCount(); ++i) {
    bool in = false;
    switch (z) {
      case ZoneCriterion::kArrhenius:
        in = f.omega[i] >= 1.0F;
        break;
      case ZoneCriterion::kIsotherm50:
        in = f.temperature_max_c[i] >= 50.0F;
        break;
      case ZoneCriterion::kIsotherm60:
        in = f.temperature_max_c[i] >= 60.0F;
        break;
      case ZoneCriterion::kCem43:
        in = f.cem43_min[i] >= 240.0F;
        break;
    }
    m.data()[i] = in ? 1 : 0;
  }
  return m;
}

ImageVolume toVolume(const ImageGeometry& g, const std::vector<float>& v) {
  ImageVolume out = ImageVolume::uninitialized(g);
  std::copy(v.begin(), v.end(), out.data().begin());
  return out;
}

}  // namespace

ZoneCriterion parseZoneCriterion(const std::string& s) {
  if (s == "arrhenius") return ZoneCriterion::kArrhenius;
  if (s == "t50") return ZoneCriterion::kIsotherm50;
  if (s == "t60") return ZoneCriterion::kIsotherm60;
  if (s == "cem43") return ZoneCriterion::kCem43;
  throw UsageError("unknown zone criterion '" + s + "' (arrhenius, t50, t60, cem43)");
}

ImageGeometry simulationGrid(const Electrode& electrode, const NeedlePose& pose,
                             const SimulationSettings& settings) {
  if (settings.spacing_mm <= 0 || settings.margin_mm < 0) {
    throw UsageError("simulation spacing must be > 0 mm and margin >= 0 mm");
  }
  const auto [centre, radius] = activeBall(electrode, pose);
  const double side = 2.0 * (radius + settings.margin_mm);
  const auto n = static_cast<std::size_t>(std::ceil(side / settings.spacing_mm)) | 1U;  // odd
  const double half = 0.5 * static_cast<double>(n - 1) * settings.spacing_mm;
  const Vec3 origin = centre - Vec3(half, half, half);
  return ImageGeometry({n, n, n}, Vec3::Constant(settings.spacing_mm), origin);
}

TissueModel homogeneousLiver(const ImageGeometry& grid) {
  return {Volume<std::uint8_t>(grid, static_cast<std::uint8_t>(Material::kLiver))};
}

TissueModel tissueFromLabels(const ImageGeometry& grid, const SegmentationLabels& l,
                             double large_vessel_radius_mm) {
  TissueModel t{Volume<std::uint8_t>(grid, static_cast<std::uint8_t>(Material::kLiver))};
  const auto sample = [](const auto* vol, const Vec3& p) -> double {
    if (vol == nullptr) return -1.0;  // absent
    const Vec3 c = vol->geometry().lpsToIndex(p);
    Index3 idx{};
    for (int a = 0; a < 3; ++a) idx[static_cast<std::size_t>(a)] = std::lround(c[a]);
    if (!vol->geometry().contains(idx)) return -2.0;  // outside that grid
    return static_cast<double>((*vol)(static_cast<std::size_t>(idx[0]),
                                      static_cast<std::size_t>(idx[1]),
                                      static_cast<std::size_t>(idx[2])));
  };
  const Size3& s = grid.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        const Vec3 p = grid.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        Material m = Material::kLiver;
        const double body = sample(l.body, p);
        const double vessel = sample(l.vessel_radius_mm, p);
        if (body == 0.0 || body == -2.0 || sample(l.lung, p) > 0) {
          m = Material::kAir;
        } else if (sample(l.bone, p) > 0) {
          m = Material::kBone;
        } else if (vessel >= large_vessel_radius_mm) {
          m = Material::kLargeVessel;
        } else if (vessel > 0) {
          m = Material::kBlood;
        } else if (sample(l.lesions, p) > 0) {
          m = Material::kTumour;
        }
        t.material(i, j, k) = static_cast<std::uint8_t>(m);
      }
    }
  }
  return t;
}

SimulationResult simulateAblation(const Electrode& electrode, const NeedlePose& pose,
                                  const SimulationSettings& settings, const TissueModel* tissue) {
  const auto wall0 = std::chrono::steady_clock::now();
  const Protocol& protocol =
      settings.protocol.empty() ? electrode.protocols.at(0) : electrode.protocol(settings.protocol);
  const double duration = settings.duration_s.value_or(protocol.duration_s);
  if (!(duration > 0)) {
    throw UsageError("duration must be > 0 s (got " + std::to_string(duration) + ")");
  }
  if (settings.power_w && !(*settings.power_w > 0)) {
    throw UsageError("power must be > 0 W (got " + std::to_string(*settings.power_w) + ")");
  }
  if (!(settings.potential_interval_s > 0)) throw UsageError("potential interval must be > 0 s");
  const TissueModel local =
      tissue != nullptr ? *tissue : homogeneousLiver(simulationGrid(electrode, pose, settings));
  const ImageGeometry& grid = local.material.geometry();
  if (!grid.containsContinuous(grid.lpsToIndex(pose.tip_lps))) {
    throw GeometryError("electrode tip " + str(pose.tip_lps) + " is outside the simulation grid (" +
                        grid.describe() + ")");
  }
  const Mask active = rasterizeActivePart(electrode, pose, grid);

  MaterialTable table = settings.materials;
  std::vector<std::uint8_t> mat(local.material.data().begin(), local.material.data().end());
  if (electrode.cooled) {
    table[Material::kCooledElectrode].held_temperature_c = electrode.coolant_temperature_c;
    for (std::size_t i = 0; i < mat.size(); ++i) {
      if (active.data()[i] != 0) mat[i] = static_cast<std::uint8_t>(Material::kCooledElectrode);
    }
  }
  // The electric problem's materials: a cooled shaft is an insulator there.
  std::vector<std::uint8_t> electric_mat = mat;
  if (electrode.cooled && settings.cool_shaft && !electrode.tines) {
    // The shafts behind the active parts, as long as the grid's diagonal (clipped by the grid).
    const Vec3 extent = grid.spacing().cwiseProduct(Vec3(static_cast<double>(grid.size()[0]),
                                                         static_cast<double>(grid.size()[1]),
                                                         static_cast<double>(grid.size()[2])));
    Electrode shaft = electrode;
    for (Shaft& sh : shaft.shafts) sh.active_length_mm = extent.norm();
    const Vec3 w = pose.direction_lps.normalized();
    double longest = 0;
    for (const Shaft& sh : electrode.shafts) longest = std::max(longest, sh.active_length_mm);
    const Mask chilled = rasterizeActivePart(
        shaft, NeedlePose{pose.tip_lps - w * longest, pose.direction_lps}, grid);
    for (std::size_t i = 0; i < mat.size(); ++i) {
      if (chilled.data()[i] != 0 && active.data()[i] == 0) {
        mat[i] = static_cast<std::uint8_t>(Material::kCooledElectrode);
        electric_mat[i] = static_cast<std::uint8_t>(Material::kAir);
      }
    }
  }
  const Vec3 spacing = grid.spacing();
  HeatProblem problem =
      makeHeatProblem(grid.size(), spacing, mat, table, settings.damage, settings.dt_s);
  problem.vaporisation_c = static_cast<float>(settings.vaporisation_c);
  SimulationResult r;
  r.grid = grid;
  r.dt_s = problem.dt_s;
  std::unique_ptr<HeatBackend> backend = makeBackend(settings.backend, problem, &r.fallback_reason);
  r.backend = backend->name();

  // Electric problem: electrode at 1 V, sub-box faces at 0 V, sigma(T) per voxel.
  detail::PotentialSolver electric(grid.size(), spacing, electric_mat, active, table,
                                   settings.potential_pad_mm);
  std::vector<float> temperature;
  std::vector<float> q(mat.size(), 0.0F);

  const int per_interval =
      std::max(1, static_cast<int>(std::lround(settings.potential_interval_s / problem.dt_s)));
  const int total_steps = static_cast<int>(std::ceil(duration / problem.dt_s - 1e-9));
  double z_min = std::numeric_limits<double>::infinity();
  double paused_until = -1;
  double fraction = 1.0;
  int done = 0;
  while (done < total_steps) {
    const int n = std::min(per_interval, total_steps - done);
    const double t = done * static_cast<double>(problem.dt_s);
    const std::vector<float>* host_t = backend->hostTemperature();
    if (host_t == nullptr) {
      backend->readTemperature(temperature);
      host_t = &temperature;
    }
    const double p1 = electric.solve(*host_t);
    if (!(p1 > 0)) throw GeometryError("electrode has no electrical contact with tissue");
    const double impedance = 1.0 / p1;  // ohm, at 1 V
    GeneratorSample sample{t, 0.0, impedance, false};
    if (protocol.rolloff && t >= paused_until) {
      // Impedance control: a rise above the lowest impedance seen cuts the power for the
      // pause; the baseline is kept, so the power stays off until the tissue has recovered.
      if (impedance > z_min + protocol.rolloff->impedance_rise_ohm) {
        paused_until = t + protocol.rolloff->pause_s;
        fraction = protocol.rolloff->resume_fraction;
      }
    }
    z_min = std::min(z_min, impedance);
    const double t_mid = t + 0.5 * n * problem.dt_s;
    double power = settings.power_w.value_or(protocol.powerAt(t_mid)) * fraction;
    if (t < paused_until) {
      power = 0;
      sample.rolled_off = true;
    }
    sample.power_w = power;
    const auto scale = static_cast<float>(power / p1);
    electric.scaledSource(scale, q);
    backend->setSource(q);
    backend->advance(n);
    r.energy_j += power * n * problem.dt_s;
    r.generator.push_back(sample);
    done += n;
  }
  r.steps = total_steps;
  r.potential_solves = static_cast<int>(r.generator.size());
  r.potential_iterations = electric.totalIterations();
  r.simulated_seconds = total_steps * static_cast<double>(problem.dt_s);
  const HeatFields f = backend->readFields();
  r.temperature_max_c = toVolume(grid, f.temperature_max_c);
  r.damage_omega = toVolume(grid, f.omega);
  r.cem43_min = toVolume(grid, f.cem43_min);
  r.zone = zoneOf(f, settings.zone, grid);
  // The electrode's own voxels belong to the zone where the tissue around them does.
  for (std::size_t i = 0; i < r.zone.voxelCount(); ++i) {
    if (active.data()[i] != 0) r.zone.data()[i] = 1;
  }
  const Mat3 frame = needleFrame(pose);
  double lo[3] = {1e300, 1e300, 1e300};
  double hi[3] = {-1e300, -1e300, -1e300};
  std::size_t count = 0;
  const Size3& s = grid.size();
  for (std::size_t k = 0; k < s[2]; ++k) {
    for (std::size_t j = 0; j < s[1]; ++j) {
      for (std::size_t i = 0; i < s[0]; ++i) {
        if (r.zone(i, j, k) == 0) continue;
        ++count;
        const Vec3 d = grid.indexToLps(Vec3(static_cast<double>(i), static_cast<double>(j),
                                            static_cast<double>(k))) -
                       pose.tip_lps;
        const Vec3 c = frame.transpose() * d;  // (u, v, w)
        for (int a = 0; a < 3; ++a) {
          lo[a] = std::min(lo[a], c[a]);
          hi[a] = std::max(hi[a], c[a]);
        }
      }
    }
  }
  r.zone_volume_ml = static_cast<double>(count) * grid.voxelVolumeMm3() / 1000.0;
  if (count > 0) {
    r.width_u_mm = hi[0] - lo[0] + grid.spacing().x();
    r.width_v_mm = hi[1] - lo[1] + grid.spacing().y();
    r.length_along_mm = hi[2] - lo[2] + grid.spacing().z();
  }
  r.max_temperature_c = *std::max_element(f.temperature_max_c.begin(), f.temperature_max_c.end());
  r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  return r;
}

}  // namespace rfa::thermal
