#!/bin/sh
# Revoke and remove certificates on the CA master: `puppet cert clean NAME` for each name. Reports the
# files each clean removes; a name the CA knows nothing of is reported as absent (already clean).
lib=${PT__installdir:-}/regen/files
[ -r "$lib/common.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/common.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
. "$lib/common.sh"
. "$lib/puppet.sh"

param_list certnames ''
param puppet "$PE_PUPPET"
param ssldir "$PE_SSLDIR"
[ -n "$certnames" ] || fail bad-param "certnames is empty: give the names of the certificates to clean"
for n in $certnames; do
  check_certname certnames "$n"
  [ "$n" != ca ] || fail bad-param "'ca' is the CA itself; to replace the CA clear the ssldir (clear_dir) and use ca_regenerate"
done
need_puppet "$puppet"
check_path ssldir "$ssldir"
ssldir=$CHECKED
need_ca "$ssldir"

files_of() {
  for d in ca/signed ca/requests certs private_keys public_keys certificate_requests; do
    [ ! -f "$ssldir/$d/$1.pem" ] || printf '%s\n' "$ssldir/$d/$1.pem"
  done
}
cleaned= absent= sep=
for n in $certnames; do
  files=$(files_of "$n")
  if [ -z "$files" ]; then absent=$absent$n$NL; continue; fi
  if [ "$NOOP" = false ]; then
    puppet_cmd "$puppet" cert clean "$n"
    left=$(files_of "$n" | grep -E '/(ca/signed|ca/requests|certs)/' || true)
    if [ "$RC" -ne 0 ] || [ -n "$left" ]; then
      fail puppet-failed "'puppet cert clean $n' failed (exit $RC): $(last_lines 3 "$OUT")" \
        "{\"certname\":$(json_str "$n"),\"left\":$(json_list "$left"),\"output\":$(last_lines 20 "$OUT" | json_lines)}"
    fi
  fi
  cleaned="$cleaned$sep{\"name\":$(json_str "$n"),\"files\":$(json_list "$files")}" sep=,
done
printf '{"cleaned":[%s],"absent":%s%s}\n' "$cleaned" "$(printf '%s' "$absent" | json_lines)" "$([ "$NOOP" = true ] && echo ',"noop":true')"
