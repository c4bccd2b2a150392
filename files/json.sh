# regen task library: JSON written and read with awk (LC_ALL=C: bytes in, bytes out). Sourced by every
# task after task.sh. Written for the /bin/sh and awk a 2015 target has (dash or bash, mawk or gawk).
#
# Sets on sourcing (awk source text to put before an awk program, as awk "$AWK_JSON"'...'):
#   AWK_JSON       awk function jstr(S): S as a JSON string literal
#   AWK_JSON_READ  awk function jread(WHAT): reads the JSON string at src[i..] (the whole input is in src,
#                  its length in n); bad(MSG) ends the program with MSG on stderr and exit status 2
# Functions (each prints its result on stdout):
#   json_str VALUE             VALUE as a JSON string literal
#   json_lines                 the lines of stdin as a JSON array of strings
#   json_list LIST             a newline-separated LIST as a JSON array of strings
#   json_array_decode TEXT     the elements of a JSON array of non-empty strings, one a line (status 2 if bad)
#   json_objects_decode TEXT   a JSON array of objects as "N" and "N<TAB>KEY<TAB>VALUE" lines (status 2 if bad)
#   object_field RECORDS N KEY the values of KEY in object N of json_objects_decode's output, one a line

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

# json_objects_decode TEXT: a JSON array of objects whose values are strings, booleans, arrays of strings or
# null, one line per object ("N", counting from 1) then one line per value: "N<TAB>KEY<TAB>VALUE" (a boolean
# gives true or false, an array one line per element, null none). Keys and values holding control characters are refused.
json_objects_decode() {
  printf '%s' "$1" | awk "$AWK_JSON_READ"'
    function str(what) { return jread(what " in element " obj) }
    function emit(key, value) { out = out obj "\t" key "\t" value "\n" }
    END {
      if (failed) exit 2
      n = length(src); i = 1; obj = 0; out = ""; ws()
      if (substr(src, i, 1) != "[") bad("not a JSON array")
      i++; ws()
      if (substr(src, i, 1) == "]") i++
      else for (;;) {
        ws(); if (substr(src, i, 1) != "{") bad("element " obj + 1 " is not an object")
        obj++; i++; out = out obj "\n"; ws()
        if (substr(src, i, 1) == "}") i++
        else for (;;) {
          ws(); key = str("a key"); ws()
          if (substr(src, i, 1) != ":") bad("expected : after \"" key "\" in element " obj)
          i++; ws(); c = substr(src, i, 1)
          if (c == "\"") emit(key, str("\"" key "\""))
          else if (c == "[") {
            i++; ws()
            if (substr(src, i, 1) == "]") i++
            else for (;;) {
              ws(); emit(key, str("an element of \"" key "\"")); ws()
              c = substr(src, i, 1); i++
              if (c == "]") break
              if (c != ",") bad("expected , or ] in \"" key "\" of element " obj)
            }
          } else if (substr(src, i, 4) == "null") i += 4
          else if (substr(src, i, 4) == "true") { emit(key, "true"); i += 4 }
          else if (substr(src, i, 5) == "false") { emit(key, "false"); i += 5 }
          else bad("\"" key "\" in element " obj " must be a string, a boolean or an array of strings")
          ws(); c = substr(src, i, 1); i++
          if (c == "}") break
          if (c != ",") bad("expected , or } in element " obj)
        }
        ws(); c = substr(src, i, 1); i++
        if (c == "]") break
        if (c != ",") bad("expected , or ] after element " obj)
      }
      ws(); if (i <= n) bad("text after the array")
      printf "%s", out
    }'
}

# object_field RECORDS N KEY: the values of KEY in object N of json_objects_decode's output, one a line.
object_field() {
  _v=
  for _l in $1; do
    case $_l in "$2$TAB$3$TAB"*) _v="${_v:+$_v$NL}${_l#"$2$TAB$3$TAB"}" ;; esac
  done
  printf '%s' "$_v"
}
