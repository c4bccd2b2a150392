#!/bin/sh
# Remove one file (the procedure's `rm -f .../catalog/CERTNAME.json`), or with recursive=true a whole
# directory (an agent's `rm -rf .../ssl`). A symlink is removed itself, never what it points to.
# A path that is already gone is success with removed=false.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard; do . "$lib/$file.sh"; done

param path ''
param_bool recursive false
param_list allowed_roots ''
guard_path target path "$path" "$allowed_roots" leaf
present=true type=absent listing=
if [ -L "$target" ]; then type=symlink listing=$target
elif [ -d "$target" ]; then
  type=directory
  [ "$recursive" = true ] || fail is-a-directory "$target is a directory; pass recursive=true to remove it and everything in it" "{\"path\":$(json_str "$target")}"
  listing=$(find "$target" -depth 2>&1) || fail command-failed "cannot list $target: $(last_lines 3 "$listing")"
elif [ -e "$target" ]; then type=file listing=$target
else present=false
fi
report() {
  printf '{"path":%s,"type":"%s","removed":%s,"paths":%s%s}\n' "$(json_str "$target")" "$type" "$present" "$(json_list "$listing")" "$1"
}
if [ "$NOOP" = true ] || [ "$present" = false ]; then report "$([ "$NOOP" = true ] && echo ',"noop":true')"; exit 0; fi

run_capture rm -rf -- "$target"
if [ "$RC" -ne 0 ] || [ -e "$target" ] || [ -L "$target" ]; then
  fail command-failed "could not remove $target: $(last_lines 5 "$OUT")" "{\"path\":$(json_str "$target")}"
fi
report ''
