#!/bin/sh
# Wait until the Puppet server answers again after a start: poll https://CERTNAME:PORT/status/v1/simple,
# trusting only the CA in ssldir/certs/ca.pem (so an answer also proves the server serves the new
# certificate), until it says "running" or wait_seconds pass. A JVM takes 40-60 s to start, longer under load.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard; do . "$lib/$file.sh"; done

param certname ''
param port 8140
param ssldir ''
param wait_seconds 300
check_certname certname "$certname"
check_pattern port "$port" '^[0-9]{1,5}$' "port number"
check_pattern wait_seconds "$wait_seconds" '^[0-9]{1,4}$' "a number of seconds"
check_path ssldir ssldir "$ssldir"
url="https://$certname:$port/status/v1/simple"
command -v curl >/dev/null 2>&1 || fail missing-tool "curl is not installed on $(uname -n); install it, or check $url by hand and resume after this step"
if [ "$NOOP" = true ]; then printf '{"url":%s,"noop":true}\n' "$(json_str "$url")"; exit 0; fi
ca=$ssldir/certs/ca.pem
[ -f "$ca" ] || fail no-ca "$ca does not exist: the server has no CA certificate to be checked against"

start=$(date +%s) body= last=
while :; do
  run_capture curl -sS --max-time 10 --cacert "$ca" "$url"
  body=$OUT last=$RC
  [ "$RC" -eq 0 ] && [ "$body" = running ] && break
  [ $(($(date +%s) - start)) -lt "$wait_seconds" ] || break
  sleep 2
done
waited=$(($(date +%s) - start))
if [ "$last" -ne 0 ] || [ "$body" != running ]; then
  fail server-not-ready "the Puppet server at $url did not answer 'running' within ${waited}s (last: exit $last, $(last_lines 2 "$body")): see its log (/var/log/puppetserver/puppetserver.log), then resume from this step" \
    "{\"url\":$(json_str "$url"),\"waited_seconds\":$waited}"
fi
printf '{"url":%s,"status":"running","waited_seconds":%s}\n' "$(json_str "$url")" "$waited"
