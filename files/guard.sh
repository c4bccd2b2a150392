# regen task library: the path guards every task that writes or deletes uses before touching a path.
# Sourced after task.sh and json.sh. A refused path fails the task with regen/guard, naming the parameter,
# the path and the rule broken (empty, relative, control-character, dot-component, root, unresolvable,
# no-roots, outside-roots) in the error details.
#
# Functions whose first argument VAR names the variable they set (names starting with _ are the library's):
#   check_path VAR PARAM PATH [ROOTS]  refuses an empty or relative PATH, the root directory, '.' or '..'
#                                      components and control characters; sets VAR to PATH without
#                                      trailing slashes (ROOTS, when given, are named in the error details)
#   resolve VAR PATH [leaf]            sets VAR to the canonical PATH, symlinks resolved; trailing components
#                                      that do not exist yet are kept as given; with "leaf" a final symlink
#                                      is kept (to act on the link itself). Returns 1 when it cannot resolve
#   guard_path VAR PARAM PATH ROOTS [leaf]  refuses PATH unless it is safe and resolves strictly inside one
#                                      of ROOTS (newline-separated, each resolved too); sets VAR to the
#                                      resolved path the task must act on
#   tree_target VAR PARAM PATH ROOTS CONTENTS  guard_path, and PATH must exist (and be a directory when
#                                      CONTENTS is true): the target of chown and chmod
# Functions that print:
#   find_scope CONTENTS RECURSIVE      the find(1) options, one a line, that select what chown and chmod
#                                      touch: the target itself, or its entries (CONTENTS=true), and
#                                      everything below with RECURSIVE=true
#   guard_fail PARAM PATH RULE MSG [ROOTS]  (fails the task) refuses a path

guard_fail() {
  _roots_json=
  [ "$#" -lt 5 ] || _roots_json=",\"allowed_roots\":$(json_list "$5")"
  fail guard "refusing $1 '$2': $4" \
    "{\"param\":$(json_str "$1"),\"path\":$(json_str "$2"),\"rule\":$(json_str "$3")$_roots_json}"
}

# The roots argument is passed on to guard_fail only when check_path was given one.
check_path() {
  _cv=$1 _cp=$2 _cx=$3
  shift 3
  [ -n "$_cx" ] || guard_fail "$_cp" "$_cx" empty "the path is empty" "$@"
  case $_cx in /*) ;; *) guard_fail "$_cp" "$_cx" relative "the path is relative; give an absolute path" "$@" ;; esac
  case $_cx in
    *[[:cntrl:]]*) guard_fail "$_cp" "$_cx" control-character "the path holds a control character (newline, tab...)" "$@" ;;
  esac
  case /$_cx/ in */../* | */./*) guard_fail "$_cp" "$_cx" dot-component "the path has a '.' or '..' component" "$@" ;; esac
  _c=$_cx
  while :; do case $_c in */) _c=${_c%/} ;; *) break ;; esac; done
  [ -n "$_c" ] || guard_fail "$_cp" "$_cx" root "the path is the root directory /" "$@"
  eval "$_cv=\$_c"
}

resolve() {
  _r=$2 _rest=
  if [ "${3:-}" = leaf ] && [ -L "$_r" ]; then _rest=/${_r##*/}; _r=${_r%/*}; [ -n "$_r" ] || _r=/; fi
  while [ ! -e "$_r" ] && [ ! -L "$_r" ]; do
    _rest=/${_r##*/}$_rest; _r=${_r%/*}; [ -n "$_r" ] || _r=/
  done
  _r=$(readlink -f -- "$_r") || return 1
  [ -n "$_r" ] || return 1
  [ "$_r" = / ] && _r=
  _r=$_r$_rest
  [ -n "$_r" ] || _r=/
  eval "$1=\$_r"
}

guard_path() {
  _gv=$1 _gp=$2 _gx=$3 _groots=$4
  check_path _g "$_gp" "$_gx" "$_groots"
  resolve _grp "$_g" "${5:-}" ||
    guard_fail "$_gp" "$_gx" unresolvable "the path cannot be resolved (a broken symlink chain?)" "$_groots"
  [ "$_grp" != / ] || guard_fail "$_gp" "$_gx" root "the path resolves to the root directory /" "$_groots"
  [ -n "$_groots" ] || guard_fail "$_gp" "$_gx" no-roots "allowed_roots is empty, so nothing may be changed" "$_groots"
  for _root in $_groots; do
    check_path _gr allowed_roots "$_root" "$_groots"
    resolve _gr "$_gr" || guard_fail allowed_roots "$_root" unresolvable "the root cannot be resolved" "$_groots"
    [ "$_gr" != / ] || guard_fail allowed_roots "$_root" root "an allowed root may not be (or resolve to) /" "$_groots"
    case $_grp in "$_gr"/*) eval "$_gv=\$_grp"; return 0 ;; esac
  done
  if [ "$_grp" = "$_g" ]; then _how="it is not inside"; else _how="it resolves to '$_grp', which is not inside"; fi
  guard_fail "$_gp" "$_gx" outside-roots \
    "$_how any allowed root (the roots themselves are never touched); allowed: $(printf '%s' "$_groots" | tr '\n' ' ')" "$_groots"
}

tree_target() {
  guard_path "$1" "$2" "$3" "$4"
  eval "_t=\$$1"
  [ -e "$_t" ] || fail not-found "$_t does not exist" "{\"path\":$(json_str "$_t")}"
  [ "$5" = false ] || [ -d "$_t" ] || fail not-a-directory "contents=true needs a directory; $_t is not one"
}

find_scope() {
  [ "$1" = false ] || printf '%s\n' -mindepth 1
  if [ "$2" = false ]; then
    if [ "$1" = true ]; then printf '%s\n' -maxdepth 1; else printf '%s\n' -maxdepth 0; fi
  fi
}
