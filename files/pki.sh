# regen task library: certificate facts through openssl (works with OpenSSL 1.0.1 as shipped in 2015).
# Sourced after task.sh and json.sh by the tasks that read certificates. Sets nothing.
#
# Functions (each prints its result on stdout):
#   cert_field FILE OPTION     one "-OPTION" field (subject, issuer, serial, startdate, enddate), bare
#   cert_fingerprint FILE      the SHA256 fingerprint, colon-separated upper-case hex as Puppet prints it
#   cert_sans FILE             the subject alternative names, one a line ("DNS:puppet", "IP Address:10.0.0.1")
#   cert_json FILE             the certificate as a JSON object (fails the task when FILE is not one)
#   cert_verify CAFILE FILE    the end of `openssl verify`'s output; status 0 when FILE verifies against CAFILE
#   fingerprint_norm TEXT      a fingerprint as bare upper-case hex ("SHA256 Fingerprint=ab:cd" -> "ABCD")
#   rsa_modulus cert|private|public FILE  the RSA modulus of a certificate, private or public key, or
#                              nothing when FILE cannot be read as one (equal moduli: the files belong together)
# Tests (status only): cert_is_ca FILE (CA:TRUE in its basic constraints), crl_verify CAFILE CRL (the CRL
# is signed by the CA).

cert_field() {
  openssl x509 -noout "-$2" -nameopt RFC2253 -in "$1" 2>/dev/null | sed -n '1s/^[^=]*= *//p'
}

cert_fingerprint() {
  openssl x509 -noout -fingerprint -sha256 -in "$1" 2>/dev/null | sed -n 's/^[^=]*=//p' | tr 'a-f' 'A-F'
}

cert_sans() {
  openssl x509 -noout -text -in "$1" 2>/dev/null | awk '
    /X509v3 Subject Alternative Name:/ { getline; gsub(/^[ \t]+|[ \t]+$/, ""); n = split($0, a, /, /)
      for (i = 1; i <= n; i++) print a[i]; exit }'
}

# Dates are UTC ISO 8601; the fingerprint is SHA256 as Puppet prints it. One openssl call.
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

cert_verify() {
  _vm=$(openssl verify -CAfile "$1" "$2" 2>&1 </dev/null)
  printf '%s' "$(printf '%s\n' "$_vm" | tail -n 3)"
  case $_vm in *": OK") return 0 ;; *) return 1 ;; esac
}

fingerprint_norm() { printf '%s\n' "${1#*=}" | sed 's/[: \t]//g; y/abcdef/ABCDEF/'; }

rsa_modulus() {
  case $1 in
    cert) _m=$(openssl x509 -noout -modulus -in "$2" 2>/dev/null) ;;
    private) _m=$(openssl rsa -noout -modulus -in "$2" 2>/dev/null) ;;
    public) _m=$(openssl rsa -pubin -noout -modulus -in "$2" 2>/dev/null) ;;
  esac
  case $_m in Modulus=*) printf '%s' "${_m#Modulus=}" ;; esac
}

cert_is_ca() {
  openssl x509 -noout -text -in "$1" 2>/dev/null |
    awk '/X509v3 Basic Constraints/ { getline; if ($0 ~ /CA:TRUE/) found = 1; exit } END { exit !found }'
}

crl_verify() {
  _out=$(openssl crl -noout -in "$2" -CAfile "$1" 2>&1 </dev/null) && case $_out in *"verify OK"*) return 0 ;; esac
  return 1
}

