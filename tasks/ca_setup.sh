#!/bin/sh
# Create a new CA and the server's certificate on a Puppet 6+ CA server: `puppetserver ca setup --certname
# CERTNAME --subject-alt-names A,B` on an emptied cadir and ssldir, with the server stopped (setup refuses
# a running server's files). Checks that the CA, the server's certificate with every alt name, its key and
# the CRL are where Puppet reads them. Setup run as root gives its files to `pe-puppet` when that user
# exists: the plan sets the profile's owners afterwards (chown).
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet pki verify; do . "$lib/$file.sh"; done

param puppetserver ''
param certname ''
param dns_alt_names ''
param cadir ''
param ssldir ''
check_path puppetserver puppetserver "$puppetserver"
[ -x "$puppetserver" ] || fail puppet-missing "puppetserver binary $puppetserver is not executable on this host; set puppetserver (the profile's ca.bin)" "{\"puppetserver\":$(json_str "$puppetserver")}"
check_certname certname "$certname"
alts=$(split_commas "$dns_alt_names")
for a in $alts; do check_pattern dns_alt_names "$a" '^([Dd][Nn][Ss]:|[Ii][Pp]:)?[A-Za-z0-9*][A-Za-z0-9.:*_-]*$' "alt name"; done
check_path cadir cadir "$cadir"
check_path ssldir ssldir "$ssldir"

[ ! -f "$cadir/ca_crt.pem" ] || fail ca-exists "a CA already exists in $cadir: clear $cadir and $ssldir first (clear_dir) to replace it" "{\"cadir\":$(json_str "$cadir")}"
left=$(find "$cadir" "$ssldir" -type f 2>/dev/null | head -n 5)
[ -z "$left" ] || fail ssldir-not-empty "$cadir or $ssldir still holds files from the old PKI; clear them first (clear_dir)" "{\"files\":$(json_list "$left")}"

alt_arg=$(printf '%s\n' "$alts" | paste -sd, -)
command="puppetserver ca setup --certname $certname${alt_arg:+ --subject-alt-names $alt_arg}"
if [ "$NOOP" = true ]; then
  printf '{"created":true,"command":%s,"noop":true}\n' "$(json_str "$command")"
  exit 0
fi
if [ -n "$alt_arg" ]; then puppet_cmd "$puppetserver" ca setup --certname "$certname" --subject-alt-names "$alt_arg"
else puppet_cmd "$puppetserver" ca setup --certname "$certname"; fi
[ "$RC" -eq 0 ] || puppet_fail puppet-failed "'$command' failed"

missing=
for f in "$cadir/ca_crt.pem" "$cadir/ca_key.pem" "$cadir/ca_crl.pem" "$ssldir/certs/ca.pem" "$ssldir/certs/$certname.pem" \
  "$ssldir/private_keys/$certname.pem" "$ssldir/crl.pem"; do
  [ -f "$f" ] || missing="${missing:+$missing$NL}$f"
done
[ -z "$missing" ] || puppet_fail puppet-failed "'$command' did not write $(comma_join "$missing") (is cadir/ssldir what puppet config print says?)"
cert=$ssldir/certs/$certname.pem
sans=$(cert_sans "$cert" | tr 'A-Z' 'a-z')
lost=
for a in $alts; do
  case $a in [Ii][Pp]:*) want="ip address:${a#*:}" ;; [Dd][Nn][Ss]:*) want="dns:${a#*:}" ;; *) want="dns:$a" ;; esac
  printf '%s\n' "$sans" | grep -qxF -- "$(printf '%s' "$want" | tr 'A-Z' 'a-z')" || lost="${lost:+$lost$NL}$a"
done
[ -z "$lost" ] || fail puppet-failed "the new certificate of $certname lacks the alt names $(comma_join "$lost"); it has $(comma_join "$sans")" "{\"cert\":$(json_str "$cert")}"
printf '{"created":true,"command":%s,"ca":%s,"cert":%s}\n' "$(json_str "$command")" "$(cert_json "$cadir/ca_crt.pem")" "$(cert_json "$cert")"
