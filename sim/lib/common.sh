# Shared helpers of the simulated PE 3.7 `puppet`: host root, sim config, console log,
# file writes with Puppet's owners and modes, the CA lock and the host's event log.
# Sourced by sim/puppet; expects SIM_ROOT ("" when the host root is "/").
# Forks are slow on small CI machines, so helpers return values in REPLY where they can.

SIM_STATE="$SIM_ROOT/var/opt/lib/pe-sim"
SIM_CONF_FILE="$SIM_STATE/sim.conf"
declare -A SIMCONF=()

sim_load_conf() {
  local line key value
  [ -f "$SIM_CONF_FILE" ] || return 0
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%%#*}"
    [[ "$line" == *=* ]] || continue
    key="${line%%=*}"; value="${line#*=}"
    key="${key//[[:space:]]/}"
    value="${value#"${value%%[![:space:]]*}"}"; value="${value%"${value##*[![:space:]]}"}"
    SIMCONF[$key]="$value"
  done <"$SIM_CONF_FILE"
}

# REPLY = a sim config value (env REGEN_SIM_<KEY> wins), or the given default.
sim_conf_get() {
  local env="REGEN_SIM_${1^^}"
  if [ -n "${!env-}" ]; then REPLY="${!env}"
  elif [ -n "${SIMCONF[$1]+x}" ]; then REPLY="${SIMCONF[$1]}"
  else REPLY="${2-}"; fi
}
sim_conf() { sim_conf_get "$@"; printf '%s' "$REPLY"; }

# ---- console log, formatted like Puppet 3's console destination ----
LOG_VERBOSE=0
LOG_DEBUG=0
log_notice() { printf 'Notice: %s\n' "$*"; }
log_info() { [ "$LOG_VERBOSE" = 1 ] && printf 'Info: %s\n' "$*"; return 0; }
log_debug() { [ "$LOG_DEBUG" = 1 ] && printf 'Debug: %s\n' "$*"; return 0; }
log_warning() { printf 'Warning: %s\n' "$*" >&2; }
log_err() { printf 'Error: %s\n' "$*" >&2; }

# ---- one private scratch directory per process (removed by sim_finish) ----
SIM_TMP=""
sim_tmp() {
  [ -n "$SIM_TMP" ] || SIM_TMP="$(mktemp -d "${TMPDIR:-/tmp}/regen-sim.XXXXXX")"
}

# ---- owners and modes ----
# As root, files get PE's owners (the users must exist: sim/create-users.sh); otherwise
# (the no-root demo sandbox) every file simply belongs to the current user. Owner changes are
# collected and applied by one chown per owner in sim_finish: forks are slow.
declare -A SIM_OWNERS=() # "user:group" -> NUL-separated paths
SIM_CHOWN=""
sim_chowning() {
  if [ -z "$SIM_CHOWN" ]; then
    sim_conf_get owners pe
    if [ "$EUID" = 0 ] && [ "$REPLY" != none ]; then SIM_CHOWN=yes; else SIM_CHOWN=no; fi
  fi
  [ "$SIM_CHOWN" = yes ]
}

# sim_own USER GROUP PATH... (GROUP empty: only the owner changes)
sim_own() {
  local key="$1${2:+:$2}" p
  shift 2
  sim_chowning || return 0
  for p in "$@"; do SIM_OWNERS[$key]+="$p"$'\n'; done
}

sim_finish() {
  local key p paths
  for key in "${!SIM_OWNERS[@]}"; do
    paths=()
    while IFS= read -r p; do [ -e "$p" ] && paths+=("$p"); done <<<"${SIM_OWNERS[$key]%$'\n'}"
    [ ${#paths[@]} -eq 0 ] || chown "$key" "${paths[@]}"
  done
  SIM_OWNERS=()
  [ -z "$SIM_TMP" ] || rm -rf "$SIM_TMP"
  SIM_TMP=""
}

# The umask that makes new files get MODE (sim processes otherwise run under umask 022).
_umask_for() { printf -v REPLY '%03o' $((~8#$1 & 8#777)); }

# sim_mkdirs MODE USER GROUP DIR...: creates the missing ones with that mode and owner.
sim_mkdirs() {
  local mode="$1" user="$2" group="$3" d missing=()
  shift 3
  for d in "$@"; do [ -d "$d" ] || missing+=("$d"); done
  [ ${#missing[@]} -gt 0 ] || return 0
  _umask_for "$mode"; umask "$REPLY"
  mkdir -p "${missing[@]}"
  umask 022
  sim_own "$user" "$group" "${missing[@]}"
}

# sim_put SRC DEST MODE USER GROUP
# Puppet opens a new file with the setting's mode and owner; an existing file keeps both.
sim_put() {
  local src="$1" dest="$2" lines
  mapfile -t lines <"$src"
  if [ -e "$dest" ]; then
    printf '%s\n' "${lines[@]}" >"$dest"
  else
    _umask_for "$3"; umask "$REPLY"
    printf '%s\n' "${lines[@]}" >"$dest"
    umask 022
    sim_own "$4" "$5" "$dest"
  fi
}

# sim_put_text DEST MODE USER GROUP TEXT
sim_put_text() {
  if [ -e "$1" ]; then printf '%s\n' "$5" >"$1"; return; fi
  _umask_for "$2"; umask "$REPLY"
  printf '%s\n' "$5" >"$1"
  umask 022
  sim_own "$3" "$4" "$1"
}

# ---- CA lock: signing, serials and the CRL are serialized across processes ----
sim_with_lock() {
  local lock="$SIM_STATE/ca.lock"
  [ -d "$SIM_STATE" ] || mkdir -p "$SIM_STATE"
  (
    flock -w 60 9 || { log_err "Could not lock the CA ($lock)"; exit 1; }
    SIM_TMP=""; SIM_OWNERS=()
    "$@"
    rc=$?
    sim_finish
    exit $rc
  ) 9>>"$lock"
}

# ---- event log: what happened on this host, in order (service changes, runs, requests) ----
sim_event() {
  local line field now="$EPOCHREALTIME"
  printf -v line '%(%Y-%m-%dT%H:%M:%S)T.%sZ' "${now%.*}" "${now#*.}"
  for field in "$@"; do line+=$'\t'"$field"; done
  [ -d "$SIM_STATE" ] || mkdir -p "$SIM_STATE"
  printf '%s\n' "$line" >>"$SIM_STATE/events.log"
}

# REPLY = EPOCH formatted with a strftime FORMAT (UTC), without forking date(1).
sim_time() { printf -v REPLY "%($1)T" "$2"; }

# ---- invocation log: one line per `puppet` process on this host, so tests and the bench can count
# the Ruby starts a real PE host would pay for: START \t MILLISECONDS \t EXIT \t ARG...
SIM_START="$EPOCHREALTIME"
sim_invocation() {
  local rc="$1" line arg now="$EPOCHREALTIME"
  shift
  printf -v line '%(%Y-%m-%dT%H:%M:%S)T.%sZ\t%d\t%d' "${SIM_START%.*}" "${SIM_START#*.}" \
    $(((10#${now/./} - 10#${SIM_START/./}) / 1000)) "$rc"
  for arg in "$@"; do line+=$'\t'"${arg//$'\t'/ }"; done
  # A user who cannot write the host's state (a non-root login) leaves no record, and no error in the output.
  { [ -d "$SIM_STATE" ] || mkdir -p "$SIM_STATE"; printf '%s\n' "$line" >>"$SIM_STATE/invocations.log"; } 2>/dev/null || true
}
