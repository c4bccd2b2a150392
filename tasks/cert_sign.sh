#!/bin/sh
# Sign waiting certificate requests on the CA (Step 6.7): one `puppet cert sign A B ...` (Puppet 3-5) or
# `puppetserver ca sign --certname A,B` (Puppet 6+) for all the names, with a result per name under results.NAME. An already signed name is reported as such, not an
# error; a name with neither a request nor a certificate fails alone: the other names are still signed.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet; do . "$lib/$file.sh"; done

param_list certnames ''
param_ca
param_bool allow_dns_alt_names false
param wait_seconds 0
check_pattern wait_seconds "$wait_seconds" '^[0-9]{1,4}$' "a number of seconds"
[ -n "$certnames" ] || fail bad-param "certnames is empty: give the names of the requests to sign"
for n in $certnames; do check_certname certnames "$n"; done
need_ca "$cadir"

# An agent submits its request a moment after its service starts: wait up to wait_seconds for it.
waited=0
while :; do
  to_sign= already= missing=
  for n in $certnames; do
    case $(cert_state "$cadir" "$n") in
      requested) to_sign=$to_sign$n$NL ;;
      signed) already=$already$n$NL ;;
      *) missing=$missing$n$NL ;;
    esac
  done
  [ -n "$missing" ] && [ "$waited" -lt "$wait_seconds" ] && [ "$NOOP" = false ] || break
  sleep 1
  waited=$((waited + 1))
done

# Per-name results (results.NAME), so a batch of names reports each one on its own.
results= rsep= errors=0 first_error=
result() { results="$results$rsep$(json_str "$1"):$2" rsep=,; }
name_error() { # NAME KIND MSG
  errors=$((errors + 1))
  _e="{\"kind\":$(json_str "regen/$2"),\"msg\":$(json_str "$3")}"
  [ -n "$first_error" ] || first_error=$_e
  result "$1" "{\"_error\":$_e}"
}
for n in $already; do result "$n" '{"status":"already_signed"}'; done
for n in $missing; do
  name_error "$n" no-csr "no certificate request waits for $n (after ${waited}s). Has the agent run since its ssldir was cleared? See cert_list"
done

# One sign call for every waiting request. Puppet 3.7 stops at the first name it cannot
# sign (the names before it are signed, the ones after it untouched): that name gets the error, and the
# rest go in the next call, so each failing name costs one more call, never one call per name.
signed_list= remaining=$to_sign
[ "$NOOP" = true ] && { signed_list=$to_sign remaining=; for n in $to_sign; do result "$n" '{"status":"would_sign"}'; done; }
while [ -n "$remaining" ]; do
  if [ "$allow_dns_alt_names" = true ] && [ "$ca_cli" = puppet-cert ]; then ca_cmd sign "$remaining" --allow-dns-alt-names
  else ca_cmd sign "$remaining"; fi
  next= blamed=false
  for n in $remaining; do
    if [ "$(cert_state "$cadir" "$n")" = signed ]; then
      signed_list=$signed_list$n$NL
      result "$n" '{"status":"signed"}'
    elif [ "$blamed" = false ]; then
      blamed=true hint=
      case $OUT in *"subject alternative names"*) hint=" (the request carries alt names: pass allow_dns_alt_names=true if they are expected)" ;; esac
      name_error "$n" puppet-failed "'$ca_cli sign' did not sign $n$hint (exit $RC): $(last_lines 3 "$OUT")"
    else
      next=$next$n$NL
    fi
  done
  remaining=$next
done

summary="\"signed\":$(printf '%s' "$signed_list" | json_lines),\"already_signed\":$(printf '%s' "$already" | json_lines),\"results\":{$results}"
[ "$NOOP" = true ] && summary="$summary,\"noop\":true"
if [ "$errors" -eq 0 ]; then printf '{%s}\n' "$summary"; exit 0; fi
# Failed names: the first one's error is the task's (with every name's result in details).
if [ "$errors" -gt 1 ]; then
  first_error="{\"kind\":\"regen/sign-failed\",\"msg\":$(json_str "$errors of the requested names could not be signed: see results")}"
fi
printf '{%s,"_error":%s}\n' "$summary" "$(printf '%s' "$first_error" | sed 's/}$//'),\"details\":{\"missing\":$(printf '%s' "$missing" | json_lines),$summary}}"
exit 1
