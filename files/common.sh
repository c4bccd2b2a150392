# regen task library: JSON output, parameters, errors and the path guards every destructive task uses.
# Sourced by tasks/*.sh from $PT__installdir/regen/files/common.sh. POSIX sh (dash, bash --posix).
#
# Conventions for the tasks:
#   - parameters arrive as PT_<name> environment variables (arrays JSON-encoded, as Bolt does);
#   - stdout carries exactly one JSON object; failures use fail(), which exits non-zero;
#   - IFS is a newline and globbing is off: lists are newline-separated, nothing is ever globbed.

LC_ALL=C
export LC_ALL
NL='
'
TAB='	'
IFS=$NL
set -f -u
# A root shell's usual umask, so copies get the modes the PE procedure expects (regen's wrapper uses 077).
umask 022

NOOP=false
[ "${PT__noop:-}" = true ] && NOOP=true

# No Puppet path, owner or allowed root has a default here: the target's profile (profiles/*.yaml) owns
# them, and regen passes them (plans explicitly, `regen task run` from the profile's task_parameters).

# ---------------------------------------------------------------- JSON
# awk functions shared by every awk program that writes JSON (run with LC_ALL=C: bytes in, bytes out).
AWK_JSON='
function jinit(  i) {
  for (i = 1; i < 32; i++) JE[sprintf("%c", i)] = sprintf("\\u%04x", i)
  JE["\t"] = "\\t"; JE["\n"] = "\\n"; JE["\r"] = "\\r"; JE["\""] = "\\\""; JE["\\"] = "\\\\"
  JRE = "[\"\\\\" sprintf("%c", 1) "-" sprintf("%c", 31) "]"
}
function jstr(s,   out) {
  if (JRE == "") jinit()
  out = ""
  while (match(s, JRE)) {
    out = out substr(s, 1, RSTART - 1) JE[substr(s, RSTART, 1)]
    s = substr(s, RSTART + 1)
  }
  return "\"" out s "\""
}
'

# json_str VALUE: VALUE as a JSON string literal (quotes, backslashes, control characters escaped; other bytes as is).
json_str() {
  case $1 in
    *[!A-Za-z0-9\ ._/:@+=,%-]*)
      printf '%s.' "$1" | awk "$AWK_JSON"'
        { v = (NR == 1) ? $0 : v "\n" $0 }
        END { printf "%s", jstr(substr(v, 1, length(v) - 1)) }' ;;
    *) printf '"%s"' "$1" ;;
  esac
}

# json_lines: the lines of stdin as a JSON array of strings.
json_lines() {
  awk "$AWK_JSON"'BEGIN { printf "[" } { printf "%s%s", (NR > 1 ? "," : ""), jstr($0) } END { printf "]" }'
}

# json_list LIST: a newline-separated list as a JSON array of strings.
json_list() {
  if [ -z "$1" ]; then printf '[]'; else printf '%s\n' "$1" | json_lines; fi
}


# awk functions shared by every awk program that reads JSON: jread(WHAT) reads the string at src[i..]
# (decoding escapes to UTF-8) and refuses NUL and control characters, naming WHAT in the message.
AWK_JSON_READ='
function bad(m) { print m > "/dev/stderr"; failed = 1; exit 2 }
function ws() { while (i <= n && index(" \t\r\n", substr(src, i, 1))) i++ }
function hex4(h,   k, v) {
  if (h !~ /^[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]$/) bad("bad \\u escape")
  v = 0; h = tolower(h)
  for (k = 1; k <= 4; k++) v = v * 16 + index("0123456789abcdef", substr(h, k, 1)) - 1
  return v
}
function utf8(c) {
  if (c < 128) return sprintf("%c", c)
  if (c < 2048) return sprintf("%c%c", 192 + int(c / 64), 128 + c % 64)
  if (c < 65536) return sprintf("%c%c%c", 224 + int(c / 4096), 128 + int(c / 64) % 64, 128 + c % 64)
  return sprintf("%c%c%c%c", 240 + int(c / 262144), 128 + int(c / 4096) % 64, 128 + int(c / 64) % 64, 128 + c % 64)
}
function jread(what,   s, c, e, cp, lo) {
  if (substr(src, i, 1) != "\"") bad(what " is not a string")
  i++; s = ""
  for (;;) {
    if (i > n) bad("unterminated string in " what)
    c = substr(src, i, 1)
    if (c == "\"") { i++; break }
    if (c != "\\") { s = s c; i++; continue }
    e = substr(src, i + 1, 1); i += 2
    if (e == "u") {
      cp = hex4(substr(src, i, 4)); i += 4
      if (cp >= 55296 && cp < 56320 && substr(src, i, 2) == "\\u") {
        lo = hex4(substr(src, i + 2, 4))
        if (lo >= 56320 && lo < 57344) { cp = 65536 + (cp - 55296) * 1024 + (lo - 56320); i += 6 }
      }
      if (cp == 0) bad(what " holds a NUL character")
      s = s utf8(cp)
    } else if (index("\"\\/", e)) s = s e
    else if (e == "n") s = s "\n"; else if (e == "t") s = s "\t"; else if (e == "r") s = s "\r"
    else if (e == "b") s = s "\b"; else if (e == "f") s = s "\f"
    else bad("bad escape \\" e " in " what)
  }
  if (s ~ ("[" sprintf("%c", 1) "-" sprintf("%c", 31) "]")) bad(what " holds a control character (newline, tab...)")
  return s
}
{ src = (NR == 1) ? $0 : src "\n" $0 }
'

# json_array_decode TEXT: the elements of a JSON array of non-empty strings, one per line.
# An element holding a control character (newline, tab...) is refused: no name or path needs one.
json_array_decode() {
  printf '%s' "$1" | awk "$AWK_JSON_READ"'
    END {
      if (failed) exit 2
      n = length(src); i = 1; cnt = 0; ws()
      if (substr(src, i, 1) != "[") bad("not a JSON array")
      i++; ws()
      if (substr(src, i, 1) == "]") i++
      else for (;;) {
        ws(); s = jread("element " cnt + 1)
        cnt++
        if (s == "") bad("element " cnt " is empty")
        out[cnt] = s
        ws(); c = substr(src, i, 1); i++
        if (c == "]") break
        if (c != ",") bad("expected , or ] after element " cnt)
      }
      ws(); if (i <= n) bad("text after the array")
      for (k = 1; k <= cnt; k++) print out[k]
    }'
}

# ---------------------------------------------------------------- results and errors
# fail KIND MSG [DETAILS_JSON]: print the error object and exit 1.
fail() {
  _details=${3:-}
  [ -n "$_details" ] || _details='{}'
  printf '{"_error":{"kind":%s,"msg":%s,"details":%s}}\n' "$(json_str "regen/$1")" "$(json_str "$2")" "$_details"
  exit 1
}

# run_capture CMD...: run CMD with no stdin; its stdout+stderr in OUT, exit code in RC.
run_capture() {
  OUT=$("$@" 2>&1 </dev/null)
  RC=$?
}

# last_lines N TEXT: the last N lines of TEXT (error details stay short).
last_lines() { printf '%s\n' "$2" | tail -n "$1"; }

# strip_ansi TEXT: TEXT without the colour codes Puppet adds.
strip_ansi() { printf '%s\n' "$1" | sed "s/$(printf '\033')\\[[0-9;]*m//g"; }

# ---------------------------------------------------------------- parameters
# param NAME DEFAULT: set shell variable NAME to $PT_NAME, or DEFAULT when the parameter was not given.
param() { eval "$1=\${PT_$1-\$2}"; }

# param_bool NAME DEFAULT: like param, and the value must be true or false.
param_bool() {
  param "$1" "$2"
  eval "_b=\$$1"
  case $_b in true | false) ;; *) fail bad-param "parameter $1 must be true or false, got '$_b'" ;; esac
}

# param_list NAME DEFAULT_JSON: set NAME to the newline-separated elements of the JSON array in $PT_NAME.
# A bare string that is not a JSON array counts as a one-element list.
param_list() {
  param "$1" "$2"
  eval "_raw=\$$1"
  case $_raw in
    \[*) _dec=$(json_array_decode "$_raw" 2>&1) || fail bad-param "parameter $1 is not a JSON array of non-empty strings: $_dec" "{\"param\":$(json_str "$1"),\"value\":$(json_str "$_raw")}" ;;
    *) _dec=$_raw ;;
  esac
  eval "$1=\$_dec"
}

# check_pattern LABEL VALUE ERE WHAT: refuse VALUE unless it matches ERE.
check_pattern() {
  if ! printf '%s\n' "$2" | grep -Eq "$3" || [ "$(printf '%s\n' "$2" | wc -l)" -ne 1 ]; then
    fail bad-param "$1 '$2' is not a valid $4 (expected $3)" "{\"param\":$(json_str "$1"),\"value\":$(json_str "$2")}"
  fi
}
CERTNAME_RE='^[a-z0-9][a-z0-9._-]*$'
SERVICE_RE='^[a-zA-Z0-9][a-zA-Z0-9_.@-]*$'
ACCOUNT_RE='^([a-zA-Z_][a-zA-Z0-9_.-]*[$]?|[0-9]+)$'
check_certname() { check_pattern "$1" "$2" "$CERTNAME_RE" "certname (lowercase, as Puppet requires)"; }

# need_puppet PATH: refuse early when the puppet binary is not there.
need_puppet() {
  check_path puppet "$1"
  [ -x "$1" ] || fail puppet-missing "puppet binary $1 is not executable on this host; set the puppet parameter to the right path" "{\"puppet\":$(json_str "$1")}"
}

# ---------------------------------------------------------------- path guards
# guard_fail PARAM PATH RULE MSG: refuse a path, naming the parameter, the path and the rule broken.
guard_fail() {
  fail guard "refusing $1 '$2': $4" "{\"param\":$(json_str "$1"),\"path\":$(json_str "$2"),\"rule\":$(json_str "$3")${GUARD_ROOTS_JSON:-}}"
}

# check_path PARAM PATH: refuse an empty or relative path, the root directory, '.' or '..' components and
# control characters. Sets CHECKED to PATH without trailing slashes.
check_path() {
  [ -n "$2" ] || guard_fail "$1" "$2" empty "the path is empty"
  case $2 in /*) ;; *) guard_fail "$1" "$2" relative "the path is relative; give an absolute path" ;; esac
  case $2 in *[[:cntrl:]]*) guard_fail "$1" "$2" control-character "the path holds a control character (newline, tab...)" ;; esac
  case /$2/ in */../* | */./*) guard_fail "$1" "$2" dot-component "the path has a '.' or '..' component" ;; esac
  CHECKED=$2
  while :; do case $CHECKED in */) CHECKED=${CHECKED%/} ;; *) break ;; esac; done
  [ -n "$CHECKED" ] || guard_fail "$1" "$2" root "the path is the root directory /"
}

# resolve PATH: set RESOLVED to the canonical PATH, symlinks resolved; trailing components that do not
# exist yet are kept as given. With "leaf", a final symlink is kept as is (to act on the link itself).
resolve() {
  _r=$1 _rest=
  if [ "${2:-}" = leaf ] && [ -L "$_r" ]; then _rest=/${_r##*/}; _r=${_r%/*}; [ -n "$_r" ] || _r=/; fi
  while [ ! -e "$_r" ] && [ ! -L "$_r" ]; do
    _rest=/${_r##*/}$_rest; _r=${_r%/*}; [ -n "$_r" ] || _r=/
  done
  _r=$(readlink -f -- "$_r") || return 1
  [ -n "$_r" ] || return 1
  [ "$_r" = / ] && _r=
  RESOLVED=$_r$_rest
  [ -n "$RESOLVED" ] || RESOLVED=/
}

# guard_path PARAM PATH ROOTS [leaf]: refuse PATH unless it is safe and resolves strictly inside one of
# ROOTS (newline-separated; each resolved too). Sets GUARDED to the resolved path the task must act on.
guard_path() {
  GUARD_ROOTS_JSON=",\"allowed_roots\":$(json_list "$3")"
  check_path "$1" "$2"
  _p=$CHECKED
  resolve "$_p" "${4:-}" || guard_fail "$1" "$2" unresolvable "the path cannot be resolved (a broken symlink chain?)"
  _rp=$RESOLVED
  [ "$_rp" != / ] || guard_fail "$1" "$2" root "the path resolves to the root directory /"
  [ -n "$3" ] || guard_fail "$1" "$2" no-roots "allowed_roots is empty, so nothing may be changed"
  for _root in $3; do
    check_path allowed_roots "$_root"
    resolve "$CHECKED" || guard_fail allowed_roots "$_root" unresolvable "the root cannot be resolved"
    [ "$RESOLVED" != / ] || guard_fail allowed_roots "$_root" root "an allowed root may not be (or resolve to) /"
    case $_rp in "$RESOLVED"/*) GUARDED=$_rp; GUARD_ROOTS_JSON=; return 0 ;; esac
  done
  if [ "$_rp" = "$_p" ]; then _how="it is not inside"; else _how="it resolves to '$_rp', which is not inside"; fi
  guard_fail "$1" "$2" outside-roots "$_how any allowed root (the roots themselves are never touched); allowed: $(printf '%s' "$3" | tr '\n' ' ')"
}

# guard_tree_target PARAM PATH ROOTS: for chown and chmod: guard PATH, which must exist (and be a directory
# when contents=true); sets GUARDED and FIND_SCOPE, the find(1) options that select what is touched: PATH
# itself, or its entries (contents=true), and everything below with recursive=true. One option a line.
guard_tree_target() {
  guard_path "$1" "$2" "$3"
  [ -e "$GUARDED" ] || fail not-found "$GUARDED does not exist" "{\"path\":$(json_str "$GUARDED")}"
  [ "$contents" = false ] || [ -d "$GUARDED" ] || fail not-a-directory "contents=true needs a directory; $GUARDED is not one"
  FIND_SCOPE=
  [ "$contents" = false ] || FIND_SCOPE="-mindepth${NL}1"
  if [ "$recursive" = false ]; then
    if [ "$contents" = true ]; then _depth=1; else _depth=0; fi
    FIND_SCOPE="${FIND_SCOPE:+$FIND_SCOPE$NL}-maxdepth${NL}$_depth"
  fi
}

# check_account PARAM user|group NAME: refuse a user or group that does not exist here (ids are accepted).
check_account() {
  check_pattern "$1" "$3" "$ACCOUNT_RE" "$2 name or id"
  case $3 in *[!0-9]*) ;; *) return 0 ;; esac
  if [ "$2" = user ]; then id -u -- "$3" >/dev/null 2>&1 && return 0
  else getent group -- "$3" >/dev/null 2>&1 && return 0; fi
  fail bad-param "$2 '$3' ($1) does not exist on this host" "{\"param\":$(json_str "$1"),\"value\":$(json_str "$3")}"
}
