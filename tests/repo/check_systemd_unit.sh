#!/usr/bin/env bash
# Checks resources/deploy/switchboard-gateway.service: `systemd-analyze verify` finds nothing
# to say about it (an unknown or misspelt key, a value it cannot parse, a missing binary) with
# ExecStart pointing at the given binary instead of /usr/local/bin, and it keeps its restart
# policy and every hardening setting. Prints each problem and exits 1; exits 0 when there is
# none; exits 77 (skipped) without systemd-analyze.
# Usage: check_systemd_unit.sh <repo root> <switchboard-gateway binary>
set -euo pipefail

root=${1:?usage: check_systemd_unit.sh <repo root> <switchboard-gateway binary>}
binary=${2:?usage: check_systemd_unit.sh <repo root> <switchboard-gateway binary>}
name=switchboard-gateway.service
unit=$root/resources/deploy/$name

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "skipped: systemd-analyze is not installed (Debian: apt-get install systemd)"
  exit 77
fi
[[ -f $unit ]] || { echo "$unit: not found"; exit 1; }
[[ -x $binary ]] || { echo "$binary: not an executable file"; exit 1; }
binary=$(realpath "$binary")

status=0

# The same file name in a directory of its own, so verify's messages about it can be told
# from its noise about the host's units.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
copy=$work/$name
sed "s|^ExecStart=/usr/local/bin/switchboard-gateway |ExecStart=$binary |" "$unit" >"$copy"
if ! grep -q "^ExecStart=$binary " "$copy"; then
  echo "$unit: no \"ExecStart=/usr/local/bin/switchboard-gateway …\" line to point at $binary"
  status=1
fi

# verify exits 0 after most warnings (an unknown key is "ignoring"), so its words count, not
# its exit code: every line that names the unit is a problem.
verify_exit=0
output=$(systemd-analyze verify --man=no "$copy" 2>&1) || verify_exit=$?
if problems=$(grep -F "$name" <<<"$output"); then
  echo "systemd-analyze verify $unit:"
  echo "${problems//$work\//}"
  status=1
elif ((verify_exit != 0)); then
  echo "systemd-analyze verify exited $verify_exit:"
  echo "$output"
  status=1
fi

# The settings the service must keep (key=value exactly; a value of * means any non-empty value).
required=(
  Restart=on-failure 'RestartSec=*' 'User=*' StateDirectory=switchboard
  EnvironmentFile=/etc/switchboard/gateway.env 'ExecReload=*'
  NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes PrivateDevices=yes
  ProtectKernelTunables=yes ProtectKernelModules=yes ProtectKernelLogs=yes
  ProtectControlGroups=yes ProtectClock=yes ProtectHostname=yes
  'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' RestrictNamespaces=yes
  RestrictRealtime=yes RestrictSUIDSGID=yes LockPersonality=yes MemoryDenyWriteExecute=yes
  SystemCallArchitectures=native SystemCallFilter=@system-service CapabilityBoundingSet=
  UMask=0077 LimitNOFILE=65536
)
for setting in "${required[@]}"; do
  key=${setting%%=*}
  value=${setting#*=}
  if [[ $value == '*' ]]; then
    grep -Eq "^$key=.+" "$unit" || { echo "$unit: $key= is missing"; status=1; }
  else
    grep -Fxq "$setting" "$unit" || { echo "$unit: \"$setting\" is missing"; status=1; }
  fi
done
# SIGHUP reloads the TLS certificate; any other reload would stop or do nothing.
# shellcheck disable=SC2016 # $MAINPID is systemd's, not the shell's
grep -Eq '^ExecReload=.*kill -(HUP|s HUP|SIGHUP) \$MAINPID' "$unit" ||
  { echo "$unit: ExecReload= must send SIGHUP to \$MAINPID"; status=1; }
# Port 8443 needs no capability; none may come back through the ambient set.
if grep -Eq '^AmbientCapabilities=.+' "$unit"; then
  echo "$unit: AmbientCapabilities= grants a capability; the gateway listens on 8443 and needs none"
  status=1
fi
# Secrets live in the environment file only.
if grep -Eiq '^Environment=.*(KEY|PASSWORD|TOKEN|SECRET)[A-Z_]*=' "$unit"; then
  echo "$unit: a secret in Environment=; it belongs in /etc/switchboard/gateway.env"
  status=1
fi

((status == 0)) && echo "$unit: verified, restart policy and hardening present"
exit "$status"
