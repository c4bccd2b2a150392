# regen task library: copying files with an owner, group and mode. Sourced after task.sh and json.sh.
# Sets nothing.
#
# Functions (each prints its result on stdout):
#   file_json PATH [KEY]       {KEY,"owner","group","mode","size","sha256"} of a regular file as it is now
#                              (KEY, default "path", holds PATH)
#   sha256_of FILE             the SHA-256 of FILE in hex
#   copy_plan SRC DEST         one JSON object saying what copying SRC over DEST would do (for no-op)
#   copy_one SRC DEST OWNER GROUP MODE  copies SRC to DEST as the procedure does (cp), then applies the
#                              OWNER, GROUP and MODE that are not empty and checks the copy's checksum;
#                              prints the new file as JSON with its source (or the error, exit 1)

file_json() {
  _st=$(stat -L -c "%U$TAB%G$TAB%a$TAB%s" -- "$1") || fail command-failed "cannot stat $1"
  _m=$(printf '%s' "$_st" | cut -f 3)
  while [ ${#_m} -lt 4 ]; do _m=0$_m; done
  printf '{"%s":%s,"owner":%s,"group":%s,"mode":"%s","size":%s,"sha256":"%s"}' "${2:-path}" "$(json_str "$1")" \
    "$(json_str "$(printf '%s' "$_st" | cut -f 1)")" "$(json_str "$(printf '%s' "$_st" | cut -f 2)")" \
    "$_m" "$(printf '%s' "$_st" | cut -f 4)" "$(sha256_of "$1")"
}

sha256_of() { sha256sum <"$1" | cut -c 1-64; }

copy_plan() {
  if [ -e "$2" ]; then
    if cmp -s -- "$1" "$2"; then _same=true; else _same=false; fi
    printf '{"source":%s,"dest":%s,"exists":true,"same_contents":%s}' "$(json_str "$1")" "$(json_str "$2")" "$_same"
  else
    printf '{"source":%s,"dest":%s,"exists":false,"same_contents":false}' "$(json_str "$1")" "$(json_str "$2")"
  fi
}

copy_one() {
  run_capture cp -- "$1" "$2"
  [ "$RC" -eq 0 ] || fail command-failed "cp $1 $2 failed: $(last_lines 3 "$OUT")" "{\"source\":$(json_str "$1"),\"dest\":$(json_str "$2")}"
  if [ -n "$3$4" ]; then
    _spec=$3
    [ -z "$4" ] || _spec=$_spec:$4
    run_capture chown -- "$_spec" "$2"
    [ "$RC" -eq 0 ] || fail command-failed "chown $_spec $2 failed: $(last_lines 3 "$OUT")" "{\"dest\":$(json_str "$2")}"
  fi
  if [ -n "$5" ]; then
    run_capture chmod -- "$5" "$2"
    [ "$RC" -eq 0 ] || fail command-failed "chmod $5 $2 failed: $(last_lines 3 "$OUT")" "{\"dest\":$(json_str "$2")}"
  fi
  [ "$(sha256_of "$1")" = "$(sha256_of "$2")" ] ||
    fail verify-failed "the copy $2 does not match $1" "{\"source\":$(json_str "$1"),\"dest\":$(json_str "$2")}"
  _fj=$(file_json "$2" dest)
  printf '{"source":%s,%s' "$(json_str "$1")" "${_fj#\{}"
}
