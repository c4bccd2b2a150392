// Turning a task, its parameters and a target's shell into one command plus its standard input.
// The command line is fixed and holds nothing secret; the script, the shared files and every
// parameter travel on stdin, so they never appear in the target's process list.
import { randomBytes } from 'node:crypto';
import { shellQuote } from '../transports/posix/wrap.js';
import { buildPowershellInvocation } from './powershell-invocation.js';
import type { Params } from './parameters.js';
import type { ResolvedImplementation, TaskFile } from './types.js';

export interface Invocation {
  command: string;
  stdin: string;
}

export interface InvocationOptions {
  dryRun?: boolean;
  /** Stop the task on the target after this many seconds (coreutils `timeout`, when the target has it). */
  timeoutSeconds?: number;
  /** Where the target's private temporary directory is made (default $TMPDIR or /tmp). */
  tmpdir?: string;
  /** Names the run's temporary directories on the target (regen.TAG.XXXXXXXX), so a later run can find its tasks. */
  tag?: string;
}

export const POSIX_COMMAND = '/bin/sh -s';

export function buildInvocation(impl: ResolvedImplementation, params: Params, options: InvocationOptions = {}): Invocation {
  if (impl.shell === 'powershell') return buildPowershellInvocation(impl, params, { dryRun: options.dryRun ?? false });
  return { command: POSIX_COMMAND, stdin: posixWrapper(impl, params, options) };
}

/** Bolt's environment convention: PT_name; strings as they are, everything else as JSON. */
export function environmentFor(params: Params): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => [`PT_${k}`, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

function posixWrapper(impl: ResolvedImplementation, params: Params, options: InvocationOptions): string {
  const all: Params = { ...params, _task: impl.task.name, ...(options.dryRun ? { _noop: true } : {}) };
  const json = JSON.stringify(all);
  const delimiter = pickDelimiter([impl.script, ...impl.files].map((f) => f.contents).concat(json));
  const viaEnv = impl.inputMethod !== 'stdin';
  const viaStdin = impl.inputMethod !== 'environment';
  const scriptPath = `"$regen_dir/${impl.script.installPath}"`;
  const timeout = options.timeoutSeconds
    ? `if command -v timeout >/dev/null 2>&1; then set -- timeout -k 5 ${Math.ceil(options.timeoutSeconds)}; else set --; fi\n`
    : 'set --\n';
  const template = `regen.${options.tag ? `${options.tag}.` : ''}XXXXXXXX`;
  const lines = [
    'set -u',
    'umask 077',
    `regen_dir=$(mktemp -d ${options.tmpdir ? shellQuote(`${options.tmpdir}/${template}`) : `"\${TMPDIR:-/tmp}/${template}"`}) || {`,
    `  echo '{"_error":{"kind":"regen/tmpdir","msg":"cannot create a private temporary directory on the target; set tmpdir in the inventory"}}'`,
    '  exit 125',
    '}',
    `trap 'rm -rf "$regen_dir"' EXIT`,
    `case $regen_dir in *[\\\\\\"]*) echo '{"_error":{"kind":"regen/tmpdir","msg":"the temporary directory path holds a quote or backslash; set a plain tmpdir in the inventory"}}'; exit 125;; esac`,
    `trap 'exit 143' HUP INT TERM`,
    ...[impl.script, ...impl.files].flatMap((f) => writeFile(f, delimiter)),
    `chmod 700 ${scriptPath}`,
    ...(viaEnv ? Object.entries(environmentFor(all)).map(([k, v]) => `export ${k}=${shellQuote(v)}`) : []),
    `export PT__installdir="$regen_dir"`,
    timeout.trimEnd(),
    // Bolt's `_installdir` is only known on the target: the quoted here-document carries the JSON up to its
    // last brace, and printf closes it with the directory (mktemp's name holds no character JSON must escape).
    viaStdin
      ? `{ cat <<'${delimiter}'\n${json.slice(0, -1)}\n${delimiter}\nprintf ',"_installdir":"%s"}\\n' "$regen_dir"; } | "$@" ${scriptPath}`
      : `"$@" ${scriptPath} </dev/null`,
    'exit $?',
    '',
  ];
  return lines.join('\n');
}

function writeFile(file: TaskFile, delimiter: string): string[] {
  const dir = file.installPath.split('/').slice(0, -1).join('/');
  return [
    `mkdir -p "$regen_dir/${dir}"`,
    `cat > "$regen_dir/${file.installPath}" <<'${delimiter}'`,
    file.contents.endsWith('\n') ? file.contents.slice(0, -1) : file.contents,
    delimiter,
  ];
}

/** A here-document delimiter that no line of the payload equals. */
function pickDelimiter(contents: string[]): string {
  for (;;) {
    const candidate = `REGEN_${randomBytes(12).toString('hex')}`;
    if (!contents.some((c) => c.split('\n').includes(candidate))) return candidate;
  }
}
