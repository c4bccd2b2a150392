// Reads a PowerShell task payload back the way powershell.exe would: base64 text on stdin
// decodes to a wrapper script, whose literals (single-quoted strings, (D 'base64'), numbers,
// $true/$false/$null, @(...) arrays and @{...} hashtables) are evaluated here. Used by the
// simulated Windows agent and by the tests of the payload builder.

export interface DecodedPayload {
  /** The wrapper script that the bootstrap runs. */
  wrapper: string;
  /** Install path of the task script, e.g. "regen/tasks/service.ps1". */
  taskPath: string;
  /** Short task name from the script's file name, e.g. "service". */
  taskName: string;
  /** Every file written under $_installdir, by install path, as text (a leading BOM removed). */
  files: Map<string, string>;
  /** The parameters splatted into the script, `_installdir` excluded. */
  params: Record<string, unknown>;
  /** PT_* environment variables set for the script (environment/both input methods). */
  env: Record<string, string>;
  /** The JSON piped to the script's stdin (stdin/both input methods), or null. */
  stdinJson: string | null;
  noop: boolean;
}

export class PayloadError extends Error {}

/** The `(D '...')` helper of the wrapper: base64 to UTF-8 text. */
function fromBase64(b64: string): string {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new PayloadError(`not base64: ${b64.slice(0, 40)}`);
  return Buffer.from(b64, 'base64').toString('utf8');
}

const INSTALLDIR = Symbol('$dir');

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  fail(what: string): never {
    const line = this.text.slice(0, this.pos).split('\n').length;
    throw new PayloadError(`wrapper line ${line}: expected ${what} at ${JSON.stringify(this.text.slice(this.pos, this.pos + 30))}`);
  }
  ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }
  eat(token: string): boolean {
    this.ws();
    if (!this.text.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }
  expect(token: string): void {
    if (!this.eat(token)) this.fail(`'${token}'`);
  }
  quoted(): string {
    this.expect("'");
    let out = '';
    for (;;) {
      const end = this.text.indexOf("'", this.pos);
      if (end < 0) this.fail('a closing quote');
      out += this.text.slice(this.pos, end);
      this.pos = end + 1;
      if (this.text[this.pos] !== "'") return out;
      out += "'";
      this.pos++;
    }
  }
  value(): unknown {
    this.ws();
    const rest = this.text.slice(this.pos);
    if (rest.startsWith("'")) return this.quoted();
    if (this.eat('(D ')) {
      const s = fromBase64(this.quoted());
      this.expect(')');
      return s;
    }
    for (const [word, v] of [['$true', true], ['$false', false], ['$null', null], ['$dir', INSTALLDIR]] as const) {
      if (new RegExp(`^\\${word}\\b`).test(rest)) {
        this.pos += word.length;
        return v;
      }
    }
    if (this.eat("[double]")) return Number(this.quoted());
    const num = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
    if (num) {
      this.pos += num[0].length;
      return Number(num[0]);
    }
    if (this.eat('@(')) {
      const items: unknown[] = [];
      if (this.eat(')')) return items;
      const single = this.eat(',');
      do items.push(this.value());
      while (!single && this.eat(','));
      this.expect(')');
      return items;
    }
    if (this.eat('@{')) {
      const obj: Record<string, unknown> = {};
      while (!this.eat('}')) {
        const key = this.value();
        if (typeof key !== 'string') this.fail('a string key');
        this.expect('=');
        obj[key as string] = this.value();
        this.eat(';');
      }
      return obj;
    }
    return this.fail('a PowerShell literal');
  }
}

/** Evaluates the literal assigned by the first line that starts with `prefix`. */
function assigned(wrapper: string, prefix: string): unknown {
  const at = wrapper.search(new RegExp(`^${prefix.replace(/[$[\]().]/g, '\\$&')}`, 'm'));
  if (at < 0) throw new PayloadError(`the wrapper has no line starting with ${prefix}`);
  const reader = new Reader(wrapper);
  reader.pos = at + prefix.length;
  return reader.value();
}

/** Base64 text (any line breaks) → the wrapper script, as the bootstrap decodes it. */
export function decodeWrapper(stdin: string | Buffer): string {
  const b64 = stdin.toString().replace(/\s/g, '');
  if (b64.length === 0) throw new PayloadError('empty payload');
  return fromBase64(b64);
}

export function decodePowershellPayload(stdin: string | Buffer): DecodedPayload {
  const wrapper = decodeWrapper(stdin);
  const taskPath = assigned(wrapper, '$task = ');
  if (typeof taskPath !== 'string') throw new PayloadError('$task is not a string');
  const fileTable = assigned(wrapper, '$files = ') as Record<string, unknown>;
  const files = new Map<string, string>();
  for (const [p, b64] of Object.entries(fileTable)) {
    files.set(p, fromBase64(String(b64)).replace(/^\uFEFF/, ''));
  }
  if (!files.has(taskPath)) throw new PayloadError(`the task script ${taskPath} is not among the files`);
  const all = assigned(wrapper, '$params = ') as Record<string, unknown>;
  if (all._installdir !== INSTALLDIR) throw new PayloadError('_installdir is not the private temp dir');
  const { _installdir: _ignored, _noop, ...params } = all;
  const env: Record<string, string> = {};
  const envLine = /^\[Environment\]::SetEnvironmentVariable\('([A-Za-z0-9_]+)', /gm;
  for (let m = envLine.exec(wrapper); m; m = envLine.exec(wrapper)) {
    const reader = new Reader(wrapper);
    reader.pos = m.index + m[0].length;
    env[m[1]] = String(reader.value());
  }
  const stdinJson = assigned(wrapper, '$stdinJson = ') as string | null;
  const taskName = (taskPath.split('/').pop() ?? '').replace(/\.ps1$/i, '');
  return { wrapper, taskPath, taskName, files, params, env, stdinJson, noop: _noop === true };
}
