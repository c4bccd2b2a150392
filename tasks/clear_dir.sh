#!/bin/sh
# Remove everything inside a directory, dotfiles included, and keep the directory itself with its owner
# and mode: the procedure's `rm -rf DIR/*`, guarded. Reports every path removed (or, in no-op, to remove).
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard; do . "$lib/$file.sh"; done

param path ''
param_list allowed_roots ''
guard_path dir path "$path" "$allowed_roots"
[ -d "$dir" ] || fail not-a-directory "$dir is not a directory (or does not exist); nothing was removed" "{\"path\":$(json_str "$dir")}"

listing=$(find "$dir" -mindepth 1 2>&1) || fail command-failed "cannot list $dir: $(last_lines 3 "$listing")"
count=0
[ -z "$listing" ] || count=$(printf '%s\n' "$listing" | wc -l)
report() {
  printf '{"path":%s,"removed":%s,"count":%s%s}\n' "$(json_str "$dir")" "$(json_list "$listing")" "$count" "$1"
}
if [ "$NOOP" = true ]; then report ',"noop":true'; exit 0; fi

run_capture find "$dir" -mindepth 1 -maxdepth 1 -exec rm -rf -- {} +
left=$(find "$dir" -mindepth 1 2>/dev/null | head -n 5)
if [ "$RC" -ne 0 ] || [ -n "$left" ]; then
  fail command-failed "could not empty $dir: $(last_lines 5 "$OUT")" "{\"path\":$(json_str "$dir"),\"left\":$(json_list "$left")}"
fi
report ''
