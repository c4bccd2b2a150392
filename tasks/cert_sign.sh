#!/bin/sh
# Sign waiting certificate requests on the CA master (Step 6.7): `puppet cert sign NAME` for each name.
# A name that is already signed (no request waits, the CA holds its certificate) is reported as such,
# not an error. A name with neither is an error naming it, and then nothing is signed.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/common.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/common.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
. "$lib/common.sh"
. "$lib/puppet.sh"

param_list certnames ''
param puppet "$PE_PUPPET"
param ssldir "$PE_SSLDIR"
param_bool allow_dns_alt_names false
param wait_seconds 0
check_pattern wait_seconds "$wait_seconds" '^[0-9]{1,4}$' "a number of seconds"
[ -n "$certnames" ] || fail bad-param "certnames is empty: give the names of the requests to sign"
for n in $certnames; do check_certname certnames "$n"; done
need_puppet "$puppet"
check_path ssldir "$ssldir"
ssldir=$CHECKED
need_ca "$ssldir"

# An agent submits its request a moment after its service starts: wait up to wait_seconds for it.
waited=0
while :; do
  to_sign= already= missing=
  for n in $certnames; do
    case $(cert_state "$ssldir" "$n") in
      requested) to_sign=$to_sign$n$NL ;;
      signed) already=$already$n$NL ;;
      *) missing=$missing$n$NL ;;
    esac
  done
  [ -n "$missing" ] && [ "$waited" -lt "$wait_seconds" ] && [ "$NOOP" = false ] || break
  sleep 1
  waited=$((waited + 1))
done
if [ -n "$missing" ]; then
  fail no-csr "no certificate request waits for: $(printf '%s' "$missing" | tr '\n' ' ')(after ${waited}s; nothing was signed). Has the agent run since its ssldir was cleared? See cert_list" \
    "{\"missing\":$(printf '%s' "$missing" | json_lines),\"to_sign\":$(printf '%s' "$to_sign" | json_lines),\"already_signed\":$(printf '%s' "$already" | json_lines)}"
fi
report() {
  printf '{"signed":%s,"already_signed":%s%s}\n' "$(printf '%s' "$1" | json_lines)" "$(printf '%s' "$already" | json_lines)" "$2"
}
if [ "$NOOP" = true ]; then report "$to_sign" ',"noop":true'; exit 0; fi

done_list=
for n in $to_sign; do
  if [ "$allow_dns_alt_names" = true ]; then puppet_cmd "$puppet" cert sign --allow-dns-alt-names "$n"
  else puppet_cmd "$puppet" cert sign "$n"; fi
  if [ "$RC" -ne 0 ] || [ ! -f "$ssldir/ca/signed/$n.pem" ]; then
    hint=
    case $OUT in *"subject alternative names"*) hint=" (the request carries alt names: pass allow_dns_alt_names=true if they are expected)" ;; esac
    fail puppet-failed "'puppet cert sign $n' failed$hint (exit $RC): $(last_lines 3 "$OUT")" \
      "{\"certname\":$(json_str "$n"),\"signed\":$(printf '%s' "$done_list" | json_lines),\"output\":$(last_lines 20 "$OUT" | json_lines)}"
  fi
  done_list=$done_list$n$NL
done
report "$done_list" ''
