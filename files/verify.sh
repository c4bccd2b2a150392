# regen task library: the named checks of the read-only pre-flight and verification tasks. Sourced after
# task.sh and json.sh.
#
# Every check is reported as {"name","ok","detail"}; a failed check's detail says what is wrong and what to
# do, so the task's error message is the list of failed checks, one "- NAME: DETAIL" a line.
# Sets (the record of checks, kept by this file): CHECKS_TSV (one "NAME<TAB>OK<TAB>DETAIL" a line),
#   FAILED_CHECKS ("- NAME: DETAIL" lines of the failed ones), FAILED_NAMES (their names, one a line).
# Functions:
#   record_check NAME true|false DETAIL   records one check
#   checks_passed                         status 0 when no recorded check failed
#   checks_json                           prints the recorded checks as a JSON array
#   comma_join LIST                       prints a newline-separated LIST as "a, b, c"

CHECKS_TSV=
FAILED_CHECKS=
FAILED_NAMES=

record_check() {
  _d=$3
  case $_d in *"$NL"* | *"$TAB"*) _d=$(printf '%s' "$_d" | tr '\n\t' '  ') ;; esac
  CHECKS_TSV="${CHECKS_TSV:+$CHECKS_TSV$NL}$1$TAB$2$TAB$_d"
  if [ "$2" != true ]; then
    FAILED_CHECKS="$FAILED_CHECKS$NL- $1: $_d"
    FAILED_NAMES="${FAILED_NAMES:+$FAILED_NAMES$NL}$1"
  fi
}

checks_passed() { [ -z "$FAILED_NAMES" ]; }

checks_json() {
  printf '%s\n' "$CHECKS_TSV" | awk -F "$TAB" "$AWK_JSON"'
    BEGIN { printf "[" }
    NF == 3 { printf "%s{\"name\":%s,\"ok\":%s,\"detail\":%s}", (n++ ? "," : ""), jstr($1), ($2 == "true" ? "true" : "false"), jstr($3) }
    END { printf "]" }'
}

comma_join() {
  _j=
  for _x in $1; do _j="${_j:+$_j, }$_x"; done
  printf '%s' "$_j"
}
