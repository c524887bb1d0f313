#!/bin/bash
# Tests of tuning/ (ctest label "tuning"): tuning_test.sh CASE, one ctest test per case.
# Everything happens in a temporary directory: the binaries are stubs (systemd-analyze
# verify only needs them to exist), nothing is installed on or applied to this host.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
t=$repo/tuning
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

stub_bin() { # stand-in binaries for tuning/install --from
  mkdir -p "$tmp/bin"
  local b
  for b in ringside-engine ringside-gateway ringside-egress ringside-proc ringside; do
    printf '#!/bin/sh\necho %s "$@"\n' "$b" >"$tmp/bin/$b"
    chmod +x "$tmp/bin/$b"
  done
}

# A listing of everything under DIR with content hashes and modes: equal listings,
# equal trees.
snapshot() { (cd "$1" && find . -printf '%p %m %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort); }

units=(ringside.target ringside-engine.service ringside-gateway.service ringside-egress.service
  ringside-record.service ringside-hugepages.service run-hugepages-ringside.mount
  ringside-proc@aggregates.service ringside-proc@alerts.service ringside-proc@book.service
  ringside-proc@enrich.service ringside-proc@ofi.service)

case ${1:-} in
verify)
  command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze (scripts/install-deps installs systemd)"; exit 77; }
  # Install into a root, give it what a real root has (systemd's own units for
  # sysinit.target & co., /bin/sh for two ExecStart lines), verify there. verify
  # exits 0 on warnings (unknown keys, ordering cycles), so stderr must be empty too.
  stub_bin
  "$t/install" --prefix "$tmp/root" --from "$tmp/bin" >/dev/null
  mkdir -p "$tmp/root/usr/lib/systemd" "$tmp/root/bin"
  cp -a /usr/lib/systemd/system "$tmp/root/usr/lib/systemd/"
  cp /bin/sh "$tmp/root/bin/sh"
  for u in "${units[@]}"; do
    [[ -e $tmp/root/etc/systemd/system/${u/@*./@.} ]] || fail "$u not installed"
  done
  systemd-analyze verify --root="$tmp/root" "${units[@]}" 2>"$tmp/err" || { cat "$tmp/err"; fail "verify exit status"; }
  [[ ! -s $tmp/err ]] || { cat "$tmp/err"; fail "verify warned"; }
  # verify must see the rendered drop-ins: a bad one has to be caught.
  echo "CPUAffinity=bogus" >>"$tmp/root/etc/systemd/system/ringside-engine.service.d/50-tuning.conf"
  systemd-analyze verify --root="$tmp/root" ringside-engine.service 2>"$tmp/err" || true
  grep -q "CPU affinity" "$tmp/err" || fail "verify did not read the drop-in"
  echo "verified ${#units[@]} units"
  ;;
dry_run)
  stub_bin
  mkdir "$tmp/root"
  before=$(snapshot "$tmp")
  out=$("$t/install" --prefix "$tmp/root" --from "$tmp/bin" --dry-run)
  [[ $(snapshot "$tmp") == "$before" ]] || fail "--dry-run changed files"
  grep -q "^would install .*ringside-engine.service.d/50-tuning.conf" <<<"$out" || fail "no drop-in action printed: $out"
  grep -q "dry run: nothing changed" <<<"$out" || fail "no dry-run note"
  echo "dry run changed nothing"
  ;;
idempotent)
  stub_bin
  "$t/install" --prefix "$tmp/root" --from "$tmp/bin" >/dev/null
  first=$(snapshot "$tmp/root")
  out=$("$t/install" --prefix "$tmp/root" --from "$tmp/bin")
  [[ $(snapshot "$tmp/root") == "$first" ]] || fail "second install changed files"
  ! grep -q "^install " <<<"$out" || fail "second install installed again: $out"
  # An edited config is kept, and the drop-ins follow it.
  sed -i 's/^GATEWAY_CPUS=.*/GATEWAY_CPUS=0-1/' "$tmp/root/etc/ringside/tuning.conf"
  out=$("$t/install" --prefix "$tmp/root" --from "$tmp/bin")
  grep -q "^kept .*tuning.conf" <<<"$out" || fail "edited config not kept: $out"
  grep -qx "CPUAffinity=0 1" "$tmp/root/etc/systemd/system/ringside-gateway.service.d/50-tuning.conf" || fail "drop-in not re-rendered"
  echo "second install: no change"
  ;;
check)
  out=$("$t/check") || fail "check exit status $?"
  echo "$out"
  for item in isolcpus nohz_full rcu_nocbs irq governor frequency cstates smt thp_enabled thp_defrag \
    hugepages_2m hugepages_1g hugetlbfs memlock memlock_user memlock_units numa_cpus numa_rings; do
    grep -Eq "^(OK|WARN|CANNOT CHECK|INFO) +$item " <<<"$out" || fail "no line for $item"
  done
  grep -q "^kernel command line now:" <<<"$out" || fail "no kernel command line"
  grep -q "^summary: " <<<"$out" || fail "no summary"
  # --strict turns warnings into exit 1 (an impossible config forces a warning).
  printf 'ENGINE_CPU=1\nHUGEPAGES_2M=999999999\n' >"$tmp/c.conf"
  if "$t/check" --config "$tmp/c.conf" --strict >/dev/null; then fail "--strict exited 0 with a warning"; fi
  ;;
apply_dry)
  out=$("$t/apply" --dry-run) || fail "apply --dry-run exit status"
  echo "$out"
  grep -q "^would write '.*' > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages" <<<"$out" || fail "no hugepages write"
  grep -q "^would write 'madvise' > /sys/kernel/mm/transparent_hugepage/enabled" <<<"$out" || fail "no THP write"
  grep -q "dry run: nothing written" <<<"$out" || fail "no dry-run note"
  ;;
apply_fake)
  # A fake /sys and /proc: one IRQ refuses (a directory where its file should be),
  # the rest must still be written, and the exit status must say so.
  r=$tmp/fake
  mkdir -p "$r/sys/kernel/mm/hugepages/hugepages-2048kB" "$r/sys/kernel/mm/transparent_hugepage" \
    "$r/proc/irq/1" "$r/proc/irq/2/smp_affinity_list" "$r/sys/devices/system/cpu/cpu1/cpufreq"
  echo 0 >"$r/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
  echo "always [madvise] never" >"$r/sys/kernel/mm/transparent_hugepage/enabled"
  echo "always [madvise] never" >"$r/sys/kernel/mm/transparent_hugepage/defrag"
  echo 0-1 >"$r/proc/irq/1/smp_affinity_list"
  echo 3 >"$r/proc/irq/default_smp_affinity"
  echo powersave >"$r/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor"
  set +e
  out=$(RINGSIDE_TUNING_ROOT=$r "$t/apply")
  rc=$?
  set -e
  echo "$out"
  ((rc == 1)) || fail "exit status $rc, want 1"
  grep -q "^FAILED  write '0' > $r/proc/irq/2/smp_affinity_list" <<<"$out" || fail "failure not reported"
  [[ $(cat "$r/proc/irq/1/smp_affinity_list") == 0 ]] || fail "IRQ 1 not moved"
  [[ $(cat "$r/proc/irq/default_smp_affinity") == 1 ]] || fail "default_smp_affinity not written"
  [[ $(cat "$r/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages") == 192 ]] || fail "hugepages not written"
  [[ $(cat "$r/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor") == performance ]] || fail "governor not written"
  grep -q "skip    governor: CPU 0" <<<"$out" || fail "missing cpufreq not skipped"
  ;;
bad_options)
  for cmd in "install --bogus" "install --prefix" "check --bogus" "check --config" "apply --bogus" "apply --only nothing"; do
    set +e
    err=$("$t"/$cmd 2>&1 >/dev/null)
    rc=$?
    set -e
    ((rc == 2)) || fail "tuning/$cmd: exit status $rc, want 2"
    grep -q "(try --help)" <<<"$err" || fail "tuning/$cmd: unclear error: $err"
  done
  printf 'ENGINE_CPU=one\n' >"$tmp/bad.conf"
  set +e
  err=$("$t/check" --config "$tmp/bad.conf" 2>&1 >/dev/null); rc=$?
  set -e
  ((rc == 2)) && grep -q "ENGINE_CPU" <<<"$err" || fail "bad config: exit $rc, '$err'"
  printf 'NO_SUCH_KEY=1\n' >"$tmp/bad.conf"
  err=$("$t/apply" --dry-run --config "$tmp/bad.conf" 2>&1) && fail "unknown key accepted"
  grep -q "unknown key NO_SUCH_KEY" <<<"$err" || fail "unknown key: unclear error: $err"
  for s in install check apply; do "$t/$s" --help | grep -q "^Usage: tuning/$s" || fail "$s --help"; done
  echo "bad options: exit 2 with a message"
  ;;
*)
  echo "usage: $0 verify|dry_run|idempotent|check|apply_dry|apply_fake|bad_options" >&2
  exit 2
  ;;
esac
