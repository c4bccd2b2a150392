#!/bin/sh
# Copy one file (the procedure's `cp .../ssl/ca/ca_crl.pem .../ssl/crl.pem`), then give the copy an owner,
# group and mode when asked. dest is the full path of the new file and must resolve inside allowed_roots.
lib=${PT__installdir:-}/regen/files
[ -r "$lib/task.sh" ] || { echo '{"_error":{"kind":"regen/install","msg":"regen/files/task.sh is missing under $PT__installdir: run this task with regen or Bolt","details":{}}}'; exit 1; }
for file in task json params guard fs; do . "$lib/$file.sh"; done

param source ''
param dest ''
param owner ''
param group ''
param mode ''
param_list allowed_roots ''
check_path source source "$source"
[ -f "$source" ] || fail not-found "source $source is not an existing file" "{\"source\":$(json_str "$source")}"
guard_path dest dest "$dest" "$allowed_roots"
[ ! -d "$dest" ] || fail is-a-directory "dest $dest is a directory: give the full path of the file to write" "{\"dest\":$(json_str "$dest")}"
[ -d "${dest%/*}" ] || fail not-found "the directory of dest $dest does not exist" "{\"dest\":$(json_str "$dest")}"
[ "$(readlink -f -- "$source")" != "$dest" ] || fail bad-param "source and dest are the same file ($dest)"
check_owner_group_mode "$owner" "$group" "$mode"

if [ "$NOOP" = true ]; then
  plan=$(copy_plan "$source" "$dest")
  printf '%s,"owner":%s,"group":%s,"mode":%s,"noop":true}\n' "${plan%\}}" "$(json_str "$owner")" "$(json_str "$group")" "$(json_str "$mode")"
  exit 0
fi
result=$(copy_one "$source" "$dest" "$owner" "$group" "$mode") || { printf '%s\n' "$result"; exit 1; }
printf '%s\n' "$result"
