#!/bin/sh
# Wait on the CA master until every name has a certificate request (or a signed certificate): one poll of
# the CA's request directory serves every name, and holds no lock, so agents whose requests are late never
# keep the CA from signing the others. A result per name under results.NAME.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet; do . "$lib/$file.sh"; done

param_list certnames ''
param wait_seconds 120
check_pattern wait_seconds "$wait_seconds" '^[0-9]{1,4}$' "a number of seconds"
[ -n "$certnames" ] || fail bad-param "certnames is empty: give the names whose requests to wait for"
for n in $certnames; do check_certname certnames "$n"; done
param cadir ''
check_path cadir cadir "$cadir"
need_ca "$cadir"

waited=0
while :; do
  missing=
  for n in $certnames; do [ "$(cert_state "$cadir" "$n")" != absent ] || missing=$missing$n$NL; done
  [ -n "$missing" ] && [ "$waited" -lt "$wait_seconds" ] && [ "$NOOP" = false ] || break
  sleep 1
  waited=$((waited + 1))
done

results= sep= first_error= errors=0
for n in $certnames; do
  case $(cert_state "$cadir" "$n") in
    absent)
      errors=$((errors + 1))
      e="{\"kind\":\"regen/no-csr\",\"msg\":$(json_str "no certificate request arrived for $n on the CA within ${waited}s. Has the agent reached the master since its ssldir was cleared (its puppet service running, port 8140 open)? See cert_list")}"
      [ -n "$first_error" ] || first_error=$e
      results="$results$sep$(json_str "$n"):{\"_error\":$e}" ;;
    *) results="$results$sep$(json_str "$n"):{\"status\":$(json_str "$(cert_state "$cadir" "$n")")}" ;;
  esac
  sep=,
done
summary="\"waited_seconds\":$waited,\"missing\":$(printf '%s' "$missing" | json_lines),\"results\":{$results}"
if [ "$errors" -eq 0 ]; then printf '{%s}\n' "$summary"; exit 0; fi
[ "$errors" -eq 1 ] || first_error="{\"kind\":\"regen/no-csr\",\"msg\":$(json_str "no certificate request arrived within ${waited}s for: $(printf '%s' "$missing" | tr '\n' ' ')")}"
printf '{%s,"_error":%s}\n' "$summary" "$first_error"
exit 1
