#!/usr/bin/env bash
# CI test: an official provider SDK (pinned in its folder's package-lock.json) as the client of
# `switchboard-gateway serve` in demo mode (the simulator stands in for every provider), with a
# gateway key created by `switchboard-gateway keys create`. The folder's client.mjs gets the
# gateway's root URL in SWITCHBOARD_URL and the key in SWITCHBOARD_KEY.
# Usage: sdk_client.sh <client folder: openai_sdk, anthropic_sdk> <switchboard-gateway binary> <work dir for node_modules>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
client=$here/$1
gateway=$2
work=$3
command -v node >/dev/null && command -v npm >/dev/null || { echo "node/npm not found: run tools/setup" >&2; exit 1; }
[[ -f $client/client.mjs && -f $client/package-lock.json ]] || { echo "no SDK client in $client" >&2; exit 1; }

mkdir -p "$work"
cp "$client/package.json" "$client/package-lock.json" "$client/client.mjs" "$work/"
if ! cmp -s "$client/package-lock.json" "$work/node_modules/.installed-lock" 2>/dev/null; then
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$client/package-lock.json" "$work/node_modules/.installed-lock"
fi

data=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT
export XDG_DATA_HOME=$data XDG_CONFIG_HOME=$data
db=$data/switchboard.db

key=$("$gateway" keys create "$1-test" --database "$db" | grep -Eo 'sk-sb-[A-Za-z0-9]{40}' | head -1)
[[ -n $key ]] || { echo "keys create printed no key" >&2; exit 1; }

"$gateway" serve --demo on --listen 127.0.0.1:0 --database "$db" >"$data/out" 2>"$data/err" &
pid=$!
for _ in $(seq 150); do
  grep -q "listening on" "$data/out" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { echo "serve exited:" >&2; cat "$data/err" >&2; exit 1; }
  sleep 0.1
done
url=$(grep -Eo 'http://[0-9.]+:[0-9]+' "$data/out" | head -1)
[[ -n $url ]] || { echo "serve did not report its address:" >&2; cat "$data/out" "$data/err" >&2; exit 1; }

SWITCHBOARD_URL=$url SWITCHBOARD_KEY=$key node "$work/client.mjs"
