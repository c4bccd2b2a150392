# regen task library: named checks for the read-only pre-flight and verification tasks, and decoding a
# JSON array of objects. Sourced after common.sh (and pki.sh for the certificate helpers).

# ---------------------------------------------------------------- checks
# Every check is reported as {"name","ok","detail"}; a failed check's detail says what is wrong and
# what to do, so the task's error message is the list of failed checks, one "- NAME: DETAIL" a line.
CHECKS_TSV=
FAILED_CHECKS=
FAILED_NAMES=

# record_check NAME true|false DETAIL
record_check() {
  _d=$3
  case $_d in *"$NL"* | *"$TAB"*) _d=$(printf '%s' "$_d" | tr '\n\t' '  ') ;; esac
  CHECKS_TSV="${CHECKS_TSV:+$CHECKS_TSV$NL}$1$TAB$2$TAB$_d"
  if [ "$2" != true ]; then
    FAILED_CHECKS="$FAILED_CHECKS$NL- $1: $_d"
    FAILED_NAMES="${FAILED_NAMES:+$FAILED_NAMES$NL}$1"
  fi
}

checks_passed() { [ -z "$FAILED_NAMES" ]; }

# checks_json: the recorded checks as a JSON array of {"name","ok","detail"}.
checks_json() {
  printf '%s\n' "$CHECKS_TSV" | awk -F "$TAB" "$AWK_JSON"'
    BEGIN { printf "[" }
    NF == 3 { printf "%s{\"name\":%s,\"ok\":%s,\"detail\":%s}", (n++ ? "," : ""), jstr($1), ($2 == "true" ? "true" : "false"), jstr($3) }
    END { printf "]" }'
}

# comma_join LIST: a newline-separated list as "a, b, c".
comma_join() {
  _j=
  for _x in $1; do _j="${_j:+$_j, }$_x"; done
  printf '%s' "$_j"
}

# ---------------------------------------------------------------- certificates
# fingerprint_norm TEXT: a fingerprint as bare upper-case hex ("SHA256 Fingerprint=ab:cd" -> "ABCD").
fingerprint_norm() { printf '%s\n' "${1#*=}" | sed 's/[: \t]//g; y/abcdef/ABCDEF/'; }

# rsa_modulus KIND FILE: the RSA modulus of a certificate (cert), private key (private) or public key
# (public), or nothing when FILE cannot be read as one. Equal moduli mean the files belong together.
rsa_modulus() {
  case $1 in
    cert) _m=$(openssl x509 -noout -modulus -in "$2" 2>/dev/null) ;;
    private) _m=$(openssl rsa -noout -modulus -in "$2" 2>/dev/null) ;;
    public) _m=$(openssl rsa -pubin -noout -modulus -in "$2" 2>/dev/null) ;;
  esac
  case $_m in Modulus=*) printf '%s' "${_m#Modulus=}" ;; esac
}

# cert_is_ca FILE: the certificate says "CA:TRUE" in its basic constraints.
cert_is_ca() {
  openssl x509 -noout -text -in "$1" 2>/dev/null |
    awk '/X509v3 Basic Constraints/ { getline; if ($0 ~ /CA:TRUE/) found = 1; exit } END { exit !found }'
}

# crl_verify CAFILE CRL: the CRL is signed by the CA (`openssl crl -CAfile` prints "verify OK").
crl_verify() {
  _out=$(openssl crl -noout -in "$2" -CAfile "$1" 2>&1 </dev/null) && case $_out in *"verify OK"*) return 0 ;; esac
  return 1
}

# ---------------------------------------------------------------- JSON objects
# json_objects_decode TEXT: a JSON array of objects whose values are strings, arrays of strings or null,
# one line per object ("N", counting from 1) then one line per value: "N<TAB>KEY<TAB>VALUE" (an array
# gives one line per element, null none). Keys and values holding control characters are refused.
json_objects_decode() {
  printf '%s' "$1" | awk "$AWK_JSON_READ"'
    function str(what) { return jread(what " in element " obj) }
    function emit(key, value) { out = out obj "\t" key "\t" value "\n" }
    END {
      if (failed) exit 2
      n = length(src); i = 1; obj = 0; out = ""; ws()
      if (substr(src, i, 1) != "[") bad("not a JSON array")
      i++; ws()
      if (substr(src, i, 1) == "]") i++
      else for (;;) {
        ws(); if (substr(src, i, 1) != "{") bad("element " obj + 1 " is not an object")
        obj++; i++; out = out obj "\n"; ws()
        if (substr(src, i, 1) == "}") i++
        else for (;;) {
          ws(); key = str("a key"); ws()
          if (substr(src, i, 1) != ":") bad("expected : after \"" key "\" in element " obj)
          i++; ws(); c = substr(src, i, 1)
          if (c == "\"") emit(key, str("\"" key "\""))
          else if (c == "[") {
            i++; ws()
            if (substr(src, i, 1) == "]") i++
            else for (;;) {
              ws(); emit(key, str("an element of \"" key "\"")); ws()
              c = substr(src, i, 1); i++
              if (c == "]") break
              if (c != ",") bad("expected , or ] in \"" key "\" of element " obj)
            }
          } else if (substr(src, i, 4) == "null") i += 4
          else bad("\"" key "\" in element " obj " must be a string or an array of strings")
          ws(); c = substr(src, i, 1); i++
          if (c == "}") break
          if (c != ",") bad("expected , or } in element " obj)
        }
        ws(); c = substr(src, i, 1); i++
        if (c == "]") break
        if (c != ",") bad("expected , or ] after element " obj)
      }
      ws(); if (i <= n) bad("text after the array")
      printf "%s", out
    }'
}

# object_field RECORDS N KEY: the values of KEY in object N of json_objects_decode's output, one a line.
object_field() {
  _v=
  for _l in $1; do
    case $_l in "$2$TAB$3$TAB"*) _v="${_v:+$_v$NL}${_l#"$2$TAB$3$TAB"}" ;; esac
  done
  printf '%s' "$_v"
}

# check_certnames PARAM LIST: refuse the first element of a newline-separated LIST that is not a certname.
check_certnames() {
  _bad=$(printf '%s\n' "$2" | grep -Ev -- "$CERTNAME_RE" | head -n 1)
  [ -z "$_bad" ] || check_certname "$1" "$_bad"
}
