#!/usr/bin/env bash
# Renders the README's Kaplan-Meier example (docs/images/cohort-km-os.png, cohort-km-pfs.png)
# from a SYNTHETIC cohort: 40 patients in two arms, exponential survival (fixed seed), each with a
# copy of the test data's plan (testdata/fuzz-seeds/plan) dated to their first ablation, added to
# a scratch case database with `rfaplan cases add`, outcomes recorded with `rfaplan cases outcome`,
# then `rfaplan cohort`. Not patient data. Needs python3 (to write the plan copies).
# Usage: packaging/render-cohort-example.sh [BUILD_DIR (default build/release)]
set -euo pipefail
cd "$(dirname "$0")/.."
rfaplan=${1:-build/release}/app/rfaplan
[[ -x $rfaplan ]] || { echo "render-cohort-example: $rfaplan not built" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export RFA_CASES_DB=$work/cases.sqlite RFA_AUDIT_LOG=off
# One line per patient: key arm first-ablation pfs-date|- death-date|- last-contact
python3 - "$work" <<'PY' >"$work/patients.txt"
import json, random, sys, datetime as dt
work = sys.argv[1]
rng = random.Random(20261207)
seed = json.load(open("testdata/fuzz-seeds/plan/plan_two_lesions.json"))
old = dt.date.fromisoformat(seed["settings"]["start_date"])
for i in range(40):
    arm = "RFA" if i % 2 == 0 else "RFA + chemotherapy"
    start = dt.date(2025, 1, 6) + dt.timedelta(days=rng.randrange(0, 540))
    hazard_os = 1 / (900 if arm == "RFA" else 1400)
    os_days = int(rng.expovariate(hazard_os)) + 1
    pfs_days = min(os_days, int(rng.expovariate(hazard_os * 2.5)) + 1)
    follow = (dt.date(2028, 6, 30) - start).days
    p = json.loads(json.dumps(seed))
    key = "SYN-%02d" % (i + 1)
    p["source"]["patient_id"] = key
    p["settings"]["start_date"] = start.isoformat()
    for e in p["timeline"]:
        if e["date"]:
            e["date"] = (start + (dt.date.fromisoformat(e["date"]) - old)).isoformat()
    json.dump(p, open(f"{work}/{key}.json", "w"))
    day = lambda d: (start + dt.timedelta(days=d)).isoformat()
    pfs = day(pfs_days) if pfs_days < follow and pfs_days < os_days else "-"
    death = day(os_days) if os_days < follow else "-"
    print(key, arm.replace(" ", "_"), start.isoformat(), pfs, death, day(min(follow, os_days)))
PY
while read -r key arm start pfs death last; do
  "$rfaplan" cases add "$work/$key.json" >/dev/null
  "$rfaplan" cases outcome "$key" --arm "${arm//_/ }" >/dev/null
  [[ $pfs != - ]] && "$rfaplan" cases outcome "$key" --event new-intrahepatic --date "$pfs" >/dev/null
  if [[ $death != - ]]; then
    "$rfaplan" cases outcome "$key" --event death --date "$death" >/dev/null
  else
    "$rfaplan" cases outcome "$key" --event last-contact --date "$last" >/dev/null
  fi
done <"$work/patients.txt"
"$rfaplan" cohort -o "$work/cohort" --today 2028-06-30 --arm RFA --arm "RFA + chemotherapy"
mkdir -p docs/images
cp "$work/cohort/km_os.png" docs/images/cohort-km-os.png
cp "$work/cohort/km_pfs.png" docs/images/cohort-km-pfs.png
echo "wrote docs/images/cohort-km-os.png, docs/images/cohort-km-pfs.png"
