#!/bin/sh
# Generate and sign a certificate on the CA master (Steps 2.5 and 2.6 of the procedure):
# `puppet cert generate CERTNAME [--dns_alt_names=a,b]`, then check the new files and the SANs.
# Refuses when CERTNAME already has a certificate or a waiting request (allow_existing=true reports
# an existing certificate instead).
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet pki; do . "$lib/$file.sh"; done

param certname ''
param_list certnames ''
param dns_alt_names ''
param puppet ''
param ssldir ''
param_bool allow_existing false
[ -n "$certname" ] || [ -n "$certnames" ] || fail bad-param "give the certificate as certname, or several as certnames" '{"param":"certname","value":""}'
[ -z "$certname" ] || [ -z "$certnames" ] || fail bad-param "give either certname or certnames, not both"
for n in $certname $certnames; do check_certname certname "$n"; done
alts=$(split_commas "$dns_alt_names")
for a in $alts; do check_pattern dns_alt_names "$a" '^([A-Za-z]+:)?[a-zA-Z0-9*][a-zA-Z0-9._*-]*$' "DNS alt name"; done
need_puppet "$puppet"
check_path ssldir ssldir "$ssldir"
need_ca "$ssldir/ca"
# generate NAME: generate and check one certificate; prints its report, or its _error and exits non-zero.
generate() {
  certname=$1
  cert=$ssldir/certs/$certname.pem
  command="puppet cert generate $certname"
  [ -z "$alts" ] || command="$command --dns_alt_names=$(printf '%s' "$alts" | tr '\n' ',')"
  report() {
    printf '{"certname":%s,"dns_alt_names":%s,"command":%s,"generated":%s,"files":{"cert":%s,"public_key":%s,"private_key":%s}%s}\n'     "$(json_str "$certname")" "$(json_list "$alts")" "$(json_str "$command")" "$1" "$(json_str "$cert")"     "$(json_str "$ssldir/public_keys/$certname.pem")" "$(json_str "$ssldir/private_keys/$certname.pem")" "$2"
  }

  if [ -f "$ssldir/ca/signed/$certname.pem" ] || [ -f "$cert" ]; then
    [ "$allow_existing" = true ] || fail cert-exists "$certname already has a certificate in $ssldir; clean it first (cert_clean) or pass allow_existing=true" "{\"certname\":$(json_str "$certname")}"
    [ -f "$cert" ] || cert=$ssldir/ca/signed/$certname.pem
    report false ",\"cert\":$(cert_json "$cert")"
    return 0
  fi
  [ ! -f "$ssldir/ca/requests/$certname.pem" ] || fail csr-waiting "a certificate request for $certname is waiting in $ssldir/ca/requests; sign it (cert_sign) or clean it (cert_clean) first" "{\"certname\":$(json_str "$certname")}"
  if [ "$NOOP" = true ]; then report true ',"noop":true'; return 0; fi

  if [ -n "$alts" ]; then puppet_cmd "$puppet" cert generate "$certname" "--dns_alt_names=$(printf '%s' "$alts" | tr '\n' ',')"
  else puppet_cmd "$puppet" cert generate "$certname"; fi
  [ "$RC" -eq 0 ] || puppet_fail puppet-failed "'$command' failed"
  for f in "$cert" "$ssldir/public_keys/$certname.pem" "$ssldir/private_keys/$certname.pem"; do
    [ -f "$f" ] || puppet_fail puppet-failed "'$command' left no $f"
  done
  sans=$(cert_sans "$cert")
  for a in $alts; do
    case $a in *:*) want=$a ;; *) want=DNS:$a ;; esac
    printf '%s\n' "$sans" | grep -qxF -- "$want" ||
      fail verify-failed "the new certificate for $certname lacks the alt name $want" "{\"sans\":$(json_list "$sans")}"
  done
  report true ",\"cert\":$(cert_json "$cert")"
}

[ -n "$certnames" ] || { generate "$certname"; exit 0; }
# Several certificates (the profile's internal_certs): in order, stopping at the first that fails.
done_json=''
for n in $certnames; do
  out=$(generate "$n") || { printf '%s\n' "$out"; exit 1; }
  done_json="$done_json${done_json:+,}$out"
done
printf '{"certs":[%s]}\n' "$done_json"
