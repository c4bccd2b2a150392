# regen task library: reading and checking the task's parameters. Sourced after task.sh and json.sh.
# Bolt passes each parameter as the environment variable PT_<name>; arrays arrive JSON-encoded.
#
# Sets on sourcing: CERTNAME_RE, SERVICE_RE, ACCOUNT_RE (extended regular expressions for check_pattern).
# Functions (each fails the task with regen/bad-param when the value is not acceptable):
#   param NAME DEFAULT             sets the variable NAME to $PT_NAME, or to DEFAULT when it was not given
#   param_bool NAME DEFAULT        the same; the value must be true or false
#   param_list NAME DEFAULT_JSON   sets NAME to the elements of the JSON array $PT_NAME, one a line
#                                  (a bare string that is not a JSON array counts as a one-element list)
#   check_pattern LABEL VALUE ERE WHAT   refuses VALUE unless it is one line matching ERE
#   check_certname LABEL VALUE     refuses VALUE unless it is a certname (lowercase, as Puppet requires)
#   check_certnames LABEL LIST     refuses the first element of a newline-separated LIST that is not one
#   check_account LABEL user|group NAME  refuses a user or group that does not exist here (ids are accepted)
#   check_owner_group_mode OWNER GROUP MODE  checks each of them that is not empty

CERTNAME_RE='^[a-z0-9][a-z0-9._-]*$'
SERVICE_RE='^[a-zA-Z0-9][a-zA-Z0-9_.@-]*$'
ACCOUNT_RE='^([a-zA-Z_][a-zA-Z0-9_.-]*[$]?|[0-9]+)$'

param() { eval "$1=\${PT_$1-\$2}"; }

param_bool() {
  param "$1" "$2"
  eval "_b=\$$1"
  case $_b in true | false) ;; *) fail bad-param "parameter $1 must be true or false, got '$_b'" ;; esac
}

param_list() {
  param "$1" "$2"
  eval "_raw=\$$1"
  case $_raw in
    \[*) _dec=$(json_array_decode "$_raw" 2>&1) || fail bad-param "parameter $1 is not a JSON array of non-empty strings: $_dec" "{\"param\":$(json_str "$1"),\"value\":$(json_str "$_raw")}" ;;
    *) _dec=$_raw ;;
  esac
  eval "$1=\$_dec"
}

check_pattern() {
  if ! printf '%s\n' "$2" | grep -Eq "$3" || [ "$(printf '%s\n' "$2" | wc -l)" -ne 1 ]; then
    fail bad-param "$1 '$2' is not a valid $4 (expected $3)" "{\"param\":$(json_str "$1"),\"value\":$(json_str "$2")}"
  fi
}

check_certname() { check_pattern "$1" "$2" "$CERTNAME_RE" "certname (lowercase, as Puppet requires)"; }

check_certnames() {
  _bad=$(printf '%s\n' "$2" | grep -Ev -- "$CERTNAME_RE" | head -n 1)
  [ -z "$_bad" ] || check_certname "$1" "$_bad"
}

check_account() {
  check_pattern "$1" "$3" "$ACCOUNT_RE" "$2 name or id"
  case $3 in *[!0-9]*) ;; *) return 0 ;; esac
  if [ "$2" = user ]; then id -u -- "$3" >/dev/null 2>&1 && return 0
  else getent group -- "$3" >/dev/null 2>&1 && return 0; fi
  fail bad-param "$2 '$3' ($1) does not exist on this host" "{\"param\":$(json_str "$1"),\"value\":$(json_str "$3")}"
}

check_owner_group_mode() {
  [ -z "$1" ] || check_account owner user "$1"
  [ -z "$2" ] || check_account group group "$2"
  [ -z "$3" ] || check_pattern mode "$3" '^[0-7]{3,4}$' "octal mode such as 0640"
}
