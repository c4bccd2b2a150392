#!/bin/sh
# Start, stop, restart or query a service the way the PE 3.7 procedure does, with
# `puppet resource service NAME ensure=running|stopped`, and report the state before and after.
# `puppet resource` exits 0 even when the change fails, so the resulting state is checked.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard puppet; do . "$lib/$file.sh"; done

param name ''
param_list names ''
param action status
param puppet ''
# An empty list (a restore with nothing to start again) is nothing to do.
[ "${PT_names:-}" = '[]' ] && [ -z "$name" ] && { printf '{"action":"%s","services":[]}\n' "$action"; exit 0; }
[ -n "$name" ] || [ -n "$names" ] || fail bad-param "give the service as name, or several as names (acted on in their order)" '{"param":"name","value":""}'
[ -z "$name" ] || [ -z "$names" ] || fail bad-param "give either name or names, not both"
for n in $name $names; do check_pattern name "$n" "$SERVICE_RE" "service name"; done
check_pattern action "$action" '^(status|start|stop|restart)$' "action (status, start, stop or restart)"
need_puppet "$puppet"

report() {
  printf '{"service":%s,"action":"%s","before":%s,"after":%s,"changed":%s%s}\n' "$(json_str "$name")" "$action"     "$(json_str "$before")" "$(json_str "$after")" "$changed" "$1"
}

# act_on NAME: the action on one service; prints its report, or its _error and exits non-zero.
act_on() {
  name=$1
  service_ensure "$puppet" "$name"
  before=$STATE after=$STATE changed=false
  case $action in
    start) want=running ;;
    stop) want=stopped ;;
    restart) want=running changed=true ;;
    *) report ''; return 0 ;;
  esac
  [ "$before" = "$want" ] || changed=true
  if [ "$NOOP" = true ]; then after=$want; report ',"noop":true'; return 0; fi
  [ "$action" = restart ] && [ "$before" = running ] && service_ensure "$puppet" "$name" stopped
  service_ensure "$puppet" "$name" "$want"
  after=$STATE
  report ''
}

[ -n "$names" ] || { act_on "$name"; exit 0; }
# Several services: in the given order, stopping at the first that fails (the later ones are not touched).
done_json='' done_names=''
for n in $names; do
  out=$(act_on "$n") || {
    printf '%s\n' "$out" | sed "s/\"msg\":\"/\"msg\":\"$action of $n failed after ${done_names:-no other service} (the rest not touched): /"
    exit 1
  }
  done_json="$done_json${done_json:+,}$out" done_names="$done_names${done_names:+, }$n"
done
printf '{"action":"%s","services":[%s]}\n' "$action" "$done_json"
