#!/usr/bin/env bash
# CI test: the official Anthropic TypeScript SDK (npm `@anthropic-ai/sdk`, pinned in package-lock.json)
# as the client of `switchboard-gateway serve` in demo mode (the simulator stands in for every
# provider), with a gateway key created by `switchboard-gateway keys create`.
# Usage: run.sh <switchboard-gateway binary> <work dir for node_modules>
set -euo pipefail
gateway=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
command -v node >/dev/null && command -v npm >/dev/null || { echo "node/npm not found: run tools/setup" >&2; exit 1; }

mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$here/client.mjs" "$work/"
if [[ ! -f $work/node_modules/@anthropic-ai/sdk/package.json ]] || ! cmp -s "$here/package-lock.json" "$work/node_modules/.installed-lock"; then
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$here/package-lock.json" "$work/node_modules/.installed-lock"
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

key=$("$gateway" keys create anthropic-sdk-test --database "$db" | grep -Eo 'sk-sb-[A-Za-z0-9]{40}' | head -1)
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

# The SDK appends /v1/messages to its base URL itself.
SWITCHBOARD_URL=$url SWITCHBOARD_KEY=$key node "$work/client.mjs"
