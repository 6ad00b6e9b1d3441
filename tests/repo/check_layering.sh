#!/usr/bin/env bash
# Checks that core/'s folders include each other in one direction only: a core file may
# include its own folder and folders on lower levels of the dependency order that
# docs/ARCHITECTURE.md writes as "level N  folder folder…" lines (its section "Dependency
# order"), nothing of ui/ or app/, and no Qt header. Every folder of core/ must have a level,
# and every folder given a level must exist. Prints each offending file:line with its include
# and exits 1; exits 0 when there is none. Usage: check_layering.sh <repo root>
set -euo pipefail

root=${1:?usage: check_layering.sh <repo root>}
cd "$root"
doc=docs/ARCHITECTURE.md

# "level 4   cache  metrics  routing" lines, read from the "Dependency order" section only.
declare -A level=()
status=0
while read -r n folders; do
  for folder in $folders; do
    if [[ -n ${level[$folder]:-} ]]; then
      echo "$doc: $folder is given two levels (${level[$folder]} and $n)"
      status=1
    fi
    level[$folder]=$n
  done
done < <(awk '/^## / { inside = /Dependency order/ } inside && /^level +[0-9]+ / { $1 = ""; print }' "$doc")

if ((${#level[@]} == 0)); then
  echo "$doc: no \"level N  folder…\" lines in the section \"Dependency order\""
  exit 1
fi

for dir in core/*/; do
  folder=$(basename "$dir")
  [[ -n ${level[$folder]:-} ]] || { echo "core/$folder has no level in $doc"; status=1; }
done
for folder in "${!level[@]}"; do
  [[ -d core/$folder ]] || { echo "$doc: level ${level[$folder]} names $folder, which is not a folder of core/"; status=1; }
done

# file, line number, the included folder ("Q" for a Qt header), the include as written.
includes=$(find core -type f \( -name '*.h' -o -name '*.cpp' -o -name '*.in' \) -print0 | sort -z |
  xargs -0 awk '
    match($0, /^[ \t]*#[ \t]*include[ \t]*"[^"\/]+\//) {
      folder = substr($0, RSTART, RLENGTH)
      sub(/^.*"/, "", folder); sub(/\/$/, "", folder)
      print FILENAME "\t" FNR "\t" folder "\t" $0
    }
    /^[ \t]*#[ \t]*include[ \t]*<Q/ { print FILENAME "\t" FNR "\tQ\t" $0 }')

while IFS=$'\t' read -r file line folder include; do
  [[ -n $file ]] || continue
  own=${file#core/}
  own=${own%%/*}
  [[ $folder == "$own" || -z ${level[$own]:-} ]] && continue  # a folder without a level is reported above
  include=$(sed -E 's/^[ \t]+//' <<<"$include")
  if [[ $folder == Q ]]; then
    echo "$file:$line: $include: core/ is Qt-free"
  elif [[ -z ${level[$folder]:-} ]]; then
    echo "$file:$line: $include: $folder/ is not a folder of core/ (core/ never includes ui/ or app/)"
  elif ((level[$folder] >= level[$own])); then
    echo "$file:$line: $include: $folder (level ${level[$folder]}) is not below $own (level ${level[$own]})"
  else
    continue
  fi
  status=1
done <<<"$includes"

exit "$status"
