# `puppet agent`: the certificate bootstrap and a catalog run against the master, Puppet 3.7
# style. The master is reached through the network directory (see server.sh); with -t the
# exit code follows --detailed-exitcodes: 0 no changes, 2 changes, 1 failure.

agent_main() {
  RUN_SECTION=agent
  local test=no detailed=no noop=no waitforcert="" n rc=0
  while [ $# -gt 0 ]; do
    case "$1" in
      -t | --test) test=yes; detailed=yes; LOG_VERBOSE=1; shift ;;
      --detailed-exitcodes) detailed=yes; shift ;;
      --noop) noop=yes; shift ;;
      -v | --verbose) LOG_VERBOSE=1; shift ;;
      -d | --debug) LOG_VERBOSE=1; LOG_DEBUG=1; shift ;;
      -o | --onetime | --no-daemonize | --no-usecacheonfailure | --no-splay) shift ;;
      -w | --waitforcert) waitforcert="$2"; shift 2 ;;
      --waitforcert=*) waitforcert="${1#*=}"; shift ;;
      *)
        n=0; setting_cli_arg "$1" "${2-}" || n=$?
        if [ "$n" -eq 0 ]; then shift; elif [ "$n" -eq 2 ]; then shift 2
        else log_err "Could not parse options: invalid option: $1"; return 1; fi ;;
    esac
  done
  if [ -z "$waitforcert" ]; then
    if [ "$test" = yes ]; then waitforcert=0; else setting_get waitforcert; waitforcert="$REPLY"; fi
  fi
  sim_tmp || return 1
  agent_run "$waitforcert" "$noop" || rc=$?
  sim_event agent-run "exit=$rc" "${SIM_AGENT_MODE:-$([ "$test" = yes ] && echo test || echo onetime)}"
  if [ "$detailed" != yes ]; then case "$rc" in 2 | 4 | 6) rc=0 ;; esac; fi
  return "$rc"
}

# agent_call ENDPOINT [ARG] > output: asks the master. On failure SERVER_ERR = Puppet's wording.
agent_call() {
  local endpoint="$1" server root="" rc=0
  setting_get server; server="$REPLY"
  sim_conf_get network
  SERVER_ERR=""
  if [ -n "$REPLY" ] && [ -f "$REPLY/hosts/$server" ]; then IFS= read -r root <"$REPLY/hosts/$server"
  else
    sim_conf_get role
    if [ "$REPLY" = master ] && [ "$server" = "$MY_CERTNAME" ]; then root="${SIM_ROOT:-/}"; fi
  fi
  if [ -z "$root" ]; then SERVER_ERR="getaddrinfo: Name or service not known"; return 1; fi
  REGEN_SIM_ROOT="" "$root/opt/puppet/bin/puppet" __sim_server "$@" 2>"$SIM_TMP/call.err" || rc=$?
  case "$rc" in
    0) ;;
    3) SERVER_ERR="Connection refused - connect(2)" ;;
    4) SERVER_ERR="Error 404 on SERVER: Not Found: Could not find ${endpoint//_/ } ${2-}" ;;
    *) SERVER_ERR="$(tail -n 1 "$SIM_TMP/call.err")" ;;
  esac
  return "$rc"
}

# Every connection after the CA certificate is cached checks the server's certificate.
agent_check_server() {
  local server="$1" f="$SIM_TMP/server.pem"
  agent_call host_cert >"$f" || return 1
  pki_cert_read "$f"
  if ! pki_verify "$LOCALCACERT" "$f"; then
    SERVER_ERR="SSL_connect returned=1 errno=0 state=SSLv3 read server certificate B: certificate verify failed: [$REPLY for /CN=$CERT_CN]"
    return 1
  fi
  if [ "$server" != "$CERT_CN" ] && [[ ", $CERT_SANS," != *", DNS:$server,"* ]]; then
    SERVER_ERR="Server hostname '$server' did not match server certificate; expected one of $CERT_CN${CERT_SANS:+, $CERT_SANS}"
    return 1
  fi
}

agent_cert_failed() {
  log_err "Could not request certificate: $SERVER_ERR"
  echo "Exiting; failed to retrieve certificate and waitforcert is disabled"
  return 1
}

# Fetches our signed certificate if the CA has one. 0 got it, 1 none yet, 2 failure.
agent_fetch_cert() {
  local f="$SIM_TMP/cert.pem"
  if ! agent_call cert "$CN" >"$f"; then
    [[ "$SERVER_ERR" == *404* ]] && return 1
    return 2
  fi
  if ! pki_same_key "$f" x509 "$PRIVKEYDIR/$CN.pem"; then
    pki_cert_read "$f"
    SERVER_ERR="The certificate retrieved from the master does not match the agent's private key.
Certificate fingerprint: ${CERT_FP#(SHA256) }
To fix this, remove the certificate from both the master and the agent and then start a puppet run, which will automatically regenerate a certficate.
On the master:
  puppet cert clean $CN
On the agent:
  rm -f $CERTDIR/$CN.pem
  puppet agent -t"
    return 2
  fi
  log_info "Caching certificate for $CN"
  sim_put "$f" "$CERTDIR/$CN.pem" 0640 "$SVC_USER" ""
  sim_event cert-fetched "$CN"
}

agent_catalog_failed() {
  log_err "Could not retrieve catalog from remote server: $SERVER_ERR"
  log_warning "Not using cache on failed catalog"
  log_err "Could not retrieve catalog; skipping run"
  return 1
}

# Gets a signed certificate: key, CA certificate, CSR submission, waiting. Returns 0 or 1.
agent_bootstrap() {
  local waitforcert="$1" server="$2" rc deadline
  ssl_key_ensure "$CN" || return 1
  if [ ! -f "$LOCALCACERT" ]; then
    agent_call ca_cert >"$SIM_TMP/ca.pem" || { agent_cert_failed; return 1; }
    log_info "Caching certificate for ca"
    sim_put "$SIM_TMP/ca.pem" "$LOCALCACERT" 0644 "$SVC_USER" ""
  fi
  [ -f "$CERTDIR/$CN.pem" ] && return 0
  agent_check_server "$server" || { agent_cert_failed; return 1; }
  rc=0; agent_fetch_cert || rc=$?
  [ "$rc" = 2 ] && { agent_cert_failed; return 1; }
  # As Puppet 3.7: an existing local CSR is never sent again.
  if [ "$rc" = 1 ] && [ ! -f "$REQDIR/$CN.pem" ]; then
    setting_get dns_alt_names
    ssl_csr_new "$CN" "$REPLY" || return 1
    agent_call submit "$CN" <"$REQDIR/$CN.pem" || { agent_cert_failed; return 1; }
    sim_event csr-submitted "$CN"
    rc=0; agent_fetch_cert || rc=$?
    [ "$rc" = 2 ] && { agent_cert_failed; return 1; }
  fi
  deadline=$((EPOCHSECONDS + waitforcert))
  while [ "$rc" = 1 ] && [ "$EPOCHSECONDS" -lt "$deadline" ]; do
    sleep 0.2
    rc=0; agent_fetch_cert || rc=$?
    [ "$rc" = 2 ] && { agent_cert_failed; return 1; }
  done
  if [ "$rc" = 1 ]; then echo "Exiting; no certificate found and waitforcert is disabled"; return 1; fi
}

agent_run() {
  local waitforcert="$1" noop="$2" rc=0 catalog datadir version="" line started="$EPOCHREALTIME" server
  ssl_load_paths
  CN="$MY_CERTNAME"
  setting_get server; server="$REPLY"
  ssl_dirs_ensure
  agent_bootstrap "$waitforcert" "$server" || return 1
  agent_check_server "$server" || { agent_catalog_failed; return 1; }
  setting_get certificate_revocation
  if [ "$REPLY" = true ] && [ ! -f "$HOSTCRL" ] && agent_call crl >"$SIM_TMP/crl.pem"; then
    log_info "Caching certificate_revocation_list for ca"
    sim_put "$SIM_TMP/crl.pem" "$HOSTCRL" 0644 "$SVC_USER" ""
  fi
  log_info "Retrieving pluginfacts"
  log_info "Retrieving plugin"
  log_info "Loading facts"
  agent_call catalog "$CN" <"$CERTDIR/$CN.pem" >"$SIM_TMP/catalog.json" || { agent_catalog_failed; return 1; }
  setting_get client_datadir; datadir="$REPLY"
  sim_mkdirs 0750 "$SVC_USER" "" "$datadir" "$datadir/catalog"
  catalog="$datadir/catalog/$CN.json"
  [ -f "$catalog" ] || rc=2
  log_info "Caching catalog for $CN"
  sim_put "$SIM_TMP/catalog.json" "$catalog" 0640 root ""
  IFS= read -r line <"$SIM_TMP/catalog.json"
  [[ "$line" =~ \"version\":([0-9]+) ]] && version="${BASH_REMATCH[1]}"
  log_info "Applying configuration version '$version'"
  # sim.conf agent_failures=yes (or REGEN_SIM_AGENT_FAILURES) makes a resource fail: exit 4, or 6 with changes.
  sim_conf_get agent_failures
  if [ "$REPLY" = yes ] && [ "$noop" != yes ]; then
    log_err "/Stage[main]/Main/Node[default]/Exec[regen-sim-failure]/returns: change from notrun to 0 failed: /bin/false returned 1 instead of one of [0]"
    [ "$rc" = 2 ] && rc=6 || rc=4
  fi
  if [ "$rc" = 2 ] || [ "$rc" = 6 ]; then
    if [ "$noop" = yes ]; then
      rc=0; log_notice "/Stage[main]/Main/Node[default]/Notify[regen-sim]/message: current_value absent, should be 'catalog applied' (noop)"
    else log_notice "/Stage[main]/Main/Node[default]/Notify[regen-sim]/message: defined 'message' as 'catalog applied'"; fi
  fi
  local us=$(( (${EPOCHREALTIME/./} - ${started/./}) / 10000 ))
  printf -v line '%d.%02d' $((us / 100)) $((us % 100))
  log_notice "Finished catalog run in $line seconds"
  return "$rc"
}
