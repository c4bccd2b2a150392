# regen task library: certificate facts through openssl (works with OpenSSL 1.0.1 as shipped in 2015).
# Sourced after common.sh by the tasks that read certificates.

# iso_date TEXT: an openssl date ("Jan  2 03:04:05 2015 GMT") as UTC ISO 8601, or TEXT as is.
iso_date() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || printf '%s' "$1"; }

# cert_fingerprint FILE: the SHA256 fingerprint, colon-separated upper-case hex as Puppet prints it.
cert_fingerprint() {
  openssl x509 -noout -fingerprint -sha256 -in "$1" 2>/dev/null | sed -n 's/^[^=]*=//p' | tr 'a-f' 'A-F'
}

# cert_sans FILE: the subject alternative names, one per line ("DNS:puppet", "IP Address:10.0.0.1").
cert_sans() {
  openssl x509 -noout -text -in "$1" 2>/dev/null | awk '
    /X509v3 Subject Alternative Name:/ { getline; gsub(/^[ \t]+|[ \t]+$/, ""); n = split($0, a, /, /)
      for (i = 1; i <= n; i++) print a[i]; exit }'
}

# cert_field FILE OPTION: one "-OPTION" field of the certificate, without its "name=" prefix.
cert_field() {
  openssl x509 -noout "-$2" -nameopt RFC2253 -in "$1" 2>/dev/null | sed -n '1s/^[^=]*= *//p'
}

# cert_json FILE: a JSON object describing the certificate in FILE; fails when FILE is not a certificate.
cert_json() {
  openssl x509 -noout -in "$1" >/dev/null 2>&1 ||
    fail not-a-certificate "$1 is not a readable PEM certificate" "{\"path\":$(json_str "$1")}"
  _fp=$(cert_fingerprint "$1")
  if openssl x509 -noout -checkend 0 -in "$1" >/dev/null 2>&1; then _exp=false; else _exp=true; fi
  printf '{"path":%s,"subject":%s,"issuer":%s,"serial":%s,"not_before":%s,"not_after":%s,"sans":%s,"fingerprint":{"algorithm":"SHA256","value":%s},"expired":%s}' \
    "$(json_str "$1")" "$(json_str "$(cert_field "$1" subject)")" "$(json_str "$(cert_field "$1" issuer)")" \
    "$(json_str "$(cert_field "$1" serial)")" \
    "$(json_str "$(iso_date "$(cert_field "$1" startdate)")")" "$(json_str "$(iso_date "$(cert_field "$1" enddate)")")" \
    "$(json_list "$(cert_sans "$1")")" "$(json_str "$_fp")" "$_exp"
}

# cert_verify CAFILE FILE: set VERIFY_OK (true/false) and VERIFY_MSG from `openssl verify`.
cert_verify() {
  VERIFY_MSG=$(openssl verify -CAfile "$1" "$2" 2>&1 </dev/null)
  case $VERIFY_MSG in *": OK") VERIFY_OK=true ;; *) VERIFY_OK=false ;; esac
  VERIFY_MSG=$(printf '%s\n' "$VERIFY_MSG" | tail -n 3)
}
