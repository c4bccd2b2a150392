#!/bin/sh
# Change the owner and/or group of a path: the path itself, everything under it (recursive=true, as in
# `chown -R pe-puppet:pe-puppet .../ssl`), or the entries directly inside it (contents=true, as in
# `chown pe-postgres:pe-postgres .../certs/*`, dotfiles included). Symlinks are changed themselves,
# never followed. Only entries that differ are changed and reported.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard; do . "$lib/$file.sh"; done

param path ''
param owner ''
param group ''
param_bool recursive false
param_bool contents false
param_list allowed_roots ''
[ -n "$owner$group" ] || fail bad-param "give owner, group or both"
[ -z "$owner" ] || check_account owner user "$owner"
[ -z "$group" ] || check_account group group "$group"
tree_target target path "$path" "$allowed_roots" "$contents"

# find(1) selects the entries to look at and, of those, the ones whose owner or group differs.
set -- "$target" $(find_scope "$contents" "$recursive")
if [ -n "$owner" ] && [ -n "$group" ]; then set -- "$@" \( ! -user "$owner" -o ! -group "$group" \)
elif [ -n "$owner" ]; then set -- "$@" ! -user "$owner"
else set -- "$@" ! -group "$group"; fi
spec=$owner
[ -z "$group" ] || spec=$spec:$group

changed=$(find "$@" -print 2>&1) || fail command-failed "cannot list $target: $(last_lines 3 "$changed")"
report() {
  printf '{"path":%s,"owner":%s,"group":%s,"recursive":%s,"contents":%s,"changed":%s%s}\n' "$(json_str "$target")"     "$(json_str "$owner")" "$(json_str "$group")" "$recursive" "$contents" "$(json_list "$changed")" "$1"
}
if [ "$NOOP" = true ] || [ -z "$changed" ]; then report "$([ "$NOOP" = true ] && echo ',"noop":true')"; exit 0; fi

run_capture find "$@" -exec chown -h -- "$spec" {} +
left=$(find "$@" -print 2>/dev/null | head -n 5)
if [ "$RC" -ne 0 ] || [ -n "$left" ]; then
  fail command-failed "chown $spec did not apply to everything under $target: $(last_lines 5 "$OUT")" "{\"path\":$(json_str "$target"),\"left\":$(json_list "$left")}"
fi
report ''
