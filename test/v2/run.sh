#!/usr/bin/env bash
# test/v2/run.sh [OUTDIR]: runs the cgroup tests on a pure cgroup v2 host with systemd, the layout
# most users have (this machine is hybrid), in the throw-away VM of /work/shared/vm (root only).
# On the host: builds dist/, stages a copy of the tree (sources, dist/, node_modules) under
# /var/tmp, boots the VM on it and runs this script again inside with --in-vm. Container roots stay
# in the guest's /tmp (the shared 9p dir cannot hold overlayfs upper dirs). Inside, the tests run from /system.slice/vmrun.service, a populated service cgroup, as under
# CI or a login session: the case that used to break every container (issue 13).
# The OCI runtime-tools suite is not run: its cgroup files (commit 260e151, the last that builds with
# Debian 12's Go) read cgroup v1 files only ("cgroupv2 is not supported yet") and each waits out its
# 60 s timeout on v2.
# Output: OUTDIR (default /var/tmp/bocker-v2-last)/log; its last lines are the counts and times.
# Env: VM (default /work/shared/vm), VM_TIMEOUT, V2_STEPS (which steps: default "podman cgroups
# checkpoint"; "systemd" runs only the --systemd-cgroup driver tests, "sdbench" its D-Bus timings).
set -uo pipefail
DEFAULT_STEPS="podman cgroups checkpoint"
here=$(cd "$(dirname "$0")/../.." && pwd)

# The D-Bus part of `create --systemd-cgroup` (client load, connect, StartTransientUnit + job), from
# --debug, over 5 creates; and `state missing` with and without the flag (the client is not loaded).
sdbench() {
  local b=/tmp/sdbench i
  rm -rf $b && mkdir -p $b
  bun -e 'import { makeBusyboxRootfs } from "./common/busybox-rootfs.ts"; makeBusyboxRootfs("/tmp/sdbench/rootfs")' || return 1
  (cd $b && "$here/dist/bocker-runtime" spec && sed -i 's/"terminal": true/"terminal": false/; s/"sh"$/"sleep", "100"/' config.json) || return 1
  # Into a file: the created container keeps the runtime's stdout and stderr open (a pipe would never end).
  for i in 1 2 3 4 5; do
    "$here/dist/bocker-runtime" --root $b/state --debug --systemd-cgroup create --bundle $b sd$i >$b/create.log 2>&1
    grep -o 'systemd [0-9]*: .*' $b/create.log || cat $b/create.log
    "$here/dist/bocker-runtime" --root $b/state delete --force sd$i
  done
  for flag in "" --systemd-cgroup; do
    local t0=$EPOCHREALTIME
    for i in $(seq 20); do "$here/dist/bocker-runtime" $flag state missing 2>/dev/null; done
    awk -v a="$t0" -v b="$EPOCHREALTIME" -v f="${flag:-(no flag)}" 'BEGIN { printf "state missing %s: %.1f ms each (20 runs)\n", f, (b - a) * 1000 / 20 }'
  done
}

in_vm() {
  cd "$here" || exit 2
  # BOCKER_TEST_SLOWDOWN stretches the tests' polling deadlines for the emulated CPU.
  export PATH=$here/node_modules/.bin:$PATH BOCKER_TEST_ROOT=1 TMPDIR=/tmp BOCKER_TEST_SLOWDOWN=20
  echo "v2: $(stat -fc %T /sys/fs/cgroup), own cgroup $(cut -d: -f3 /proc/self/cgroup), $(nproc) cpus"
  local rc=0 t0=$SECONDS
  step() { local name=$1; shift; local s=$SECONDS; "$@"; local r=$?; echo "v2: $name: exit $r, $((SECONDS - s)) s"; ((r == 0)) || rc=1; }
  # podman's systemd cgroup manager needs the system bus, which the VM image does not start.
  if [[ ! -S /run/dbus/system_bus_socket ]]; then
    step "install dbus" bash -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dbus >/dev/null && systemctl start dbus.socket dbus.service'
  fi
  # V2_STEPS selects steps (default "podman cgroups checkpoint"; "systemd" and "sdbench" are focused extras).
  local steps=" ${V2_STEPS:-$DEFAULT_STEPS} "
  [[ $steps == *" podman "* ]] && step "podman cgroup tests" bun test --timeout 600000 ./test/integration/clients/podman-cgroups.test.ts
  # TCG emulation runs programs 15-30x slower: bun's default 5 s per test is far too short.
  # ./test/integration/cgroups includes systemd.test.ts (the --systemd-cgroup driver).
  [[ $steps == *" cgroups "* ]] && step "cgroup tests" bun test --timeout 300000 ./test/integration/cgroups ./test/integration/runtime/cgroups.test.ts
  [[ $steps == *" systemd "* ]] && step "systemd driver tests" bun test --timeout 300000 ./test/integration/cgroups/systemd.test.ts
  [[ $steps == *" sdbench "* ]] && step "systemd driver timings" sdbench
  # checkpoint/restore with Debian 12's own criu (3.17), which cannot start on the host's 6.18 kernel;
  # criu check first, since the tests skip (not fail) without a working criu.
  if [[ $steps == *" checkpoint "* ]]; then
    if ! command -v criu >/dev/null; then
      step "install criu" bash -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends criu >/dev/null'
    fi
    step "criu check ($(criu --version 2>/dev/null | head -1))" criu check
    step "checkpoint tests" bun test --timeout 300000 ./test/integration/runtime/checkpoint.test.ts ./test/integration/clients/podman-checkpoint.test.ts
  fi
  echo "v2: total $((SECONDS - t0)) s"
  return $rc
}

if [[ ${1:-} == --in-vm ]]; then OUTDIR=$2; in_vm; exit; fi

OUTDIR=${1:-/var/tmp/bocker-v2-last}
VM=${VM:-/work/shared/vm}
[[ $(id -u) == 0 ]] || { echo "test/v2/run.sh: run as root" >&2; exit 2; }
t0=$SECONDS
(cd "$here" && bun scripts/build.ts >/dev/null) || { echo "test/v2/run.sh: build failed" >&2; exit 1; }
stage=$(mktemp -d /var/tmp/bocker-v2.XXXXXX)
trap 'rm -rf "$stage"' EXIT
trap 'exit 130' INT TERM HUP
# The tree as it is on disk (uncommitted edits included), without .git and the node_modules link.
(cd "$here" && git ls-files -co --exclude-standard -z | grep -zv '^node_modules$' | xargs -0 cp --parents -t "$stage" 2>/dev/null)
cp -a "$here/dist" "$stage/"
cp -a "$(readlink -f "$here/node_modules")" "$stage/node_modules"
mkdir -p "$OUTDIR"
mkdir -p "$stage/out"
VM_TIMEOUT=${VM_TIMEOUT:-3600} "$VM/run.sh" --mem 3072 --cpus 2 -e "V2_STEPS=${V2_STEPS:-$DEFAULT_STEPS}" "$stage" -- bash test/v2/run.sh --in-vm "$stage/out" 2>&1 | tee "$OUTDIR/log"
rc=${PIPESTATUS[0]}
cp -a "$stage/out/." "$OUTDIR/" 2>/dev/null
echo "test/v2/run.sh: exit $rc, $((SECONDS - t0)) s in all (build, staging, boot, tests); log in $OUTDIR/log" | tee -a "$OUTDIR/log"
exit "$rc"
