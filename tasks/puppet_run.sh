#!/bin/sh
# One `puppet agent -t` with detailed exit codes: 0 (no changes) and 2 (changes) are success; 1, 4 and
# 6 are failures, explained. After an agent's ssldir was cleared this run makes a new key and submits a
# certificate request. In no-op mode nothing runs: even `puppet agent --noop` would submit a request.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet; do . "$lib/$file.sh"; done

param puppet ''
param waitforcert 0
param busy_wait 0
check_pattern waitforcert "$waitforcert" '^[0-9]{1,4}$' "number of seconds (0 to 9999)"
check_pattern busy_wait "$busy_wait" '^[0-9]{1,4}$' "number of seconds (0 to 9999)"
need_puppet "$puppet"
command="puppet agent --test --detailed-exitcodes --waitforcert $waitforcert"
if [ "$NOOP" = true ]; then
  printf '{"command":%s,"puppet":%s,"noop":true}\n' "$(json_str "$command")" "$(json_str "$puppet")"
  exit 0
fi

# The agent daemon may be running a catalog itself (it just got its certificate): wait for it.
waited=0
while :; do
  puppet_cmd "$puppet" agent --test --detailed-exitcodes --waitforcert "$waitforcert"
  case $RC:$OUT in 1:*"already in progress"*) [ "$waited" -lt "$busy_wait" ] || break ;; *) break ;; esac
  sleep 5
  waited=$((waited + 5))
done
tail=$(last_lines 20 "$OUT" | json_lines)
case $RC in
  0 | 2)
    if [ "$RC" -eq 2 ]; then changes=true meaning="the run succeeded and made changes"
    else changes=false meaning="the run succeeded with no changes"; fi
    printf '{"exit_code":%s,"changes":%s,"meaning":%s,"command":%s,"output":%s}\n' "$RC" "$changes" \
      "$(json_str "$meaning")" "$(json_str "$command")" "$tail"
    exit 0 ;;
  1)
    meaning="the run failed or could not start"
    case $OUT in
      *"no certificate found and waitforcert is disabled"* | *"Did not receive certificate"*)
        meaning="the agent has no signed certificate yet: sign its request on the CA master (cert_sign), then run again" ;;
      *"already in progress"*) meaning="another Puppet run was still in progress after ${waited}s (its lock file exists): wait for it and run again, or raise busy_wait" ;;
      *"certificate verify failed"* | *"does not match"*)
        meaning="SSL verification failed: the agent's certificate or CA copy does not match the master's CA; clear the agent's ssldir and request a new certificate" ;;
      *"Could not retrieve catalog"* | *"Could not request certificate"* | *"Connection refused"*)
        meaning="the agent could not get a catalog or certificate from the master: is the master up and reachable, and did its catalog compile?" ;;
    esac ;;
  4) meaning="the run completed but some resources failed" ;;
  6) meaning="the run made changes but some resources failed" ;;
  *) meaning="puppet exited with an unexpected code" ;;
esac
fail puppet-run-failed "puppet agent run failed with exit code $RC: $meaning" \
  "{\"exit_code\":$RC,\"meaning\":$(json_str "$meaning"),\"command\":$(json_str "$command"),\"output\":$tail}"
