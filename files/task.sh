# regen task library: the task environment, results and errors. Every POSIX task sources it first,
# from $PT__installdir/regen/files/task.sh. POSIX sh (dash, bash --posix).
#
# Conventions for the tasks:
#   - parameters arrive as PT_<name> environment variables (arrays JSON-encoded, as Bolt does): params.sh;
#   - stdout carries exactly one JSON object (json.sh writes it); failures use fail(), which exits 1;
#   - IFS is a newline and globbing is off: lists are newline-separated, nothing is ever globbed.
#   - a helper that can fail the task and yields a value takes the name of the variable to set as its
#     first argument (a value printed inside $(...) could not stop the task: fail would only end the subshell).
#
# Sets on sourcing: LC_ALL=C, IFS, umask 022, `set -f -u`, NL (a newline), TAB, NOOP (true in no-op mode).
# Functions:
#   fail KIND MSG [DETAILS_JSON]  prints {"_error":{"kind":"regen/KIND","msg","details"}}, exits 1
#   run_capture CMD...            runs CMD with no stdin; sets OUT (stdout+stderr) and RC (its exit code)
#   last_lines N TEXT             prints the last N lines of TEXT (error details stay short)

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

fail() {
  _details=${3:-}
  [ -n "$_details" ] || _details='{}'
  printf '{"_error":{"kind":%s,"msg":%s,"details":%s}}\n' "$(json_str "regen/$1")" "$(json_str "$2")" "$_details"
  exit 1
}

run_capture() {
  OUT=$("$@" 2>&1 </dev/null)
  RC=$?
}

last_lines() { printf '%s\n' "$2" | tail -n "$1"; }
