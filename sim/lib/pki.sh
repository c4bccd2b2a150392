# X.509 work done with openssl the way Puppet 3.7's Ruby code does it: RSA keys (PKCS#1 PEM),
# CSRs with the dns_alt_names in an extReq, certificates with Puppet's extensions and
# validity (from yesterday, ca_ttl ahead), a v2 CRL with a CRL number and keyCompromise entries.
# One openssl run per question where possible; parsing is done in bash.

NS_COMMENT='Puppet Ruby/OpenSSL Internal Certificate'

pki_genkey() { openssl genrsa -traditional -out "$2" "$1" 2>/dev/null; }  # BITS OUT
pki_pubkey() { openssl rsa -in "$1" -pubout -out "$2" 2>/dev/null; }       # KEY OUT

# Escapes a value for openssl's -subj.
pki_subj() {
  local v="$1"
  v="${v//\\/\\\\}"; v="${v//\//\\/}"; v="${v//+/\\+}"; v="${v//=/\\=}"
  REPLY="/CN=$v"
}

# REPLY = "DNS:a, DNS:b": Puppet adds the certname to the alt names, sorted and unique.
pki_san_list() {
  local name="$1" alts="$2" a i j t list=()
  IFS=',' read -ra a <<<"$alts"
  a+=("$name")
  for t in "${a[@]}"; do
    t="${t#"${t%%[![:space:]]*}"}"; t="${t%"${t##*[![:space:]]}"}"
    [ -n "$t" ] || continue
    for i in "${list[@]}"; do [ "$i" = "$t" ] && continue 2; done
    list+=("$t")
  done
  for ((i = 1; i < ${#list[@]}; i++)); do
    t="${list[i]}"; j=$((i - 1))
    while [ "$j" -ge 0 ] && [[ "${list[j]}" > "$t" ]]; do list[j + 1]="${list[j]}"; j=$((j - 1)); done
    list[j + 1]="$t"
  done
  REPLY=""
  for t in "${list[@]}"; do REPLY+="${REPLY:+, }DNS:$t"; done
}

# pki_csr KEYFILE NAME ALT_NAMES(comma list, may be empty) OUT
pki_csr() {
  local key="$1" name="$2" alts="$3" out="$4" cnf
  if [ ${#name} -gt 64 ] && [ -z "$alts" ]; then pki_csr_long "$key" "$name" "$out"; return; fi
  sim_tmp || return 1
  cnf="$SIM_TMP/req.cnf"
  if [ -n "$alts" ]; then
    pki_san_list "$name" "$alts"
    printf '[req]\ndistinguished_name = dn\nreq_extensions = ext\n[dn]\n[ext]\nsubjectAltName = %s\n' "$REPLY" >"$cnf"
  else
    printf '[req]\ndistinguished_name = dn\n[dn]\n' >"$cnf"
  fi
  pki_subj "$name"
  openssl req -new -sha256 -key "$key" -subj "$REPLY" -config "$cnf" -out "$out"
}

# openssl's -subj refuses a CN over 64 characters, but Ruby's OpenSSL (and so Puppet) writes
# them: PE's ca_name "Puppet CA generated on FQDN at DATE" usually is. Such a CSR is assembled
# from its ASN.1 description and signed by hand.
pki_csr_long() {
  local key="$1" name="$2" out="$3" line modulus="" exponent=65537 sig
  sim_tmp || return 1
  while IFS= read -r line; do
    case "$line" in
      Modulus=*) modulus="${line#Modulus=}" ;;
      publicExponent:*) exponent="${line#publicExponent: }"; exponent="${exponent%% *}" ;;
    esac
  done < <(openssl rsa -in "$key" -noout -text -modulus 2>/dev/null)
  printf '%s\n' 'asn1 = SEQUENCE:info' '[info]' 'version = INTEGER:0' 'subject = SEQUENCE:subject' \
    'spki = SEQUENCE:spki' 'attrs = IMPLICIT:0,SET:attrs' '[attrs]' '[subject]' 'rdn = SET:rdn' '[rdn]' \
    'cn = SEQUENCE:cn' '[cn]' 'oid = OID:commonName' "value = UTF8String:$name" '[spki]' \
    'alg = SEQUENCE:rsaalg' 'key = BITWRAP,SEQUENCE:rsapub' '[rsaalg]' 'oid = OID:rsaEncryption' \
    'null = NULL' '[rsapub]' "n = INTEGER:0x$modulus" "e = INTEGER:$exponent" >"$SIM_TMP/info.cnf"
  openssl asn1parse -genconf "$SIM_TMP/info.cnf" -out "$SIM_TMP/tbs.der" -noout >/dev/null || return 1
  sig="$(openssl dgst -sha256 -sign "$key" "$SIM_TMP/tbs.der" | od -An -v -tx1)" || return 1
  sig="${sig//[[:space:]]/}"
  { printf '%s\n' 'asn1 = SEQUENCE:csr' '[csr]' 'info = SEQUENCE:info' 'alg = SEQUENCE:sigalg' \
      "sig = FORMAT:HEX,BITSTRING:$sig" '[sigalg]' 'oid = OID:sha256WithRSAEncryption' 'null = NULL'
    tail -n +2 "$SIM_TMP/info.cnf"; } >"$SIM_TMP/csr.cnf"
  openssl asn1parse -genconf "$SIM_TMP/csr.cnf" -out "$SIM_TMP/csr.der" -noout >/dev/null &&
    openssl req -inform DER -in "$SIM_TMP/csr.der" -out "$out"
}

pki_ca_cnf() {
  local dir="$1"
  cat >"$dir/ca.cnf" <<EOF
[ca]
default_ca = puppet
[puppet]
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
policy = policy_cn
unique_subject = no
copy_extensions = copy
email_in_dn = no
[policy_cn]
commonName = supplied
[ext_server]
nsComment = "$NS_COMMENT"
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = critical, serverAuth, clientAuth
basicConstraints = critical, CA:FALSE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
[ext_ca]
nsComment = "$NS_COMMENT"
keyUsage = critical, cRLSign, keyCertSign
basicConstraints = critical, CA:TRUE
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
[ext_crl]
authorityKeyIdentifier = keyid:always
EOF
  : >"$dir/index.txt"
}

pki_hex() { printf -v REPLY '%X' "$1"; [ $((${#REPLY} % 2)) -eq 0 ] || REPLY="0$REPLY"; }

# pki_issue TYPE(ca|server) CSR SERIAL TTL_SECONDS CACERT CAKEY OUT
# TYPE ca self-signs the CSR with CAKEY (CACERT unused).
pki_issue() {
  local type="$1" csr="$2" serial="$3" ttl="$4" cacert="$5" cakey="$6" out="$7" dir start end
  sim_tmp || return 1
  dir="$SIM_TMP"
  pki_ca_cnf "$dir"
  pki_hex "$serial"; printf '%s\n' "$REPLY" >"$dir/serial"
  sim_time '%Y%m%d%H%M%SZ' $((EPOCHSECONDS - 86400)); start="$REPLY"
  sim_time '%Y%m%d%H%M%SZ' $((EPOCHSECONDS + ttl)); end="$REPLY"
  local args=(ca -batch -notext -preserveDN -config "$dir/ca.cnf" -extensions "ext_$type" -in "$csr"
    -out "$out" -keyfile "$cakey" -startdate "$start" -enddate "$end")
  if [ "$type" = ca ]; then args+=(-selfsign); else args+=(-cert "$cacert"); fi
  openssl "${args[@]}" >"$dir/log" 2>&1 || { cat "$dir/log" >&2; return 1; }
}

# pki_crl CACERT CAKEY CRLNUMBER TTL OUT [REVOKED...]  (each "HEXSERIAL YYMMDDHHMMSSZ")
pki_crl() {
  local cacert="$1" cakey="$2" number="$3" ttl="$4" out="$5" dir entry
  shift 5
  sim_tmp || return 1
  dir="$SIM_TMP"
  pki_ca_cnf "$dir"
  pki_hex "$number"; printf '%s\n' "$REPLY" >"$dir/crlnumber"
  for entry in "$@"; do
    printf 'R\t491231235959Z\t%s,keyCompromise\t%s\tunknown\t/CN=revoked\n' "${entry#* }" "${entry%% *}" >>"$dir/index.txt"
  done
  openssl ca -gencrl -batch -config "$dir/ca.cnf" -cert "$cacert" -keyfile "$cakey" -crlexts ext_crl \
    -crlsec "$ttl" -out "$out" >"$dir/log" 2>&1 || { cat "$dir/log" >&2; return 1; }
}

# Reads a CRL: CRL_NUMBER and CRL_REVOKED ("HEXSERIAL YYMMDDHHMMSSZ" entries).
pki_crl_read() {
  local line serial="" mon day tm year months=JanFebMarAprMayJunJulAugSepOctNovDec next=no m
  CRL_NUMBER=0; CRL_REVOKED=()
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    if [ "$next" = yes ]; then CRL_NUMBER="$line"; next=no; continue; fi
    case "$line" in
      'X509v3 CRL Number:'*) next=yes ;;
      'Serial Number: '*) serial="${line#Serial Number: }" ;;
      'Revocation Date: '*)
        read -r mon day tm year _ <<<"${line#Revocation Date: }"
        m="${months%%"$mon"*}"; m=$((${#m} / 3 + 1))
        printf -v line '%s%02d%02d%sZ' "${year:2}" "$m" "$day" "${tm//:/}"
        CRL_REVOKED+=("$serial $line") ;;
    esac
  done < <(openssl crl -in "$1" -noout -text 2>/dev/null)
}

# Reads a certificate: CERT_SERIAL (decimal), CERT_CN, CERT_FP ("(SHA256) AA:.."), CERT_SANS
# ("DNS:a, DNS:b"), CERT_START / CERT_END ("2015-01-13T20:21:11UTC", as Puppet's inventory).
pki_cert_read() {
  local line san=no
  CERT_SERIAL=""; CERT_CN=""; CERT_FP=""; CERT_SANS=""; CERT_START=""; CERT_END=""
  while IFS= read -r line; do
    if [ "$san" = yes ]; then CERT_SANS="${line#"${line%%[![:space:]]*}"}"; san=no; continue; fi
    case "$line" in
      serial=*) CERT_SERIAL=$((16#${line#serial=})) ;;
      *' Fingerprint='*) CERT_FP="(SHA256) ${line#*=}" ;;
      *commonName*=*) CERT_CN="${line#*= }" ;;
      'X509v3 Subject Alternative Name:'*) san=yes ;;
      notBefore=*) line="${line#notBefore=}"; CERT_START="${line/ /T}"; CERT_START="${CERT_START%Z}UTC" ;;
      notAfter=*) line="${line#notAfter=}"; CERT_END="${line/ /T}"; CERT_END="${CERT_END%Z}UTC" ;;
    esac
  done < <(openssl x509 -in "$1" -noout -serial -fingerprint -sha256 -subject -nameopt multiline \
    -ext subjectAltName -dateopt iso_8601 -startdate -enddate 2>/dev/null)
  [ -n "$CERT_SERIAL" ]
}

# Reads a CSR: CERT_CN, CERT_SANS and, with a second argument "fp", CERT_FP (SHA-256 of its DER).
pki_csr_read() {
  local line san=no
  CERT_CN=""; CERT_SANS=""; CERT_FP=""
  while IFS= read -r line; do
    if [ "$san" = yes ]; then CERT_SANS="${line#"${line%%[![:space:]]*}"}"; san=no; continue; fi
    case "$line" in
      *commonName*=*) CERT_CN="${line#*= }" ;;
      *'X509v3 Subject Alternative Name:'*) san=yes ;;
    esac
  done < <(openssl req -in "$1" -noout -subject -nameopt multiline -text 2>/dev/null)
  [ "${2-}" = fp ] || { [ -n "$CERT_CN" ]; return; }
  line="$(openssl req -in "$1" -outform DER 2>/dev/null | openssl dgst -sha256 -c)"
  line="${line#*= }"
  CERT_FP="(SHA256) ${line^^}"
  [ -n "$CERT_CN" ]
}

# Does the certificate or CSR (KIND x509|req) carry the public key of PRIVATE_KEY?
pki_same_key() {
  local a b
  a="$(openssl "$2" -in "$1" -noout -modulus 2>/dev/null)"
  b="$(openssl rsa -in "$3" -noout -modulus 2>/dev/null)"
  [ -n "$a" ] && [ "${a#*=}" = "${b#*=}" ]
}

# pki_verify CACERT CERT [CRL]: on failure REPLY = openssl's reason ("certificate revoked").
pki_verify() {
  local out args=(-CAfile "$1") line
  [ -n "${3-}" ] && [ -f "$3" ] && args+=(-crl_check -CRLfile "$3")
  REPLY=""
  out="$(openssl verify "${args[@]}" "$2" 2>&1)" && return 0
  while IFS= read -r line; do
    case "$line" in *'depth lookup: '*) REPLY="${line#*depth lookup: }"; break ;; esac
  done <<<"$out"
  [ -n "$REPLY" ] || REPLY="certificate verify failed"
  return 1
}
