# regen task library: running the puppet CLI and reading its output. Sourced after task.sh, json.sh and
# guard.sh (need_puppet checks the path).
#
# Functions:
#   need_puppet PUPPET               fails the task unless PUPPET is an absolute path to an executable,
#                                    naming the profile the host looks like when it is not
#   puppet_looks_like                prints " (this host has Puppet V at PATH: it looks like profile P)" or nothing
#   puppet_cmd PUPPET ARGS...        runs puppet with no stdin; sets OUT (stdout+stderr, colour codes
#                                    removed) and RC (its exit code), as run_capture does
#   puppet_errors                    prints the "Error:" lines of OUT
#   puppet_fail KIND WHAT            fails the task naming WHAT, RC and the end of OUT (the last puppet_cmd)
#   puppet_config PUPPET SECTION NAME...  sets CFG_NAME for each NAME, from one `puppet config print`
#   split_commas TEXT                prints the comma-separated items of TEXT, trimmed, one a line
#   cert_state CADIR NAME            prints requested (a CSR waits), signed (the CA holds a signed
#                                    certificate and no request waits) or absent
#   need_ca CADIR                    fails the task when this host has no CA (any `puppet cert` would make one)
#   param_ca                         reads the parameters of a task driving the CA and sets them: ca_cli
#                                    (puppet-cert for Puppet 3-5's `puppet cert`, puppetserver-ca for Puppet
#                                    6+'s `puppetserver ca`), ca_bin (the puppet or puppetserver binary) and cadir
#   service_ensure PUPPET NAME [ENSURE]  `puppet resource service NAME [ensure=ENSURE]`; sets STATE to the
#                                    ensure value Puppet reports, and fails the task (regen/service-failed) when
#                                    the command fails or the service does not end up as ENSURE
#   ca_cmd ACTION NAMES [OPTION...]  runs one CA action on NAMES (one a line) with the CLI param_ca read:
#                                    `puppet cert ACTION OPTION... A B` or `puppetserver ca ACTION
#                                    --certname A,B OPTION...`; sets OUT and RC as puppet_cmd does

need_puppet() {
  check_path _np puppet "$1"
  [ -x "$1" ] || fail puppet-missing "puppet binary $1 is not executable on this host$(puppet_looks_like); set the target's var 'profile' (or the puppet parameter) to match the host" "{\"puppet\":$(json_str "$1")}"
}

# Where a known Puppet is on this host (PE 3.7's, the puppetlabs all-in-one packages', Debian's), as
# " (this host has Puppet V at PATH: it looks like profile P)", or nothing.
puppet_looks_like() {
  for _cand in /opt/puppet/bin/puppet:pe37 /opt/puppetlabs/bin/puppet:puppet7/aio /usr/bin/puppet:puppet7; do
    [ -x "${_cand%%:*}" ] || continue
    _v=$("${_cand%%:*}" --version 2>/dev/null </dev/null | tail -n 1)
    printf ' (this host has Puppet %s at %s: it looks like profile %s)' "${_v:-?}" "${_cand%%:*}" "${_cand#*:}"
    return 0
  done
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
  if [ -f "$1/requests/$2.pem" ]; then printf requested
  elif [ -f "$1/signed/$2.pem" ]; then printf signed
  else printf absent; fi
}

need_ca() {
  [ -f "$1/ca_crt.pem" ] || fail no-ca "there is no CA in $1 (ca_crt.pem missing): is this the CA server, and is cadir right (puppet config print cadir)? To create a new CA use ca_regenerate or ca_setup" "{\"cadir\":$(json_str "$1")}"
}

param_ca() {
  param ca_cli ''
  param ca_bin ''
  param cadir ''
  check_pattern ca_cli "$ca_cli" '^(puppet-cert|puppetserver-ca)$' "CA command line (puppet-cert or puppetserver-ca)"
  check_path ca_bin ca_bin "$ca_bin"
  [ -x "$ca_bin" ] || fail puppet-missing "$ca_bin (the $ca_cli command) is not executable on this host; set ca_bin (the profile's ca.bin) to the right path" "{\"ca_bin\":$(json_str "$ca_bin")}"
  check_path cadir cadir "$cadir"
}

ca_cmd() {
  _act=$1 _names=$2
  shift 2
  if [ "$ca_cli" = puppet-cert ]; then
    # shellcheck disable=SC2086 # certnames were checked against Puppet's certname pattern
    puppet_cmd "$ca_bin" cert "$_act" "$@" $_names
  else
    puppet_cmd "$ca_bin" ca "$_act" --certname "$(printf '%s\n' "$_names" | paste -sd, -)" "$@"
  fi
}

service_ensure() {
  if [ -n "${3:-}" ]; then puppet_cmd "$1" resource service "$2" "ensure=$3"
  else puppet_cmd "$1" resource service "$2"; fi
  # `puppet resource` exits 0 even when the change fails, so the state it reports is checked.
  STATE=$(printf '%s\n' "$OUT" | sed -n "s/^ *ensure *=> *'\([a-z]*\)',*\$/\1/p" | tail -n 1)
  _errors=$(puppet_errors)
  if [ "$RC" -ne 0 ] || [ -n "$_errors" ] || [ -z "$STATE" ] || { [ -n "${3:-}" ] && [ "$STATE" != "$3" ]; }; then
    fail service-failed "'puppet resource service $2${3:+ ensure=$3}' did not leave $2 ${3:-readable}: $(last_lines 3 "${_errors:-$OUT}")" \
      "{\"service\":$(json_str "$2"),\"exit_code\":$RC,\"state\":$(json_str "$STATE"),\"output\":$(last_lines 30 "$OUT" | json_lines)}"
  fi
}
