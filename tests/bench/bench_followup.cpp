// Follow-up confirmation (issue 8): followup::confirmSession() (follow-up liver segmentation,
// registration to the planning CT, ablation-zone segmentation, minimal ablative margins) on a
// synthetic follow-up with exact truth, against two baselines measured in the same run: one
// trilinear resampling pass of the whole follow-up volume through the final registration
// (followup::resampleToFixed) and one memory pass over it (a sum, no ITK). The accuracy is
// reported too: each lesion's measured minimal ablative margin (MAM) against the analytic truth,
// the registration's liver surface distance, and the target registration error (TRE) over random
// liver points against the known deformation.
//
//   bench_followup [--quick]
// Full: 512x512x120 phantom at 0.78x0.78x2.5 mm, 6 lesions (seed 11). A TreatmentPlan is built by
// hand (no planning search): session 1 treats the 4 smallest lesions, one placement each whose
// zone is a sphere around the lesion centre with radius = the lesion's largest semi-axis + 7 mm,
// the second of them shifted 4 mm (a placement error). The follow-up (generateSyntheticFollowup(),
// planning grid) has those zones, a deformation of about 8 mm (translation, 2 deg rotation about
// the liver centroid, two Gaussian bumps of sigma 60 mm) and 10 HU noise. Target: confirmSession <
// 60 s on 2 cores.
// --quick: 160x140x90 at 2x2x2.5 mm, 3 lesions of 10-30 mm (CI smoke: proves the program runs and
// that every number is finite; measures nothing). Exit status 1 when a figure is not finite or a
// treated lesion has no margin.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <sys/resource.h>

#include "rfa/core/parallel.h"
#include "rfa/followup/confirm.h"
#include "rfa/followup/margin.h"
#include "rfa/followup/registration.h"
#include "rfa/io/input.h"
#include "rfa/phantom/phantom.h"
#include "rfa/phantom/synthetic_followup.h"
#include "rfa/planning/plan.h"
#include "rfa/thermal/preview.h"

namespace {

using namespace rfa;  // NOLINT(google-build-using-namespace): benchmark file
using Clock = std::chrono::steady_clock;

constexpr double kZoneMarginMm = 7.0;  // zone radius = largest lesion semi-axis + this
constexpr double kShiftMm = 4.0;       // placement error of one zone

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// CPU seconds (user + system) of the whole process so far, all threads.
double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec);
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

// Every figure reported, checked for finiteness at the end.
struct Figures {
  std::vector<std::pair<std::string, double>> all;
  double operator()(const std::string& name, double v) {
    all.emplace_back(name, v);
    return v;
  }
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const auto n = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(n, v.size() - 1)];
}

Mask labelMask(const LabelMap& labels, int label) {
  Mask out(labels.geometry(), 0);
  const auto l = labels.data();
  auto o = out.data();
  for (std::size_t i = 0; i < l.size(); ++i) o[i] = l[i] == label ? 1 : 0;
  return out;
}

// The true zones on the planning grid, inside the planning liver, two ways (to tell the error of
// confirmSession apart from the margin's discretisation and from the zones' patent vessels):
// `analytic`: the zone ellipsoids rasterised (what MarginTruth measures against);
// `mapped`: the follow-up's true zone mask (patent vessels left out) pulled through the TRUE
// deformation (nearest voxel), in the padded box of the zones only.
void trueZonesOnPlanningGrid(const phantom::SyntheticFollowup& fu, const Mask& liver,
                             Mask& analytic, Mask& mapped) {
  const ImageGeometry& g = liver.geometry();
  analytic = Mask(g, 0);
  mapped = Mask(g, 0);
  Vec3 lo = Vec3::Constant(1e300);
  Vec3 hi = Vec3::Constant(-1e300);
  for (const phantom::FollowupZone& z : fu.options.zones) {
    thermal::EllipsoidZone e;
    e.centre_lps = z.centre_lps;
    e.axes = z.axes;
    e.semi_u_mm = z.semi_u_mm;
    e.semi_v_mm = z.semi_v_mm;
    e.semi_w_mm = z.semi_w_mm;
    const Mask m = e.rasterize(g);
    auto a = analytic.data();
    const auto mv = m.data();
    const auto lv = liver.data();
    for (std::size_t n = 0; n < a.size(); ++n) {
      a[n] = (a[n] != 0 || (mv[n] != 0 && lv[n] != 0)) ? 1 : 0;
    }
    const double r = std::max({z.semi_u_mm, z.semi_v_mm, z.semi_w_mm}) + 10.0;
    lo = lo.cwiseMin(z.centre_lps - Vec3::Constant(r));
    hi = hi.cwiseMax(z.centre_lps + Vec3::Constant(r));
  }
  if (fu.options.zones.empty()) return;
  std::array<std::size_t, 3> i0{}, i1{};
  const Vec3 a = g.lpsToIndex(lo);
  const Vec3 b = g.lpsToIndex(hi);
  for (int d = 0; d < 3; ++d) {
    const double n = static_cast<double>(g.size()[static_cast<std::size_t>(d)]) - 1.0;
    i0[static_cast<std::size_t>(d)] =
        static_cast<std::size_t>(std::clamp(std::floor(std::min(a[d], b[d])), 0.0, n));
    i1[static_cast<std::size_t>(d)] =
        static_cast<std::size_t>(std::clamp(std::ceil(std::max(a[d], b[d])), 0.0, n));
  }
  const ImageGeometry& fg = fu.zones.geometry();
  parallelFor(i1[2] - i0[2] + 1, [&](std::size_t dk) {
    const std::size_t k = i0[2] + dk;
    for (std::size_t j = i0[1]; j <= i1[1]; ++j) {
      for (std::size_t i = i0[0]; i <= i1[0]; ++i) {
        if (liver(i, j, k) == 0) continue;
        const Vec3 x = g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k)));
        const Vec3 y = fg.lpsToIndex(fu.planningToFollowup(x));
        const Index3 q{std::lround(y.x()), std::lround(y.y()), std::lround(y.z())};
        if (fg.contains(q) &&
            fu.zones(static_cast<std::size_t>(q[0]), static_cast<std::size_t>(q[1]),
                     static_cast<std::size_t>(q[2])) != 0) {
          mapped(i, j, k) = 1;
        }
      }
    }
  });
}

int run(bool quick) {
  Figures fig;
  std::printf("bench_followup%s: %u worker threads (RFA_THREADS=%s), load average %s\n",
              quick ? " --quick" : "", workerCount(),
              std::getenv("RFA_THREADS") != nullptr ? std::getenv("RFA_THREADS") : "unset",
              loadAverage().c_str());

  // --- planning phantom
  phantom::PhantomOptions po;
  po.seed = 11;
  if (quick) {
    po.lesions = 3;
    po.size = {160, 140, 90};
    po.spacing_mm = Vec3(2.0, 2.0, 2.5);
    // >= 10 mm: a lesion of a few 2 mm voxels has no smoothed surface for measureMargin().
    po.min_lesion_diameter_mm = 10;
    po.max_lesion_diameter_mm = 30;
  } else {
    po.lesions = 6;
    po.size = {512, 512, 120};
    po.spacing_mm = Vec3(0.78, 0.78, 2.5);
  }
  auto t0 = Clock::now();
  const phantom::Phantom ph = phantom::generatePhantom(po);
  const double phantom_s = since(t0);
  const ImageGeometry& g = ph.ct.geometry();
  std::printf("phantom %s, %d lesions, liver %.0f mL: generated in %.2f s\n", g.describe().c_str(),
              po.lesions, ph.liver_volume_ml, phantom_s);

  // --- the plan, by hand: session 1 treats the smallest lesions, one spherical zone each
  planning::TreatmentPlan plan;
  plan.source.input = "bench_followup phantom";
  plan.source.patient_id = "RFAPHANTOM-" + std::to_string(po.seed);
  plan.source.frame_of_reference_uid = "1.2.826.0.1.3680043.10.1000.1";
  plan.source.modality = "CT";
  plan.source.size = g.size();
  plan.source.spacing_mm = g.spacing();
  plan.source.origin_lps_mm = g.origin();
  plan.source.direction = g.direction();
  plan.source.segmentation = "phantom truth";
  plan.settings.minimum_margin_mm = 5;
  plan.liver_volume_ml = ph.liver_volume_ml;
  std::vector<const phantom::LesionTruth*> by_size;
  for (const phantom::LesionTruth& t : ph.lesion_truth) by_size.push_back(&t);
  std::sort(by_size.begin(), by_size.end(),
            [](const auto* a, const auto* b) { return a->diameter_mm < b->diameter_mm; });
  const std::size_t n_treated = std::min<std::size_t>(4, by_size.size());
  std::map<int, Vec3> shift_of;
  planning::PlanSession session;
  session.index = 1;
  for (std::size_t n = 0; n < n_treated; ++n) {
    session.lesion_ids.push_back(by_size[n]->label);
    shift_of[by_size[n]->label] = n == 1 ? Vec3(kShiftMm, 0, 0) : Vec3(0, 0, 0);
  }
  std::sort(session.lesion_ids.begin(), session.lesion_ids.end());
  phantom::SyntheticFollowupOptions fo;
  for (const phantom::LesionTruth& t : ph.lesion_truth) {
    planning::PlanLesion l;
    l.id = t.label;
    l.centroid_lps = t.centroid_voxels_lps;
    l.diameter_mm = t.diameter_mm;
    l.volume_ml = t.volume_ml_voxels;
    const auto s = shift_of.find(t.label);
    if (s != shift_of.end()) {
      l.session = 1;
      planning::PlanPlacement p;
      p.electrode = "bench sphere";
      p.zone.centre_lps = t.center_lps + s->second;
      const double r = t.semi_axes_mm.maxCoeff() + kZoneMarginMm;
      p.zone.semi_u_mm = p.zone.semi_v_mm = p.zone.semi_w_mm = r;
      p.tip_lps = p.zone.centre_lps;
      l.placements.push_back(p);
      phantom::FollowupZone z;
      z.centre_lps = p.zone.centre_lps;
      z.semi_u_mm = z.semi_v_mm = z.semi_w_mm = r;
      z.lesion_label = t.label;
      fo.zones.push_back(z);
    }
    plan.lesions.push_back(l);
  }
  plan.sessions.push_back(session);

  // --- the follow-up: deformation calibrated to about 8 mm on sampled liver points
  const double deform_mm = 8.0;
  std::vector<Vec3> all_liver;  // every planning liver voxel centre (TRE points drawn from them)
  for (std::size_t k = 0; k < g.size()[2]; ++k) {
    for (std::size_t j = 0; j < g.size()[1]; ++j) {
      for (std::size_t i = 0; i < g.size()[0]; ++i) {
        if (ph.liver(i, j, k) == 0) continue;
        all_liver.push_back(g.indexToLps(
            Vec3(static_cast<double>(i), static_cast<double>(j), static_cast<double>(k))));
      }
    }
  }
  t0 = Clock::now();
  fo.deformation = phantom::calibratedDeformation(ph.liver, deform_mm, 2.0);
  fo.noise_sigma_hu = 10;
  const phantom::SyntheticFollowup fu = phantom::generateSyntheticFollowup(ph, fo);
  const double followup_s = since(t0);
  std::printf("follow-up generated in %.2f s: max displacement in the liver %.2f mm\n", followup_s,
              fu.max_displacement_in_liver_mm);

  io::LoadedImage moving;
  moving.image = fu.ct;
  io::DicomSeries series;
  series.study.patient_id = plan.source.patient_id;
  series.frame_of_reference_uid = "1.2.826.0.1.3680043.10.1000.2";
  series.modality = "CT";
  series.loadable = true;
  series.geometry = fu.ct.geometry();
  moving.series = series;
  moving.source = "synthetic follow-up";

  // --- confirmSession: the measured step
  followup::ConfirmOptions co;
  co.session = 1;
  double cpu0 = cpuSeconds();
  t0 = Clock::now();
  const followup::ConfirmResult r =
      followup::confirmSession(plan, ph.ct, ph.liver, ph.lesions, moving, co);
  const double confirm_s = since(t0);
  const double confirm_cpu_s = cpuSeconds() - cpu0;
  const followup::RegistrationQuality& q = r.registration.quality;

  // --- baselines: one resampling pass through the registration, one memory pass
  int reps = 0;
  t0 = Clock::now();
  double resample_checksum = 0;
  while (reps < 1 || since(t0) < (quick ? 0.2 : 1.0)) {
    const ImageVolume resampled = followup::resampleToFixed(fu.ct, r.registration, g, -1024.0F);
    resample_checksum += resampled.data()[resampled.voxelCount() / 2];
    ++reps;
  }
  const double resample_s = since(t0) / reps;
  const int resample_reps = reps;
  reps = 0;
  double sum = 0;
  t0 = Clock::now();
  while (reps < 3 || since(t0) < (quick ? 0.05 : 0.5)) {
    const auto v = fu.ct.data();
    double s = 0;
    for (const float x : v) s += static_cast<double>(x);
    sum += s;
    ++reps;
  }
  const double memory_s = since(t0) / reps;
  const int memory_reps = reps;

  // --- TRE over random liver points against the known deformation
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<std::size_t> pick(0, all_liver.size() - 1);
  std::vector<double> tre, before;
  for (int n = 0; n < 2000; ++n) {
    const Vec3& x = all_liver[pick(rng)];
    const Vec3 truth = fu.planningToFollowup(x);
    tre.push_back((r.registration.fixedToMoving(x) - truth).norm());
    before.push_back((x - truth).norm());
  }
  const double tre_mean =
      std::accumulate(tre.begin(), tre.end(), 0.0) / static_cast<double>(tre.size());
  const double before_mean =
      std::accumulate(before.begin(), before.end(), 0.0) / static_cast<double>(before.size());

  // --- error decomposition (not timed): the margin of the true zones measured the same way
  Mask zones_analytic, zones_mapped;
  trueZonesOnPlanningGrid(fu, ph.liver, zones_analytic, zones_mapped);
  followup::MarginOptions mo;
  mo.threshold_mm = r.threshold_mm;
  std::map<int, double> mam_analytic, mam_mapped;
  double measure_margin_s = 0;  // measureMargin() alone, the analytic zones, every lesion
  for (const followup::LesionConfirmation& l : r.lesions) {
    const Mask lesion = labelMask(ph.lesions, l.lesion_id);
    t0 = Clock::now();
    mam_analytic[l.lesion_id] =
        followup::measureMargin(lesion, zones_analytic, ph.liver, mo).minimal_margin_mm;
    measure_margin_s += since(t0);
    mam_mapped[l.lesion_id] =
        followup::measureMargin(lesion, zones_mapped, ph.liver, mo).minimal_margin_mm;
  }

  // --- report
  std::printf(
      "\nper treated lesion (MAM: minimal ablative margin with the subcapsular correction; "
      "truth: analytic, followup.h):\n\n");
  std::printf(
      "| lesion | diameter | zone shift | true MAM | measureMargin of the true zones: "
      "analytic / mapped (vessels patent) | measured MAM (confirmSession) | error | zone | "
      "verdict |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  std::map<int, const phantom::MarginTruth*> truth_of;
  for (const phantom::MarginTruth& m : fu.margins) truth_of[m.lesion_label] = &m;
  int failures = 0;
  std::vector<double> mam_errors;
  for (const followup::LesionConfirmation& l : r.lesions) {
    const auto t = truth_of.find(l.lesion_id);
    if (t == truth_of.end()) {
      std::fprintf(stderr, "FAIL: no true margin for lesion %d\n", l.lesion_id);
      ++failures;
      continue;
    }
    const double truth = t->second->minimal_margin_mm;
    const double measured = l.margin.minimal_margin_mm;
    const planning::PlanLesion* pl = nullptr;
    for (const auto& x : plan.lesions) pl = x.id == l.lesion_id ? &x : pl;
    fig("true MAM " + std::to_string(l.lesion_id), truth);
    fig("measured MAM " + std::to_string(l.lesion_id), measured);
    fig("zone volume " + std::to_string(l.lesion_id), l.zone.volume_ml);
    mam_errors.push_back(std::abs(measured - truth));
    fig("analytic MAM " + std::to_string(l.lesion_id), mam_analytic[l.lesion_id]);
    fig("mapped MAM " + std::to_string(l.lesion_id), mam_mapped[l.lesion_id]);
    std::printf(
        "| %d | %.1f mm | %.0f mm | %.2f mm | %.2f / %.2f mm | %.2f mm | %+.2f mm | %.1f mL | "
        "%s |\n",
        l.lesion_id, pl != nullptr ? pl->diameter_mm : 0.0,
        shift_of.count(l.lesion_id) != 0 ? shift_of[l.lesion_id].norm() : 0.0, truth,
        mam_analytic[l.lesion_id], mam_mapped[l.lesion_id], measured, measured - truth,
        l.zone.volume_ml, l.margin.verdict.c_str());
  }
  if (r.lesions.size() != n_treated) {
    std::fprintf(stderr, "FAIL: %zu lesions confirmed, %zu treated\n", r.lesions.size(), n_treated);
    ++failures;
  }

  std::printf("\nsummary:\n\n| step | result | baseline / note |\n|---|---|---|\n");
  std::printf(
      "| phantom + follow-up generation | %.2f s + %.2f s | not measured work; deformation "
      "max %.2f mm in the liver |\n",
      fig("phantom s", phantom_s), fig("follow-up s", followup_s),
      fig("max displacement", fu.max_displacement_in_liver_mm));
  std::printf(
      "| **confirmSession** (liver segmentation of the follow-up, registration, resampling, "
      "zones, margins) | **%.1f s** wall, %.1f s CPU | target < 60 s: %s |\n",
      fig("confirm s", confirm_s), fig("confirm cpu s", confirm_cpu_s),
      quick ? "smoke run" : (confirm_s < 60 ? "met" : "NOT met"));
  std::printf(
      "| of which registration stage (follow-up liver segmentation + registerImages + "
      "resampling) | %.1f s | registerImages alone %.1f s |\n",
      fig("registration stage s", r.registration_seconds), fig("registerImages s", q.seconds));
  std::printf("| of which zones + margins | %.2f s | %zu lesions |\n",
              fig("margin s", r.margin_seconds), r.lesions.size());
  std::printf(
      "| measureMargin() alone, same lesions against the true zones (outside "
      "confirmSession) | %.2f s | the rest of zones + margins is the zone segmentation |\n",
      fig("measureMargin s", measure_margin_s));
  std::printf(
      "| baseline: one resampling pass of the follow-up (resampleToFixed, trilinear, "
      "%zu voxels) | %.3f s (mean of %d) | confirmSession = %.0fx |\n",
      fu.ct.voxelCount(), fig("resample s", resample_s), resample_reps,
      fig("ratio resample", confirm_s / resample_s));
  std::printf(
      "| baseline: one memory pass (sum of the follow-up voxels, %.0f MB) | %.4f s (mean "
      "of %d) | confirmSession = %.0fx |\n",
      1e-6 * static_cast<double>(fu.ct.voxelCount() * sizeof(float)), fig("memory s", memory_s),
      memory_reps, fig("ratio memory", confirm_s / memory_s));
  std::printf(
      "| registration quality | rigid %.2f deg, %.2f mm; deformable up to %.2f mm, min "
      "Jacobian %.2f; mean abs difference %.1f -> %.1f -> %.1f HU | %s |\n",
      fig("rotation", q.rotation_deg), fig("translation", q.translation_mm),
      fig("max deformable", q.max_deformable_displacement_mm), fig("min jacobian", q.min_jacobian),
      fig("mad initial", q.mean_abs_difference_initial),
      fig("mad rigid", q.mean_abs_difference_rigid), fig("mad final", q.mean_abs_difference_final),
      q.poor ? "flagged poor" : "not flagged");
  std::printf(
      "| liver surface distance | mean %.2f mm, p95 %.2f mm | thresholds %.1f / %.1f mm |\n",
      fig("surface mean", q.liver_surface_mean_mm.value_or(std::nan(""))),
      fig("surface p95", q.liver_surface_p95_mm.value_or(std::nan(""))),
      co.registration.max_surface_mean_mm, co.registration.max_surface_p95_mm);
  std::printf(
      "| TRE, 2000 random liver points, vs the known deformation | mean %.2f mm, p95 %.2f "
      "mm, max %.2f mm | before registration: mean %.2f mm, max %.2f mm |\n",
      fig("tre mean", tre_mean), fig("tre p95", percentile(tre, 0.95)),
      fig("tre max", *std::max_element(tre.begin(), tre.end())), fig("before mean", before_mean),
      fig("before max", *std::max_element(before.begin(), before.end())));
  std::printf("| MAM error, %zu lesions | mean %.2f mm, max %.2f mm | voxel %.2fx%.2fx%.2f mm |\n",
              mam_errors.size(),
              fig("mam error mean",
                  mam_errors.empty() ? std::nan("")
                                     : std::accumulate(mam_errors.begin(), mam_errors.end(), 0.0) /
                                           static_cast<double>(mam_errors.size())),
              fig("mam error max", mam_errors.empty()
                                       ? std::nan("")
                                       : *std::max_element(mam_errors.begin(), mam_errors.end())),
              g.spacing().x(), g.spacing().y(), g.spacing().z());
  for (const std::string& w : r.warnings) std::printf("warning: %s\n", w.c_str());
  std::printf("load average at the end: %s\n", loadAverage().c_str());
  if (resample_checksum == 1e300 || sum == 1e300) std::printf("(checksum)\n");

  for (const auto& [name, v] : fig.all) {
    if (!std::isfinite(v)) {
      std::fprintf(stderr, "FAIL: %s is not finite\n", name.c_str());
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else {
      std::fprintf(stderr, "usage: bench_followup [--quick]\n");
      return 2;
    }
  }
  try {
    return run(quick);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_followup: %s\n", e.what());
    return 1;
  }
}
