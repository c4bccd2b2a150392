# regen task library: certificate facts through openssl (works with OpenSSL 1.0.1 as shipped in 2015).
# Sourced after common.sh by the tasks that read certificates.


# cert_field FILE OPTION: one "-OPTION" field of the certificate (subject, issuer, serial, startdate,
# enddate), without its "name=" prefix.
cert_field() {
  openssl x509 -noout "-$2" -nameopt RFC2253 -in "$1" 2>/dev/null | sed -n '1s/^[^=]*= *//p'
}

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

# cert_json FILE: a JSON object describing the certificate in FILE (one openssl call); fails when FILE
# is not a certificate. Dates are UTC ISO 8601; the fingerprint is SHA256 as Puppet prints it.
cert_json() {
  _x=$(openssl x509 -noout -nameopt RFC2253 -subject -issuer -serial -startdate -enddate -fingerprint -sha256 \
    -text -checkend 0 -in "$1" 2>/dev/null </dev/null)
  case $_x in *subject=*) ;; *) fail not-a-certificate "$1 is not a readable PEM certificate" "{\"path\":$(json_str "$1")}" ;; esac
  printf '%s\n' "$_x" | awk -v path="$1" "$AWK_JSON"'
    function iso(d,   a, m) {   # "Nov  7 19:03:20 2026 GMT" -> 2026-11-07T19:03:20Z
      split(d, a, / +/); m = index("JanFebMarAprMayJunJulAugSepOctNovDec", a[1])
      if (m == 0 || a[5] != "GMT") return d
      return sprintf("%s-%02d-%02dT%sZ", a[4], (m + 2) / 3, a[2], a[3])
    }
    function val(line) { sub(/^[^=]*= */, "", line); return line }
    /^subject=/ { subject = val($0) } /^issuer=/ { issuer = val($0) } /^serial=/ { serial = val($0) }
    /^notBefore=/ { nb = iso(val($0)) } /^notAfter=/ { na = iso(val($0)) }
    /^[A-Za-z0-9]+ Fingerprint=/ { fp = toupper(val($0)) }
    /X509v3 Subject Alternative Name:/ { want = 1; next }
    want { want = 0; gsub(/^[ \t]+|[ \t]+$/, ""); n = split($0, a, /, /)
      for (i = 1; i <= n; i++) sans = sans (i > 1 ? "," : "") jstr(a[i]) }
    /^Certificate will expire/ { expired = "true" } /^Certificate will not expire/ { expired = "false" }
    END {
      printf "{\"path\":%s,\"subject\":%s,\"issuer\":%s,\"serial\":%s,\"not_before\":%s,\"not_after\":%s,", jstr(path), jstr(subject), jstr(issuer), jstr(serial), jstr(nb), jstr(na)
      printf "\"sans\":[%s],\"fingerprint\":{\"algorithm\":\"SHA256\",\"value\":%s},\"expired\":%s}", sans, jstr(fp), expired == "" ? "null" : expired
    }'
}

# cert_verify CAFILE FILE: set VERIFY_OK (true/false) and VERIFY_MSG from `openssl verify`.
cert_verify() {
  VERIFY_MSG=$(openssl verify -CAfile "$1" "$2" 2>&1 </dev/null)
  case $VERIFY_MSG in *": OK") VERIFY_OK=true ;; *) VERIFY_OK=false ;; esac
  VERIFY_MSG=$(printf '%s\n' "$VERIFY_MSG" | tail -n 3)
}
