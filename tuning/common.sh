# shellcheck shell=bash
# Shared by tuning/install, tuning/check and tuning/apply (sourced, not run).
# Reads tuning.conf and handles CPU lists.

# Every key tuning.conf may hold, with its default (tuning/etc/tuning.conf).
declare -A CONF=(
  [ENGINE_CPU]=1 [ENGINE_CPUS]=0 [GATEWAY_CPUS]=0 [EGRESS_CPUS]=0 [PROC_CPUS]=0
  [RECORD_CPUS]=0 [HOUSEKEEPING_CPUS]=0 [ENGINE_FIFO]=no [ENGINE_FIFO_PRIORITY]=50
  [HUGEPAGES_2M]=192 [THP_ENABLED]=madvise [THP_DEFRAG]=madvise [GOVERNOR]=performance
)

# usage_error MESSAGE: a bad command line is exit status 2, like the binaries.
usage_error() {
  echo "$PROG: $1 (try --help)" >&2
  exit 2
}

# load_conf FILE: parse KEY=VALUE lines into CONF. Parsed, never sourced: the file
# is an EnvironmentFile, not a script, and an unknown key is a typo worth refusing.
load_conf() {
  local file=$1 line key value n=0
  [[ -r $file ]] || { echo "$PROG: cannot read config $file" >&2; exit 2; }
  while IFS= read -r line || [[ -n $line ]]; do
    n=$((n + 1))
    [[ $line =~ ^[[:space:]]*([#\;].*)?$ ]] && continue
    if [[ ! $line =~ ^([A-Z0-9_]+)=(.*)$ ]]; then
      echo "$PROG: $file:$n: not KEY=VALUE: $line" >&2; exit 2
    fi
    key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
    value=${value%\"} value=${value#\"}
    [[ -v CONF[$key] ]] || { echo "$PROG: $file:$n: unknown key $key" >&2; exit 2; }
    CONF[$key]=$value
  done <"$file"
  local k
  for k in ENGINE_CPU ENGINE_CPUS GATEWAY_CPUS EGRESS_CPUS PROC_CPUS RECORD_CPUS HOUSEKEEPING_CPUS; do
    expand_cpus "${CONF[$k]}" >/dev/null || { echo "$PROG: $file: $k=${CONF[$k]} is not a CPU list" >&2; exit 2; }
  done
  [[ ${CONF[ENGINE_CPU]} =~ ^[0-9]+$ ]] || { echo "$PROG: $file: ENGINE_CPU must be one CPU" >&2; exit 2; }
  [[ ${CONF[ENGINE_FIFO]} =~ ^(yes|no)$ ]] || { echo "$PROG: $file: ENGINE_FIFO must be yes or no" >&2; exit 2; }
  [[ ${CONF[ENGINE_FIFO_PRIORITY]} =~ ^[0-9]+$ ]] && ((CONF[ENGINE_FIFO_PRIORITY] >= 1 && CONF[ENGINE_FIFO_PRIORITY] <= 99)) ||
    { echo "$PROG: $file: ENGINE_FIFO_PRIORITY must be 1-99" >&2; exit 2; }
  [[ ${CONF[HUGEPAGES_2M]} =~ ^[0-9]+$ ]] || { echo "$PROG: $file: HUGEPAGES_2M must be a number" >&2; exit 2; }
}

# expand_cpus "0-2,5" -> "0 1 2 5"; fails on anything else.
expand_cpus() {
  local part out=() i
  local IFS=,
  for part in $1; do
    if [[ $part =~ ^([0-9]+)-([0-9]+)$ ]]; then
      for ((i = BASH_REMATCH[1]; i <= BASH_REMATCH[2]; i++)); do out+=("$i"); done
    elif [[ $part =~ ^[0-9]+$ ]]; then
      out+=("$part")
    else
      return 1
    fi
  done
  ((${#out[@]})) || return 1
  IFS=' '
  echo "${out[*]}"
}

# pinned_cpus: the distinct CPUs ringside's processes run on (not housekeeping), sorted.
pinned_cpus() {
  local k
  for k in ENGINE_CPU ENGINE_CPUS GATEWAY_CPUS EGRESS_CPUS PROC_CPUS RECORD_CPUS; do
    expand_cpus "${CONF[$k]}"
  done | tr ' ' '\n' | sort -nu | tr '\n' ' ' | sed 's/ $//'
}

# isolated_wanted: the CPUs worth isolating: the engine's matching core plus any
# pinned core that is not a housekeeping core.
isolated_wanted() {
  local c hk
  hk=" $(expand_cpus "${CONF[HOUSEKEEPING_CPUS]}") "
  for c in ${CONF[ENGINE_CPU]} $(pinned_cpus); do
    [[ $hk == *" $c "* ]] || echo "$c"
  done | sort -nu | tr '\n' ',' | sed 's/,$//'
}
