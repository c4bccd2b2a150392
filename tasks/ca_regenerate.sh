#!/bin/sh
# Create a new CA on the master (Step 2.4 of the procedure): `puppet cert list -a` on an emptied ssldir
# must print "Signed certificate request for ca" and leave SSLDIR/ca/ca_crt.pem. Refuses when a CA
# already exists (allow_existing=true reports it instead) or when old certificate files are left.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet pki; do . "$lib/$file.sh"; done

param puppet ''
param ssldir ''
param_bool allow_existing false
need_puppet "$puppet"
check_path ssldir ssldir "$ssldir"
cacert=$ssldir/ca/ca_crt.pem
command="puppet cert list -a"

if [ -f "$cacert" ]; then
  [ "$allow_existing" = true ] || fail ca-exists "a CA already exists in $ssldir/ca; clear $ssldir first (clear_dir) to replace it, or pass allow_existing=true to keep it" "{\"ca_cert\":$(json_str "$cacert")}"
  printf '{"created":false,"ssldir":%s,"ca":%s}\n' "$(json_str "$ssldir")" "$(cert_json "$cacert")"
  exit 0
fi
left=$(find "$ssldir" -type f 2>/dev/null | head -n 5)
[ -z "$left" ] || fail ssldir-not-empty "$ssldir still holds files from the old PKI; clear it first (clear_dir)" "{\"ssldir\":$(json_str "$ssldir"),\"files\":$(json_list "$left")}"
if [ "$NOOP" = true ]; then
  printf '{"created":true,"ssldir":%s,"command":%s,"noop":true}\n' "$(json_str "$ssldir")" "$(json_str "$command")"
  exit 0
fi

puppet_cmd "$puppet" cert list -a
if [ "$RC" -ne 0 ] || [ ! -f "$cacert" ]; then puppet_fail puppet-failed "'$command' did not create the CA in $ssldir/ca"; fi
printf '%s\n' "$OUT" | grep -q 'Signed certificate request for ca' ||
  puppet_fail puppet-failed "'$command' did not print 'Signed certificate request for ca'; check $ssldir before going on"
printf '{"created":true,"ssldir":%s,"command":%s,"ca":%s}\n' "$(json_str "$ssldir")" "$(json_str "$command")" "$(cert_json "$cacert")"
