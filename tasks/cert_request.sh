#!/bin/sh
# Make an agent ask the CA for a new certificate, after its ssldir was cleared (Step 6.6). Two ways,
# as the profile says: `service` starts the agent service, which makes a key and submits a request when it
# starts (PE 3.7: "start pe-puppet"); `submit_request` runs `puppet ssl submit_request` (Puppet 6+), which
# makes the key, submits the request and returns. Either way the request itself is then awaited on the CA.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet; do . "$lib/$file.sh"; done

param method ''
param service ''
param puppet ''
check_pattern method "$method" '^(service|submit_request)$' "way to request (service or submit_request)"
[ "$method" = submit_request ] || check_pattern service "$service" "$SERVICE_RE" "service name"
need_puppet "$puppet"

if [ "$method" = service ]; then
  command="puppet resource service $service ensure=running"
  [ "$NOOP" = false ] || { printf '{"method":"service","command":%s,"noop":true}\n' "$(json_str "$command")"; exit 0; }
  service_ensure "$puppet" "$service" running
  printf '{"method":"service","command":%s,"service":%s,"state":%s}\n' "$(json_str "$command")" "$(json_str "$service")" \
    "$(json_str "$STATE")"
  exit 0
fi

command="puppet ssl submit_request"
[ "$NOOP" = false ] || { printf '{"method":"submit_request","command":%s,"noop":true}\n' "$(json_str "$command")"; exit 0; }
puppet_cmd "$puppet" ssl submit_request
case $RC:$OUT in
  0:*) ;;
  *"already has a requested certificate"* | *"already exists"*) ;;
  *) puppet_fail puppet-failed "'$command' did not submit a certificate request: is the CA server up and reachable (puppet config print server ca_server), and does this agent trust its CA?" ;;
esac
printf '{"method":"submit_request","command":%s,"output":%s}\n' "$(json_str "$command")" "$(last_lines 5 "$OUT" | json_lines)"
