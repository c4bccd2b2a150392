# regen task library: running the puppet CLI and reading its output. Sourced after common.sh.

# puppet_cmd PUPPET ARGS...: run puppet with no stdin; OUT holds stdout+stderr without colour codes,
# RC the exit code.
puppet_cmd() {
  _pp=$1
  shift
  run_capture "$_pp" "$@"
  OUT=$(strip_ansi "$OUT")
}

# puppet_errors: the "Error:" lines of the last puppet_cmd output.
puppet_errors() { printf '%s\n' "$OUT" | grep -E '^(Error|Err):' || true; }

# puppet_fail KIND WHAT: fail naming the puppet command, its exit code and the end of its output.
puppet_fail() {
  fail "$1" "$2 (exit $RC): $(last_lines 5 "$OUT")" "{\"exit_code\":$RC,\"output\":$(last_lines 30 "$OUT" | json_lines)}"
}

# puppet_config PUPPET SECTION NAME...: set CFG_<NAME> for each setting, from one `puppet config print`.
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

# split_commas TEXT: the comma-separated items of TEXT, trimmed, one per line.
split_commas() { printf '%s\n' "$1" | tr ',' '\n' | sed 's/^[ ]*//; s/[ ]*$//' | grep -v '^$' || true; }

# cert_state SSLDIR NAME: requested (a CSR waits: `puppet cert sign` would sign it), signed (the CA holds
# a signed certificate and no request waits), or absent.
cert_state() {
  if [ -f "$1/ca/requests/$2.pem" ]; then printf requested
  elif [ -f "$1/ca/signed/$2.pem" ]; then printf signed
  else printf absent; fi
}

# need_ca SSLDIR: refuse when this host has no CA (any `puppet cert` command would create one).
need_ca() {
  [ -f "$1/ca/ca_crt.pem" ] || fail no-ca "there is no CA in $1/ca (ca_crt.pem missing): is this the CA master, and is ssldir right? To create a new CA use ca_regenerate" "{\"ssldir\":$(json_str "$1")}"
}
