// What Windows PowerShell itself does around a regen task script, emulated: binding the
// splatted parameters to the script's typed param() block, the script's `exit` through
// Write-RegenResult / Exit-RegenError, and ConvertTo-RegenJson's output (sorted hashtable
// keys, non-ASCII as \uXXXX).

export interface ScriptParameter {
  name: string;
  /** The PowerShell type in the param block: string, int, bool, switch, string[]. */
  type: string;
  default?: unknown;
}

/** The task ended: like `exit N` after one JSON object on stdout. */
export class TaskExit extends Error {
  constructor(
    readonly exitCode: number,
    readonly output: unknown,
  ) {
    super(`task exit ${exitCode}`);
  }
}

/** Write-RegenResult: the result object, exit 0. */
export function result(value: Record<string, unknown>): never {
  throw new TaskExit(0, value);
}

/** Exit-RegenError: {"_error": {kind, msg, details}}, exit 1. */
export function fail(kind: string, msg: string, details: Record<string, unknown> = {}): never {
  throw new TaskExit(1, { _error: { kind, msg, details } });
}

/** A parameter PowerShell cannot bind: the wrapper's catch turns it into regen/task-exception. */
export class BindError extends Error {}

function literal(text: string): unknown {
  const t = text.trim();
  if (/^'.*'$/.test(t)) return t.slice(1, -1).replace(/''/g, "'");
  if (t === '$true') return true;
  if (t === '$false') return false;
  if (t === '$null') return null;
  if (/^-?\d+$/.test(t)) return Number(t);
  throw new Error(`the simulator does not understand the default value ${t}`);
}

/** The script's top-level param(...) block: names, types and literal defaults. */
export function parseParamBlock(script: string): ScriptParameter[] {
  const block = /^param\(\s*\r?\n([\s\S]*?)\r?\n\)/m.exec(script);
  if (!block) throw new Error('the task script has no param( ... ) block');
  return block[1]
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const m = /^\s*\[([A-Za-z[\]]+)\]\$(\w+)(?:\s*=\s*(.+?))?,?\s*$/.exec(line);
      if (!m) throw new Error(`the simulator does not understand the parameter line ${JSON.stringify(line)}`);
      return { name: m[2], type: m[1].toLowerCase(), ...(m[3] !== undefined ? { default: literal(m[3]) } : {}) };
    });
}

function psString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return v.map(psString).join(' ');
  if (typeof v === 'object') return 'System.Collections.Hashtable';
  return String(v);
}

function convert(p: ScriptParameter, v: unknown): unknown {
  const cannot = (to: string, extra = '') =>
    new BindError(
      `Cannot process argument transformation on parameter '${p.name}'. Cannot convert value "${psString(v)}" to type "${to}".${extra}`,
    );
  switch (p.type) {
    case 'string':
      return psString(v);
    case 'string[]':
      return (Array.isArray(v) ? v : [v]).map(psString);
    case 'int': {
      const n = typeof v === 'boolean' ? Number(v) : typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw cannot('System.Int32');
      return Math.round(n);
    }
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'number') return v !== 0;
      throw cannot('System.Boolean', ' Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.');
    case 'switch':
      return v === true || (typeof v === 'number' && v !== 0);
    default:
      throw new Error(`the simulator does not bind parameters of type [${p.type}]`);
  }
}

/**
 * The wrapper keeps only the parameters the script declares, then PowerShell binds them:
 * a missing one takes its default ('' for [string], 0 for [int], $false for [bool]/[switch],
 * $null for [string[]]).
 */
export function bindParameters(declared: ScriptParameter[], given: Record<string, unknown>): Record<string, unknown> {
  const bound: Record<string, unknown> = {};
  for (const p of declared) {
    if (p.name in given) bound[p.name] = convert(p, given[p.name]);
    else if (p.default !== undefined) bound[p.name] = p.default;
    else bound[p.name] = { string: '', int: 0, bool: false, switch: false }[p.type] ?? null;
  }
  return bound;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort((a, b) => a.localeCompare(b, 'en'))
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** ConvertTo-RegenJson as files/task.ps1 writes it, plus the CRLF of [Console]::Out.WriteLine. */
export function psJsonLine(v: unknown): string {
  const json = JSON.stringify(sortKeys(v)).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `${json}\r\n`;
}

/** The wrapper's catch block: an exception from binding or the script, as regen/task-exception. */
export function wrapperException(message: string, taskPath: string): TaskExit {
  return new TaskExit(1, { _error: { kind: 'regen/task-exception', msg: message, details: { task: taskPath } } });
}
