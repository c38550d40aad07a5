#!/usr/bin/env bash
# User-facing text stays true:
#  1. no references to this project's issue tracker ("issue 8", "later issues", "see `issues`") in
#     README, docs, program sources (what the CLI and GUI print), public headers, resources and
#     packaging; an upstream project's issue (e.g. "DCMTK issue #1132") is fine;
#  2. with RFAPLAN given: every subcommand `rfaplan --help` lists has a usage line in README's
#     "Command line" block, and every `rfaplan NAME` usage line there is a real subcommand.
# Usage: tests/docs/check_user_text.sh SOURCE_DIR [RFAPLAN]
set -euo pipefail
src=$1
rfaplan=${2:-}
cd "$src"
status=0

hits=$(grep -rnIE '\b[Ii]ssues? #?[0-9]+|later issues?\b|see `issues`' \
         README.md docs app resources packaging modules/*/include 2>/dev/null |
       grep -vE '(DCMTK|ITK|VTK|Qt|Orthanc|plastimatch|upstream)[^|]{0,20}[Ii]ssue' || true)
if [[ -n $hits ]]; then
  echo "User-facing text refers to the project's issues (say what it does instead):"
  echo "$hits"
  status=1
fi

if [[ -n $rfaplan ]]; then
  # Subcommands as CLI11 lists them under "SUBCOMMANDS:" (two-space indent, name, description).
  "$rfaplan" --help | awk 'tolower($0) ~ /^subcommands:/ { on = 1; next } on && /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }' | sort -u >/tmp/rfa_cli_$$
  # README's usage block: lines "rfaplan NAME ..." between "## Command line" and the next heading.
  awk '/^## Command line/ { on = 1; next } on && /^## / { on = 0 } on && /^rfaplan [a-z]/ { print $2 }' README.md |
    sort -u >/tmp/rfa_readme_$$
  trap 'rm -f /tmp/rfa_cli_$$ /tmp/rfa_readme_$$' EXIT
  if [[ ! -s /tmp/rfa_cli_$$ ]]; then
    echo "could not read the subcommands from '$rfaplan --help'"
    status=1
  fi
  missing=$(comm -23 /tmp/rfa_cli_$$ /tmp/rfa_readme_$$)
  extra=$(comm -13 /tmp/rfa_cli_$$ /tmp/rfa_readme_$$)
  if [[ -n $missing ]]; then
    echo "README's Command line section has no usage line for: $missing"
    status=1
  fi
  if [[ -n $extra ]]; then
    echo "README's Command line section shows commands rfaplan does not have: $extra"
    status=1
  fi
  echo "subcommands: $(wc -l </tmp/rfa_cli_$$) in rfaplan --help, $(wc -l </tmp/rfa_readme_$$) in README"
fi
((status == 0)) && echo "user-facing text: ok"
exit $status
