# The Puppet 3.7 CA on disk: ssldir layout, owners and modes, serial, inventory, CRL, signing,
# revoking and destroying, with Puppet's notices. Callers hold the CA lock (sim_with_lock).
#
# Owners and modes follow Puppet 3.7's settings: files are written as the service user
# (Puppet[:user]); directories and CA files whose setting names a group get Puppet[:group],
# the others keep root's group; new files get 0640 unless their setting says otherwise
# (a setting's mode under Puppet's umask ^ 0111).

ssl_load_paths() {
  local pair
  for pair in SSLDIR:ssldir CERTDIR:certdir PUBDIR:publickeydir PRIVKEYDIR:privatekeydir \
    REQDIR:requestdir PRIVDIR:privatedir LOCALCACERT:localcacert HOSTCRL:hostcrl CADIR:cadir \
    CACERT:cacert CAKEY:cakey CAPUB:capub CACRL:cacrl CAPRIVDIR:caprivatedir CAPASS:capass \
    CSRDIR:csrdir SIGNEDDIR:signeddir SERIALF:serial INVENTORY:cert_inventory SVC_USER:user \
    SVC_GROUP:group KEYLEN:keylength CA_TTL:ca_ttl CA_NAME:ca_name MY_CERTNAME:certname; do
    setting_get "${pair#*:}"
    printf -v "${pair%%:*}" '%s' "$REPLY"
  done
  MY_CERTNAME="${MY_CERTNAME,,}"
}

ssl_dirs_ensure() {
  sim_mkdirs 0771 "$SVC_USER" "" "$SSLDIR"
  sim_mkdirs 0755 "$SVC_USER" "" "$CERTDIR" "$PUBDIR" "$REQDIR"
  sim_mkdirs 0750 "$SVC_USER" "" "$PRIVKEYDIR" "$PRIVDIR"
}

ca_dirs_ensure() {
  sim_mkdirs 0770 "$SVC_USER" "$SVC_GROUP" "$CADIR" "$CAPRIVDIR" "$SIGNEDDIR"
  sim_mkdirs 0755 "$SVC_USER" "$SVC_GROUP" "$CSRDIR"
}

# Host key NAME in private_keys/ + public_keys/, created if absent.
ssl_key_ensure() {
  local name="$1"
  [ -f "$PRIVKEYDIR/$name.pem" ] && return 0
  log_info "Creating a new SSL key for $name"
  sim_tmp || return 1
  pki_genkey "$KEYLEN" "$SIM_TMP/key" && pki_pubkey "$SIM_TMP/key" "$SIM_TMP/pub" || return 1
  sim_put "$SIM_TMP/key" "$PRIVKEYDIR/$name.pem" 0640 "$SVC_USER" ""
  sim_put "$SIM_TMP/pub" "$PUBDIR/$name.pem" 0640 "$SVC_USER" ""
}

# A new CSR for NAME (alt names ALTS) in certificate_requests/.
ssl_csr_new() {
  local name="$1" alts="$2"
  log_info "Creating a new SSL certificate request for $name"
  sim_tmp || return 1
  pki_csr "$PRIVKEYDIR/$name.pem" "$name" "$alts" "$SIM_TMP/csr" || return 1
  if [ "$LOG_VERBOSE" = 1 ]; then pki_csr_read "$SIM_TMP/csr" fp; log_info "Certificate Request fingerprint (SHA256): ${CERT_FP#(SHA256) }"; fi
  sim_put "$SIM_TMP/csr" "$REQDIR/$name.pem" 0640 "$SVC_USER" ""
}

# REPLY = the next serial; the file keeps the one after, as "%04X".
ca_next_serial() {
  local hex="" serial
  [ -f "$SERIALF" ] && IFS= read -r hex <"$SERIALF"
  hex="${hex//[^0-9A-Fa-f]/}"
  serial=$((16#${hex:-0}))
  [ "$serial" -gt 0 ] || serial=1
  printf -v hex '%04X' $((serial + 1))
  sim_put_text "$SERIALF" 0644 "$SVC_USER" "$SVC_GROUP" "$hex"
  REPLY="$serial"
}

ca_inventory_add() {
  local line
  pki_cert_read "$1" || return 1
  printf -v line '0x%04x %s %s /CN=%s' "$CERT_SERIAL" "$CERT_START" "$CERT_END" "$CERT_CN"
  if [ -f "$INVENTORY" ]; then printf '%s\n' "$line" >>"$INVENTORY"
  else sim_put_text "$INVENTORY" 0644 "$SVC_USER" "$SVC_GROUP" "$line"; fi
}

# Creates the CA (key, self-signed cert, serial, inventory, CRL) unless it exists, as
# Puppet 3.7 does on the first use of the CA.
ca_ensure() {
  [ -f "$CACERT" ] && return 0
  ssl_dirs_ensure
  ca_dirs_ensure
  sim_tmp || return 1
  if [ ! -f "$CAPASS" ]; then
    local pass="" c chars='0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz'
    for c in {1..20}; do pass+="${chars:RANDOM % ${#chars}:1}"; done
    sim_put_text "$CAPASS" 0640 "$SVC_USER" "$SVC_GROUP" "$pass"
  fi
  if [ ! -f "$CAKEY" ]; then
    log_info "Creating a new SSL key for ca"
    pki_genkey "$KEYLEN" "$SIM_TMP/cakey" && pki_pubkey "$SIM_TMP/cakey" "$SIM_TMP/capub" || return 1
    sim_put "$SIM_TMP/cakey" "$CAKEY" 0640 "$SVC_USER" "$SVC_GROUP"
    sim_put "$SIM_TMP/capub" "$CAPUB" 0640 "$SVC_USER" "$SVC_GROUP"
  fi
  log_info "Creating a new SSL certificate request for ca"
  pki_csr "$CAKEY" "$CA_NAME" "" "$SIM_TMP/cacsr" || return 1
  ca_next_serial
  pki_issue ca "$SIM_TMP/cacsr" "$REPLY" "$CA_TTL" "" "$CAKEY" "$SIM_TMP/cacert" || return 1
  log_notice "Signed certificate request for ca"
  ca_inventory_add "$SIM_TMP/cacert"
  sim_put "$SIM_TMP/cacert" "$CACERT" 0640 "$SVC_USER" "$SVC_GROUP"
  log_info "Creating a new certificate revocation list"
  pki_crl "$CACERT" "$CAKEY" 0 "$CA_TTL" "$SIM_TMP/cacrl" || return 1
  sim_put "$SIM_TMP/cacrl" "$CACRL" 0644 "$SVC_USER" "$SVC_GROUP"
}

# Stores a CSR received for NAME, as the CA terminus does. On refusal REPLY = the reason.
ca_save_request() {
  local name="$1" csr="$2"
  setting_get allow_duplicate_certs
  if [ "$REPLY" != true ]; then
    if [ -f "$SIGNEDDIR/$name.pem" ]; then
      REPLY="$name already has a signed certificate; ignoring certificate request"; return 1
    fi
    if [ -f "$CSRDIR/$name.pem" ]; then
      REPLY="$name already has a requested certificate; ignoring certificate request"; return 1
    fi
  fi
  sim_put "$csr" "$CSRDIR/$name.pem" 0640 "$SVC_USER" "$SVC_GROUP"
  REPLY="$name has a waiting certificate request"
}

# ca_sign NAME ALLOW_ALT_NAMES(yes|no) CACHE_IN_CERTDIR(yes|no); returns 24 on refusal.
ca_sign() {
  local name="$1" allow="$2" cache="$3" csr="$CSRDIR/$1.pem"
  if [ ! -f "$csr" ]; then log_err "Could not find certificate request for $name"; return 24; fi
  pki_csr_read "$csr"
  if [ "$CERT_CN" != "$name" ]; then
    log_err "CSR subject common name \"$CERT_CN\" does not match expected certname \"$name\""; return 24
  fi
  [ "$name" = "$MY_CERTNAME" ] && allow=yes
  if [ -n "$CERT_SANS" ] && [ "$allow" != yes ]; then
    log_err "CSR '$name' contains subject alternative names ($CERT_SANS), which are disallowed. Use \`puppet cert --allow-dns-alt-names sign $name\` to sign this request."
    return 24
  fi
  sim_tmp || return 1
  ca_next_serial
  pki_issue server "$csr" "$REPLY" "$CA_TTL" "$CACERT" "$CAKEY" "$SIM_TMP/cert" || return 1
  log_notice "Signed certificate request for $name"
  ca_inventory_add "$SIM_TMP/cert"
  sim_put "$SIM_TMP/cert" "$SIGNEDDIR/$name.pem" 0640 "$SVC_USER" "$SVC_GROUP"
  [ "$cache" = yes ] && sim_put "$SIM_TMP/cert" "$CERTDIR/$name.pem" 0640 "$SVC_USER" ""
  rm -f "$csr"
  log_notice "Removing file Puppet::SSL::CertificateRequest $name at '$csr'"
}

ca_revoke() {
  local name="$1" serials=() s line entry keep hex
  if [ -f "$SIGNEDDIR/$name.pem" ]; then pki_cert_read "$SIGNEDDIR/$name.pem"; serials=("$CERT_SERIAL")
  elif [ -f "$CERTDIR/$name.pem" ]; then pki_cert_read "$CERTDIR/$name.pem"; serials=("$CERT_SERIAL")
  elif [[ "$name" =~ ^0x[0-9A-Fa-f]+$ ]]; then serials=("$((name))")
  elif [ -f "$INVENTORY" ]; then
    while IFS= read -r line; do
      [[ "$line" == *"/CN=$name" ]] && serials+=("$((${line%% *}))")
    done <"$INVENTORY"
  fi
  if [ ${#serials[@]} -eq 0 ]; then log_err "Could not find a serial number for $name"; return 24; fi
  sim_tmp || return 1
  for s in "${serials[@]}"; do
    log_notice "Revoked certificate with serial $s"
    pki_crl_read "$CACRL"
    pki_hex "$s"; hex="$REPLY"
    keep=()
    for entry in "${CRL_REVOKED[@]}"; do [ "${entry%% *}" = "$hex" ] || keep+=("$entry"); done
    sim_time '%y%m%d%H%M%SZ' "$EPOCHSECONDS"
    keep+=("$hex $REPLY")
    pki_crl "$CACERT" "$CAKEY" $((CRL_NUMBER + 1)) "$CA_TTL" "$SIM_TMP/crl" "${keep[@]}" || return 1
    sim_put "$SIM_TMP/crl" "$CACRL" 0644 "$SVC_USER" "$SVC_GROUP"
  done
}

ca_destroy() {
  local name="$1" f
  for f in "Certificate:$SIGNEDDIR" "Certificate:$CERTDIR" "Key:$PRIVKEYDIR" \
    "CertificateRequest:$CSRDIR" "CertificateRequest:$REQDIR"; do
    [ -f "${f#*:}/$name.pem" ] || continue
    rm -f "${f#*:}/$name.pem"
    log_notice "Removing file Puppet::SSL::${f%%:*} $name at '${f#*:}/$name.pem'"
    [ "${f%%:*}" = Key ] && rm -f "$PUBDIR/$name.pem"
  done
  return 0
}

ca_names() { local f; for f in "$1"/*.pem; do [ -f "$f" ] && f="${f##*/}" && printf '%s\n' "${f%.pem}"; done; return 0; }

# One `puppet cert list` line in Puppet 3.7's legacy format.
ca_list_line() {
  local name="$1" width="$2" file glyph='+' extra="" alts="" a line
  if [ -f "$CSRDIR/$name.pem" ] && [ ! -f "$SIGNEDDIR/$name.pem" ]; then
    glyph=' '; pki_csr_read "$CSRDIR/$name.pem" fp
  else
    file="$SIGNEDDIR/$name.pem"
    [ -f "$file" ] || file="$CERTDIR/$name.pem"
    [ -f "$file" ] || return 0
    pki_cert_read "$file"
    pki_verify "$CACERT" "$file" "$CACRL" || { glyph='-'; extra=" ($REPLY)"; }
  fi
  if [ "$glyph" != '-' ] && [ -n "$CERT_SANS" ]; then
    IFS=',' read -ra a <<<"$CERT_SANS"
    for line in "${a[@]}"; do alts+="${alts:+, }\"${line# }\""; done
    extra=" (alt names: $alts)"
  fi
  printf '%s %-*s %s%s\n' "$glyph" "$width" "\"$name\"" "$CERT_FP" "$extra"
}
