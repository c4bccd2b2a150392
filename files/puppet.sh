# regen task library: running the puppet CLI and reading its output. Sourced after task.sh, json.sh and
# guard.sh (need_puppet checks the path).
#
# Functions:
#   need_puppet PUPPET               fails the task unless PUPPET is an absolute path to an executable
#   puppet_cmd PUPPET ARGS...        runs puppet with no stdin; sets OUT (stdout+stderr, colour codes
#                                    removed) and RC (its exit code), as run_capture does
#   puppet_errors                    prints the "Error:" lines of OUT
#   puppet_fail KIND WHAT            fails the task naming WHAT, RC and the end of OUT (the last puppet_cmd)
#   puppet_config PUPPET SECTION NAME...  sets CFG_NAME for each NAME, from one `puppet config print`
#   split_commas TEXT                prints the comma-separated items of TEXT, trimmed, one a line
#   cert_state SSLDIR NAME           prints requested (a CSR waits), signed (the CA holds a signed
#                                    certificate and no request waits) or absent
#   need_ca SSLDIR                   fails the task when this host has no CA (any `puppet cert` would make one)

need_puppet() {
  check_path _np puppet "$1"
  [ -x "$1" ] || fail puppet-missing "puppet binary $1 is not executable on this host; set the puppet parameter to the right path" "{\"puppet\":$(json_str "$1")}"
}

puppet_cmd() {
  _pp=$1
  shift
  run_capture "$_pp" "$@"
  OUT=$(printf '%s\n' "$OUT" | sed "s/$(printf '\033')\\[[0-9;]*m//g")
}

puppet_errors() { printf '%s\n' "$OUT" | grep -E '^(Error|Err):' || true; }

puppet_fail() {
  fail "$1" "$2 (exit $RC): $(last_lines 5 "$OUT")" "{\"exit_code\":$RC,\"output\":$(last_lines 30 "$OUT" | json_lines)}"
}

puppet_config() {
  _pp=$1 _sec=$2
  shift 2
  puppet_cmd "$_pp" config print "$@" --section "$_sec"
  [ "$RC" -eq 0 ] || puppet_fail puppet-failed "'puppet config print $* --section $_sec' failed"
  for _n in "$@"; do
    _line=$(printf '%s\n' "$OUT" | grep -E "^$_n =" | head -n 1)
    [ -n "$_line" ] || puppet_fail puppet-failed "'puppet config print' did not print $_n"
    _v=${_line#"$_n ="}
    eval "CFG_$_n=\${_v# }"
  done
}

split_commas() { printf '%s\n' "$1" | tr ',' '\n' | sed 's/^[ ]*//; s/[ ]*$//' | grep -v '^$' || true; }

cert_state() {
  if [ -f "$1/ca/requests/$2.pem" ]; then printf requested
  elif [ -f "$1/ca/signed/$2.pem" ]; then printf signed
  else printf absent; fi
}

need_ca() {
  [ -f "$1/ca/ca_crt.pem" ] || fail no-ca "there is no CA in $1/ca (ca_crt.pem missing): is this the CA master, and is ssldir right? To create a new CA use ca_regenerate" "{\"ssldir\":$(json_str "$1")}"
}
