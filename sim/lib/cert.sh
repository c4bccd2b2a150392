# `puppet cert ACTION`: list, sign, generate, clean, revoke, print, fingerprint (Puppet 3.7).
# Runs in the master run mode; any action creates the CA first if there is none, as in 3.7.
# Failures print "Error: ..." and exit 24 like Puppet's cert application.

cert_main() {
  RUN_SECTION=master
  local action="" all=no signed_only=no allow_alt=no hosts=() n
  while [ $# -gt 0 ]; do
    case "$1" in
      --list | --sign | --generate | --clean | --revoke | --print | --fingerprint | --verify)
        action="${1#--}"; shift ;;
      --all | -a) all=yes; shift ;;
      --signed | -s) signed_only=yes; shift ;;
      --allow-dns-alt-names | --allow_dns_alt_names) allow_alt=yes; shift ;;
      --verbose | -v) LOG_VERBOSE=1; shift ;;
      --debug | -d) LOG_VERBOSE=1; LOG_DEBUG=1; shift ;;
      --digest=* | --human-readable | --machine-readable | -y | --assume-yes | -i | --interactive) shift ;;
      --digest) shift 2 ;;
      -*)
        n=0; setting_cli_arg "$1" "${2-}" || n=$?
        if [ "$n" -eq 0 ]; then shift; elif [ "$n" -eq 2 ]; then shift 2
        else log_err "Could not parse options: invalid option: $1"; return 1; fi ;;
      *) if [ -z "$action" ]; then action="$1"; else hosts+=("${1,,}"); fi; shift ;;
    esac
  done
  case "$action" in
    list | sign | generate | clean | revoke | print | fingerprint | verify) ;;
    '') log_err "You must specify the action to perform: list, sign, generate, clean, revoke, print, fingerprint or verify"; return 1 ;;
    *) log_err "Unknown action '$action'"; return 1 ;;
  esac
  ssl_load_paths
  sim_with_lock cert_run "$action" "$all" "$signed_only" "$allow_alt" "${hosts[@]}"
}

cert_run() {
  local action="$1" all="$2" signed_only="$3" allow_alt="$4"; shift 4
  local hosts=("$@") host rc
  ca_ensure || return 1
  case "$action" in
    list) cert_list "$all" "$signed_only" "${hosts[@]}" ;;
    sign)
      if [ "$all" = yes ]; then mapfile -t hosts < <(ca_names "$CSRDIR"); fi
      if [ ${#hosts[@]} -eq 0 ]; then
        if [ "$all" = yes ]; then log_err "No waiting certificate requests to sign"
        else log_err "You must provide hosts or --all when using sign"; fi
        return 24
      fi
      for host in "${hosts[@]}"; do ca_sign "$host" "$allow_alt" no || return $?; done ;;
    generate)
      if [ "$all" = yes ]; then log_err "It makes no sense to generate all hosts; you must specify a list"; return 24; fi
      [ ${#hosts[@]} -gt 0 ] || { log_err "You must provide hosts or --all when using generate"; return 24; }
      for host in "${hosts[@]}"; do cert_generate "$host" || return $?; done ;;
    clean | revoke)
      if [ "$all" = yes ]; then
        log_err "Refusing to $([ "$action" = clean ] && echo destroy || echo revoke) all certs, provide an explicit list of certs to $([ "$action" = clean ] && echo destroy || echo revoke)"
        return 24
      fi
      [ ${#hosts[@]} -gt 0 ] || { log_err "You must provide hosts or --all when using $action"; return 24; }
      # As 3.7's `cert clean`: every name is revoked first, then every name destroyed. A name with no
      # serial (a pending request never signed by this CA) stops it before anything is destroyed:
      # only Puppet 5.5 (PUP-1916) let clean skip the revocation of a pending request.
      for host in "${hosts[@]}"; do ca_revoke "$host" || return $?; done
      if [ "$action" = clean ]; then for host in "${hosts[@]}"; do ca_destroy "$host"; done; fi ;;
    print | fingerprint | verify)
      [ "$all" = yes ] && mapfile -t hosts < <(ca_names "$SIGNEDDIR")
      for host in "${hosts[@]}"; do cert_show "$action" "$host" || return $?; done ;;
  esac
}

cert_list() {
  local all="$1" signed_only="$2"; shift 2
  local names=() name width=0
  if [ $# -gt 0 ]; then names=("$@")
  elif [ "$all" = yes ]; then mapfile -t names < <({ ca_names "$SIGNEDDIR"; ca_names "$CSRDIR"; } | LC_ALL=C sort -u)
  elif [ "$signed_only" = yes ]; then mapfile -t names < <(ca_names "$SIGNEDDIR")
  else mapfile -t names < <(ca_names "$CSRDIR"); fi
  [ ${#names[@]} -gt 0 ] || return 0
  for name in "${names[@]}"; do [ ${#name} -gt "$width" ] && width=${#name}; done
  for name in "${names[@]}"; do ca_list_line "$name" $((width + 2)); done | LC_ALL=C sort
}

cert_generate() {
  local name="$1" alts="${PCLI[dns_alt_names]-}"
  if [ -f "$SIGNEDDIR/$name.pem" ] || [ -f "$CERTDIR/$name.pem" ]; then
    log_err "A Certificate already exists for $name"; return 24
  fi
  ssl_dirs_ensure
  ssl_key_ensure "$name" || return 1
  ssl_csr_new "$name" "$alts" || return 1
  if ! ca_save_request "$name" "$REQDIR/$name.pem"; then log_err "$REPLY"; return 24; fi
  log_notice "$REPLY"
  if [ ! -f "$LOCALCACERT" ]; then
    log_info "Caching certificate for ca"
    sim_put "$CACERT" "$LOCALCACERT" 0644 "$SVC_USER" ""
  fi
  ca_sign "$name" "$([ -n "$alts" ] && echo yes || echo no)" yes || return $?
  rm -f "$REQDIR/$name.pem"
  log_notice "Removing file Puppet::SSL::CertificateRequest $name at '$REQDIR/$name.pem'"
}

cert_show() {
  local action="$1" name="$2" file="$SIGNEDDIR/$2.pem"
  [ -f "$file" ] || file="$CERTDIR/$name.pem"
  if [ "$action" = fingerprint ] && [ ! -f "$file" ] && [ -f "$CSRDIR/$name.pem" ]; then
    pki_csr_read "$CSRDIR/$name.pem" fp; printf '%s %s\n' "$name" "$CERT_FP"; return 0
  fi
  if [ ! -f "$file" ]; then
    if [ "$action" = verify ]; then log_err "Could not find a certificate for $name"
    else log_err "Could not find certificate for $name"; fi
    return 24
  fi
  case "$action" in
    print) openssl x509 -in "$file" -noout -text ;;
    fingerprint) pki_cert_read "$file"; printf '%s %s\n' "$name" "$CERT_FP" ;;
    verify)
      if pki_verify "$CACERT" "$file" "$CACRL"; then log_notice "Certificate $name is valid"
      else log_err "$REPLY"; return 24; fi ;;
  esac
}
