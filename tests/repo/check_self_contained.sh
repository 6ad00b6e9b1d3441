#!/usr/bin/env bash
# Checks that the repository's text stands on its own: no file refers to the folder beside the
# checkout (`../shared`), and README.md and docs/ name no issue numbers ("issue 12",
# "issue #12", "issues 8 and 9", "see #12", a bare "(#12)"). Prints each offending file:line
# and exits 1; exits 0 when there is none. Usage: check_self_contained.sh <repo root>
set -euo pipefail

root=${1:?usage: check_self_contained.sh <repo root>}
cd "$root"
self=tests/repo/check_self_contained.sh

# Every file of the checkout: tracked and new (not ignored) files in a git work tree, else
# everything outside .git, build trees and node_modules.
list_files() {
  if [[ $(git rev-parse --show-toplevel 2>/dev/null) == "$(pwd -P)" ]]; then
    git ls-files -z --cached --others --exclude-standard
  else
    find . \( -name .git -o -name 'build*' -o -name node_modules \) -prune -o -type f -print0 |
      sed -z 's|^\./||'
  fi
}

files=()
while IFS= read -r -d '' f; do
  [[ $f == "$self" || ! -f $f ]] || files+=("$f")
done < <(list_files)

status=0

# Built from pieces so that this script does not name the folder itself.
outside=".."'/shared'
if ((${#files[@]})); then
  if hits=$(printf '%s\0' "${files[@]}" | xargs -0 grep -n -I -F -e "$outside" --); then
    echo "$hits" | sed 's/^/refers outside the repository: /'
    status=1
  fi
fi

docs=()
for f in "${files[@]}"; do
  # Text only: grep -I takes a binary file (a PNG) for one without a match.
  [[ $f == README.md || $f == docs/* ]] && grep -qI '' "$f" && docs+=("$f")
done
# Issue numbers: "issue(s) [#]N", "PR/fixes/closes/see/refs #N", and a bare "#N" standing as a
# reference. Code spans are left out (`#429|retry-after` is an input format), as are markdown
# anchors ("(#1-the-baseline-replay)": a letter or hyphen follows the digits), colours
# ("#9a9a9a") and long numbers such as an order number in an example ("#2400123").
if ((${#docs[@]})); then
  if hits=$(perl -ne '
      BEGIN { $found = 0 }
      my $text = $_;
      $text =~ s/`[^`]*`//g;
      if ($text =~ /\bissues?\s+#?\d+/i
          || $text =~ /\b(?:PRs?|pull requests?|fix(?:es|ed)?|close[sd]?|resolve[sd]?|see|refs?|bugs?|tickets?)\s+#\d+/i
          || $text =~ /(?:^|[\s(\[,;])#\d{1,5}(?=$|[\s)\].,;:!?])/) {
        chomp(my $line = $_);
        print "$ARGV:$.: $line\n";
        $found = 1;
      }
      close ARGV if eof;
      END { exit($found ? 0 : 1) }' -- "${docs[@]}"); then
    echo "$hits" | sed 's/^/names an issue number: /'
    status=1
  fi
fi

exit "$status"
