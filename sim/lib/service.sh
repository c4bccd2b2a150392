# `puppet resource service NAME [ensure=running|stopped] [enable=true|false]`, Puppet 3.7 style.
# Service states live in SIM_STATE/services/NAME ("running"/"stopped" and "enable" lines);
# every ensure request is appended to the event log so tests can check the order.
# As in Puppet 3.7, a failed change prints errors but `puppet resource` still exits 0.

# REPLY_STATE / REPLY_ENABLE = the service's state ("stopped"/"false" when unknown).
service_read() {
  local f="$SIM_STATE/services/$1" line
  REPLY_STATE=stopped; REPLY_ENABLE=false
  [ -f "$f" ] || return 1
  { IFS= read -r REPLY_STATE; IFS= read -r line; } <"$f"
  REPLY_ENABLE="${line#enable=}"
}
service_state() { service_read "$1"; printf '%s' "$REPLY_STATE"; }
service_known() { [ -f "$SIM_STATE/services/$1" ]; }
service_set() { [ -d "$SIM_STATE/services" ] || mkdir -p "$SIM_STATE/services"; printf '%s\nenable=%s\n' "$2" "$3" >"$SIM_STATE/services/$1"; }

resource_main() {
  local type="${1-}"
  if [ "$type" != service ]; then
    log_err "Could not run: This simulated puppet only manages the 'service' type (got '${type}')"; return 1
  fi
  shift
  local name="${1-}" ensure="" enable="" arg
  [ -n "$name" ] || { log_err "Could not run: Listing all services is not supported by the simulation"; return 1; }
  shift
  for arg in "$@"; do
    case "$arg" in
      ensure=*) ensure="${arg#ensure=}" ;;
      enable=*) enable="${arg#enable=}" ;;
      --*) ;;
      *) log_err "Could not run: Invalid attribute '$arg' for service"; return 1 ;;
    esac
  done
  case "$ensure" in true) ensure=running ;; false) ensure=stopped ;; esac
  case "$ensure" in
    '' | running | stopped) ;;
    *) log_err "Parameter ensure failed on Service[$name]: Invalid value \"$ensure\". Valid values are stopped, running."; return 1 ;;
  esac
  local current cur_enable shown=()
  service_read "$name"; current="$REPLY_STATE"; cur_enable="$REPLY_ENABLE"
  if [ -n "$ensure" ]; then
    sim_event service "$name" "$current" "$ensure"
    if [ "$ensure" != "$current" ]; then
      if service_change "$name" "$ensure" "$cur_enable"; then
        log_notice "/Service[$name]/ensure: ensure changed '$current' to '$ensure'"
        current="$ensure"
      fi
    fi
    shown+=("ensure => '$current',")
  fi
  if [ -n "$enable" ]; then
    if [ "$enable" != "$cur_enable" ] && service_known "$name"; then
      service_set "$name" "$current" "$enable"
      log_notice "/Service[$name]/enable: enable changed '$cur_enable' to '$enable'"
      cur_enable="$enable"
    fi
    shown+=("enable => '$cur_enable',")
  fi
  [ ${#shown[@]} -gt 0 ] || shown=("ensure => '$current'," "enable => '$cur_enable',")
  printf "service { '%s':\n" "$name"
  printf '  %s\n' "${shown[@]}"
  printf '}\n'
}

service_change() {
  local name="$1" ensure="$2" enable="$3" verb=stop fail
  [ "$ensure" = running ] && verb=start
  sim_conf_get fail_services; fail=",$REPLY,"
  if ! service_known "$name" || [[ "$fail" == *",$name,"* ]]; then
    local why="Execution of '/sbin/service $name $verb' returned 1: $name: unrecognized service"
    service_known "$name" && why="Execution of '/sbin/service $name $verb' returned 1: Starting $name: [FAILED]"
    log_err "Could not ${verb} Service[$name]: $why"
    service_read "$name"
    log_err "/Service[$name]/ensure: change from $REPLY_STATE to $ensure failed: Could not ${verb} Service[$name]: $why"
    sim_event service-failed "$name" "$ensure"
    return 1
  fi
  service_set "$name" "$ensure" "$enable"
  # The agent daemon asks for its certificate as soon as it starts.
  if [ "$name" = pe-puppet ] && [ "$ensure" = running ]; then
    (SIM_TMP="" SIM_OWNERS=() LOG_VERBOSE=1 SIM_AGENT_MODE=daemon; agent_main --onetime --no-daemonize --waitforcert 0; sim_finish) >>"$SIM_STATE/daemon.log" 2>&1 || true
  fi
  return 0
}
