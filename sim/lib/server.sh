# The master's side of the "network": what Puppet Server's CA and catalog endpoints answer.
# An agent reaches it by running the master's own fake puppet (`puppet __sim_server ...`),
# found through the network directory (NETWORK/hosts/NAME holds the host's root).
# Exit codes: 0 answered, 3 connection refused (pe-puppetserver stopped), 4 not found (404),
# 5 client certificate rejected, 1 other error (message on stderr).

server_log() {
  [ -d "$SIM_STATE" ] || mkdir -p "$SIM_STATE"
  sim_time '%Y-%m-%dT%H:%M:%SZ' "$EPOCHSECONDS"
  printf '%s %s\n' "$REPLY" "$*" >>"$SIM_STATE/server.log"
}

server_main() {
  RUN_SECTION=master
  local endpoint="$1"; shift
  service_read pe-puppetserver
  [ "$REPLY_STATE" = running ] || return 3
  ssl_load_paths
  sim_tmp || return 1
  case "$endpoint" in
    ca_cert) [ -f "$CACERT" ] || return 4; cat "$CACERT" ;;
    crl) [ -f "$CACRL" ] || return 4; cat "$CACRL" ;;
    host_cert) [ -f "$CERTDIR/$MY_CERTNAME.pem" ] || return 4; cat "$CERTDIR/$MY_CERTNAME.pem" ;;
    cert) [ -f "$SIGNEDDIR/$1.pem" ] || return 4; cat "$SIGNEDDIR/$1.pem" ;;
    submit) cat >"$SIM_TMP/submitted.pem"; sim_with_lock server_submit "$1" "$SIM_TMP/submitted.pem" ;;
    catalog) server_catalog "$1" ;;
    *) echo "Error 400 on SERVER: unknown endpoint $endpoint" >&2; return 1 ;;
  esac
}

server_submit() {
  local name="$1" csr="$2" autosign
  pki_csr_read "$csr"
  if [ "$CERT_CN" != "$name" ]; then
    echo "Error 400 on SERVER: Instance name \"$CERT_CN\" does not match requested key \"$name\"" >&2; return 1
  fi
  if ! ca_save_request "$name" "$csr"; then
    server_log "$REPLY"; echo "Error 400 on SERVER: $REPLY" >&2; return 1
  fi
  server_log "$REPLY"
  sim_event csr-received "$name"
  setting_get autosign; autosign="$REPLY"
  if [ "$autosign" = true ] || { [ -f "$autosign" ] && grep -qxF "$name" "$autosign"; }; then
    server_log "Autosigning $name"
    ca_sign "$name" no no >>"$SIM_STATE/server.log" 2>&1
  fi
  return 0
}

# The client presents its certificate on stdin; the server checks it against its CA and CRL.
server_catalog() {
  local name="$1" cert="$SIM_TMP/client.pem" version
  cat >"$cert"
  if ! pki_verify "$CACERT" "$cert" "$CACRL"; then
    case "$REPLY" in
      *revoked*) echo "SSL_connect returned=1 errno=0 state=SSLv3 read finished A: sslv3 alert certificate revoked" >&2 ;;
      *) echo "SSL_connect returned=1 errno=0 state=SSLv3 read finished A: tlsv1 alert unknown ca" >&2 ;;
    esac
    return 5
  fi
  pki_cert_read "$cert"
  if [ "$CERT_CN" != "$name" ]; then
    echo "Error 403 on SERVER: Forbidden request: $name access to /catalog/$name [find]" >&2; return 1
  fi
  version="$EPOCHSECONDS"
  server_log "Compiled catalog for $name in environment production in 0.05 seconds"
  sim_event catalog-compiled "$name"
  cat <<EOF
{"document_type":"Catalog","data":{"tags":["settings","class","node","default"],"name":"$name","version":$version,"environment":"production","resources":[{"type":"Stage","title":"main","tags":["stage"],"exported":false,"parameters":{"name":"main"}},{"type":"Class","title":"Settings","tags":["class","settings"],"exported":false},{"type":"Class","title":"main","tags":["class"],"exported":false,"parameters":{"name":"main"}},{"type":"Node","title":"default","tags":["node","default","class"],"exported":false}],"edges":[{"source":"Stage[main]","target":"Class[Settings]"},{"source":"Stage[main]","target":"Class[main]"},{"source":"Stage[main]","target":"Node[default]"}],"classes":["settings","default"]},"metadata":{"api_version":1}}
EOF
}
