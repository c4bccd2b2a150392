# regen task library: copying files with an owner, group and mode. Sourced after common.sh.

# file_json PATH [KEY]: {KEY,"owner","group","mode","size","sha256"} of a regular file as it is now
# (KEY, default "path", holds PATH).
file_json() {
  _st=$(stat -L -c "%U$TAB%G$TAB%a$TAB%s" -- "$1") || fail command-failed "cannot stat $1"
  _m=$(printf '%s' "$_st" | cut -f 3)
  while [ ${#_m} -lt 4 ]; do _m=0$_m; done
  printf '{"%s":%s,"owner":%s,"group":%s,"mode":"%s","size":%s,"sha256":"%s"}' "${2:-path}" "$(json_str "$1")" \
    "$(json_str "$(printf '%s' "$_st" | cut -f 1)")" "$(json_str "$(printf '%s' "$_st" | cut -f 2)")" \
    "$_m" "$(printf '%s' "$_st" | cut -f 4)" "$(sha256_of "$1")"
}

sha256_of() { sha256sum <"$1" | cut -c 1-64; }

# check_owner_group_mode: validate the owner, group and mode variables (each may be empty = unchanged).
check_owner_group_mode() {
  [ -z "$owner" ] || check_account owner user "$owner"
  [ -z "$group" ] || check_account group group "$group"
  [ -z "$mode" ] || check_pattern mode "$mode" '^[0-7]{3,4}$' "octal mode such as 0640"
}

# copy_plan SRC DEST: one JSON object saying what copying SRC over DEST would do.
copy_plan() {
  if [ -e "$2" ]; then
    if cmp -s -- "$1" "$2"; then _same=true; else _same=false; fi
    printf '{"source":%s,"dest":%s,"exists":true,"same_contents":%s}' "$(json_str "$1")" "$(json_str "$2")" "$_same"
  else
    printf '{"source":%s,"dest":%s,"exists":false,"same_contents":false}' "$(json_str "$1")" "$(json_str "$2")"
  fi
}

# copy_one SRC DEST: cp SRC to DEST as the procedure does, then apply $owner, $group and $mode when set,
# and check the copy's checksum. Prints the resulting file as JSON with the source.
copy_one() {
  run_capture cp -- "$1" "$2"
  [ "$RC" -eq 0 ] || fail command-failed "cp $1 $2 failed: $(last_lines 3 "$OUT")" "{\"source\":$(json_str "$1"),\"dest\":$(json_str "$2")}"
  if [ -n "$owner$group" ]; then
    _spec=$owner
    [ -z "$group" ] || _spec=$_spec:$group
    run_capture chown -- "$_spec" "$2"
    [ "$RC" -eq 0 ] || fail command-failed "chown $_spec $2 failed: $(last_lines 3 "$OUT")" "{\"dest\":$(json_str "$2")}"
  fi
  if [ -n "$mode" ]; then
    run_capture chmod -- "$mode" "$2"
    [ "$RC" -eq 0 ] || fail command-failed "chmod $mode $2 failed: $(last_lines 3 "$OUT")" "{\"dest\":$(json_str "$2")}"
  fi
  [ "$(sha256_of "$1")" = "$(sha256_of "$2")" ] ||
    fail verify-failed "the copy $2 does not match $1" "{\"source\":$(json_str "$1"),\"dest\":$(json_str "$2")}"
  _fj=$(file_json "$2" dest)
  printf '{"source":%s,%s' "$(json_str "$1")" "${_fj#\{}"
}
