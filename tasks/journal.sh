#!/bin/sh
# The run journal and the site lock on a host, in DIR (the profile's backup_dir):
#   DIR/current-run.json   the journal of the unfinished run: what it did, where it stands (written whole, atomically)
#   DIR/regen.lock/        the site lock, taken with mkdir (atomic); owner.json inside says who holds it
#   DIR/runs/RUN.json      journals of finished runs
# Actions: read (read only), lock, write, finish, unlock, stop_orphans. Parameters arrive on stdin as one JSON
# object (a journal can be larger than an environment variable may be); the small ones are pattern-checked by
# the metadata, so they are read from the part of the object before "journal", which is always last.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json guard; do . "$lib/$file.sh"; done

input=$(cat)
head=${input%%\"journal\":*}
# field NAME: a string or boolean parameter from the head of the input ('' when absent).
field() {
  printf '%s\n' "$head" | sed -n "s/.*\"$1\":\"\{0,1\}\([^\",}]*\)\"\{0,1\}[,}].*/\1/p" | head -n 1
}
action=$(field action) dir=$(field dir) run=$(field run) session=$(field session)
# A quote before _noop cannot be escaped inside a JSON string, so this is the key itself.
case $input in *'"_noop":true'*) NOOP=true ;; esac
check_path dir dir "$dir"
journal=$dir/current-run.json lock=$dir/regen.lock

# The file's JSON, or null.
json_file() { if [ -s "$1" ]; then cat "$1"; else printf 'null'; fi; }

# Processes of a session's tasks still running here: its tasks run from $TMPDIR/regen.SESSION.XXXXXXXX.
orphans() {
  [ -n "$1" ] || { printf '[]'; return; }
  ps -eo pid=,pgid=,args= 2>/dev/null | awk -v s="$1" '
    BEGIN { tag = "/regen." s "." }
    index($0, tag) { printf "%s{\"pid\":%s,\"pgid\":%s}", (n++ ? "," : "["), $1, $2 }
    END { if (!n) printf "["; printf "]" }'
}

state() {
  printf '{"dir":%s,"journal":%s,"lock":%s,"orphans":%s%s}\n' "$(json_str "$dir")" "$(json_file "$journal")" \
    "$(json_file "$lock/owner.json")" "$(orphans "$(field orphans_of)")" "${1:-}"
}

# write_atomic FILE: stdin into FILE through a temporary file and a rename, so a reader never sees half of it.
write_atomic() {
  umask 077
  cat > "$1.tmp.$$" && mv -f "$1.tmp.$$" "$1" || { rm -f "$1.tmp.$$"; fail command-failed "cannot write $1 (is $dir full or read-only?)"; }
}

case $action in
  read)
    state ;;
  lock)
    [ "$NOOP" = true ] && { state ',"noop":true'; exit 0; }
    mkdir -p -m 700 "$dir" 2>/dev/null || fail command-failed "cannot create $dir"
    [ "$(field break_lock)" = true ] && [ -d "$lock" ] && rm -rf "$lock"
    if ! mkdir -m 700 "$lock" 2>/dev/null; then
      details=$(state)
      fail locked "$dir is locked by another regen run (regen.lock)" "$details"
    fi
    owner=$(printf '{"run":"%s","session":"%s","plan":"%s","controller":"%s","pid":%s,"user":"%s","started_at":"%s"}' \
      "$run" "$session" "$(field plan)" "$(field controller)" "$(field pid)" "$(field user)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)")
    printf '%s\n' "$owner" | write_atomic "$lock/owner.json"
    state ',"locked":true' ;;
  write)
    [ "$NOOP" = true ] && { state ',"noop":true'; exit 0; }
    mkdir -p -m 700 "$dir" 2>/dev/null || fail command-failed "cannot create $dir"
    case $input in *'"journal":{'*) ;; *) fail bad-param "write needs the journal object" ;; esac
    printf '%s\n' "$input" | write_atomic "$journal"
    printf '{"written":%s}\n' "$(json_str "$journal")" ;;
  finish)
    [ "$NOOP" = true ] && { state ',"noop":true'; exit 0; }
    mkdir -p -m 700 "$dir/runs" || fail command-failed "cannot create $dir/runs"
    printf '%s\n' "$input" | write_atomic "$dir/runs/$run.json"
    rm -f "$journal"
    printf '{"finished":%s}\n' "$(json_str "$dir/runs/$run.json")" ;;
  unlock)
    [ "$NOOP" = true ] && { state ',"noop":true'; exit 0; }
    if [ -d "$lock" ]; then
      holder=$(sed -n 's/.*"session":"\([^"]*\)".*/\1/p' "$lock/owner.json" 2>/dev/null)
      [ "$holder" = "$session" ] || [ -z "$holder" ] || fail locked "the lock in $dir is held by session $holder, not $session; not removed" "$(state)"
      rm -rf "$lock"
    fi
    printf '{"unlocked":true}\n' ;;
  stop_orphans)
    # Waits up to wait_seconds for the dead session's tasks to end by themselves, then stops them (TERM, KILL).
    of=$(field orphans_of) wait=$(field wait_seconds)
    [ -n "$of" ] || fail bad-param "stop_orphans needs orphans_of"
    n=0 stopped=false
    while [ "$(orphans "$of")" != '[]' ] && [ "$n" -lt "${wait:-30}" ]; do sleep 1; n=$((n + 1)); done
    left=$(orphans "$of")
    if [ "$left" != '[]' ] && [ "$NOOP" != true ]; then
      for g in $(printf '%s\n' "$left" | tr '{' '\n' | sed -n 's/.*"pgid":\([0-9]*\).*/\1/p' | sort -u); do
        kill -s TERM -- "-$g" 2>/dev/null
      done
      sleep 2
      for g in $(printf '%s\n' "$left" | tr '{' '\n' | sed -n 's/.*"pgid":\([0-9]*\).*/\1/p' | sort -u); do
        kill -s KILL -- "-$g" 2>/dev/null
      done
      stopped=true
    fi
    [ "$(orphans "$of")" = '[]' ] || fail command-failed "tasks of session $of are still running here after TERM and KILL: $(orphans "$of")"
    printf '{"waited_seconds":%s,"stopped":%s,"found":%s}\n' "$n" "$stopped" "$left" ;;
  *)
    fail bad-param "unknown action '$action' (read, lock, write, finish, unlock, stop_orphans)" ;;
esac
