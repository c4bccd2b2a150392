#!/bin/sh
# Set an octal mode on a path: the path itself, everything under it (recursive=true), or the entries
# directly inside it (contents=true, as in `chmod 400 .../certs/*`, dotfiles included). Symlinks are
# skipped (chmod would follow them). Only entries whose mode differs are changed and reported.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard; do . "$lib/$file.sh"; done

param path ''
param mode ''
param_bool recursive false
param_bool contents false
param_list allowed_roots ''
check_pattern mode "$mode" '^[0-7]{3,4}$' "octal mode such as 0400"
tree_target target path "$path" "$allowed_roots" "$contents"

set -- "$target" $(find_scope "$contents" "$recursive")
set -- "$@" ! -type l ! -perm "$mode"

changed=$(find "$@" -print 2>&1) || fail command-failed "cannot list $target: $(last_lines 3 "$changed")"
report() {
  printf '{"path":%s,"mode":"%s","recursive":%s,"contents":%s,"changed":%s%s}\n' "$(json_str "$target")" "$mode"     "$recursive" "$contents" "$(json_list "$changed")" "$1"
}
if [ "$NOOP" = true ] || [ -z "$changed" ]; then report "$([ "$NOOP" = true ] && echo ',"noop":true')"; exit 0; fi

run_capture find "$@" -exec chmod -- "$mode" {} +
left=$(find "$@" -print 2>/dev/null | head -n 5)
if [ "$RC" -ne 0 ] || [ -n "$left" ]; then
  fail command-failed "chmod $mode did not apply to everything under $target: $(last_lines 5 "$OUT")" "{\"path\":$(json_str "$target"),\"left\":$(json_list "$left")}"
fi
report ''
