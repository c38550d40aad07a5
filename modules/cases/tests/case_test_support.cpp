// Synthetic plan files for the case database tests.
#include "case_test_support.h"

#include <chrono>
#include <fstream>
#include <stdexcept>

#include "rfa/planning/plan_io.h"
#include "rfa/planning/profile.h"
#include "rfa/planning/schedule.h"

namespace rfa::cases::test {

namespace {

std::chrono::year_month_day parse(const std::string& s) {
  using namespace std::chrono;
  return year_month_day{year{std::stoi(s.substr(0, 4))},
                        month{static_cast<unsigned>(std::stoi(s.substr(5, 2)))},
                        day{static_cast<unsigned>(std::stoi(s.substr(8, 2)))}};
}

}  // namespace

planning::TreatmentPlan syntheticPlan(const std::string& patient_id, const std::string& start_date,
                                      int sessions, int lesions, const std::string& profile) {
  using namespace std::chrono;
  const planning::ProtocolProfile& p = planning::resolveProfile(profile);
  planning::TreatmentPlan plan;
  plan.software = "rfaplan test";
  plan.source.input = "/data/series/" + patient_id;
  plan.source.patient_id = patient_id;
  plan.source.study_instance_uid = "1.2.826.0.1.3680043.2.1125.1." + std::to_string(lesions);
  plan.source.series_instance_uid = "1.2.826.0.1.3680043.2.1125.2." + std::to_string(sessions);
  plan.source.modality = "CT";
  plan.source.size = {64, 64, 32};
  plan.source.segmentation = "automatic (written to plan-segmentation/)";
  plan.settings.profile = p.name;
  plan.settings.electrodes = {"cooltip-3cm"};
  plan.settings.start_date = start_date;
  plan.settings.cycles_between_sessions = 1;
  plan.liver_volume_ml = 1500;
  for (int i = 1; i <= lesions; ++i) {
    planning::PlanLesion l;
    l.id = i;
    l.diameter_mm = 10 + i;
    l.volume_ml = 0.5 * i;
    l.session = 1 + (i - 1) % sessions;
    plan.lesions.push_back(l);
  }
  for (int k = 1; k <= sessions; ++k) {
    planning::PlanSession s;
    s.index = k;
    for (const planning::PlanLesion& l : plan.lesions) {
      if (l.session == k) s.lesion_ids.push_back(l.id);
    }
    if (k == 1) {
      s.decision = planning::SessionDecision::kProceed;
      s.lab_date = start_date;
    }
    plan.sessions.push_back(s);
  }
  const year_month_day start =
      start_date.empty() ? year_month_day{year{2000}, January, day{1}} : parse(start_date);
  const planning::Timeline t = planning::scheduleSessions(p, start, sessions, 1, 1);
  for (const planning::TimelineEvent& e : t.events) {
    planning::PlanEvent pe;
    pe.day = static_cast<int>((sys_days(e.date) - sys_days(start)).count());
    pe.date = start_date.empty() ? std::string() : planning::formatDate(e.date);
    pe.kind = e.kind;
    pe.session = e.session;
    pe.cycle = e.cycle;
    pe.text = e.text;
    plan.timeline.push_back(pe);
  }
  return plan;
}

void writePlan(const std::filesystem::path& file, planning::TreatmentPlan plan) {
  planning::writePlanFile(file, plan);
}

void writePlanFast(const std::filesystem::path& file, const planning::TreatmentPlan& plan) {
  std::ofstream out(file, std::ios::binary);
  out << planning::serializePlan(plan);
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace rfa::cases::test
