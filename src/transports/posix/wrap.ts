// How a command is wrapped before it reaches a POSIX target (over SSH or locally), and the
// script that stops a wrapped command's whole process tree.
//
// The wrapper's first act is to print a marker line on stderr with its pid and process group,
//   __regen_<nonce>:<pid>:<pgid>
// and `__regen_<nonce>` on stdout; then it execs `/bin/sh -c COMMAND` in place (same pid). The
// stderr marker tells the caller that sudo (if any) has let us through, and which processes to
// kill on timeout or abort; anything before the stdout marker is login noise (e.g. a chatty
// .bashrc) and is dropped, so a task's JSON output stays clean.
import { randomBytes } from 'node:crypto';

export interface RunAs {
  user: string;
  /** Fed on stdin when sudo prompts; never on a command line. Absent: `sudo -n` (NOPASSWD rules). */
  password?: string;
}

export interface Wrapped {
  /** The command line to hand to the target's shell. */
  line: string;
  /** Unique sudo prompt we wait for before writing the password (only with a password). */
  prompt?: string;
  marker: RegExp;
  /** Removes our prompt and marker from the raw stderr text. */
  clean(stderr: string): string;
  /** Drops the login noise before our marker from raw stdout. */
  cleanStdout(stdout: Buffer): Buffer;
}

/** Quotes a string for a POSIX shell: the result is one word whatever the input holds. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function wrapCommand(command: string, runAs?: RunAs, nonce = randomBytes(6).toString('hex')): Wrapped {
  const tag = `__regen_${nonce}`;
  // /proc/$$/stat's 5th field is the process group (read with builtins: no fork); `ps` elsewhere.
  const inner =
    'g=; [ -r /proc/$$/stat ] && read -r _ _ _ _ g _ < /proc/$$/stat; ' +
    '[ -n "$g" ] || g=$(ps -o pgid= -p $$); ' +
    `printf "${tag}:%s:%s\\n" $$ $g >&2; printf "${tag}\\n"; ` +
    'exec /bin/sh -c "$1"';
  const body = `/bin/sh -c ${shellQuote(inner)} regen ${shellQuote(command)}`;
  let line = body;
  let prompt: string | undefined;
  if (runAs) {
    if (runAs.password !== undefined) {
      prompt = `regen-sudo-${nonce}:`;
      line = `sudo -S -H -p ${shellQuote(prompt)} -u ${shellQuote(runAs.user)} -- ${body}`;
    } else {
      line = `sudo -n -H -u ${shellQuote(runAs.user)} -- ${body}`;
    }
  }
  const markerLine = new RegExp(`${tag}:\\d+:\\d+\\n`, 'g');
  return {
    line,
    prompt,
    marker: new RegExp(`${tag}:(\\d+):(\\d+)\\n`),
    clean: (stderr) => {
      let out = stderr.replace(markerLine, '');
      if (prompt) out = out.split(prompt).join('');
      return out;
    },
    cleanStdout: (stdout) => {
      const at = stdout.indexOf(`${tag}\n`);
      return at < 0 ? stdout : stdout.subarray(at + tag.length + 1);
    },
  };
}

/**
 * A script (for `/bin/sh -s`) that stops process `pid`, every descendant of it and every member of
 * process group `pgid`: freeze them (so none forks away), TERM, wait up to ~2 s, then KILL what is
 * left. The tree walk matters: coreutils `timeout` moves its child into a process group of its own.
 */
export function killScript(pid: number, pgid: number): string {
  return `r=${pid}; g=${pgid}
snap() {
  ps -eo pid=,ppid=,pgid=,stat= | awk -v r="$r" -v g="$g" -v self="$$" '
    { pp[$1] = $2; pg[$1] = $3; st[$1] = $4 }
    END {
      for (p in pp) {
        if (st[p] ~ /^Z/ || p == self || pp[p] == self) continue
        q = p; n = 0
        while (q != r && q > 1 && n < 500) { q = pp[q]; n++ }
        if (q == r || pg[p] == g) printf "%s ", p
      }
    }'
}
alive() {
  [ -n "$1" ] || return 0
  ps -o pid=,stat= -p "$(echo $1 | tr ' ' ',')" 2>/dev/null | awk '$2 !~ /^Z/ { printf "%s ", $1 }'
}
all=$(snap)
[ -n "$all" ] || exit 0
kill -s STOP $all 2>/dev/null
all="$all $(snap)"
kill -s STOP $all 2>/dev/null
kill -s TERM $all 2>/dev/null
kill -s CONT $all 2>/dev/null
n=0
while [ $n -lt 20 ]; do
  left=$(alive "$all")
  [ -z "$left" ] && exit 0
  sleep 0.1 2>/dev/null || sleep 1
  n=$((n + 1))
done
left=$(alive "$all")
[ -n "$left" ] && kill -s KILL $left 2>/dev/null
exit 0
`;
}
