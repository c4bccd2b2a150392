// `_plugin` references: env_var and prompt for secrets, yaml to compose an inventory from files (the
// Bolt plugins regen implements; none of them needs the network). env_var and prompt are parsed and
// checked when the inventory loads, but only resolved for the targets a command selects, so nobody is
// prompted for a password the run will not use; yaml is read when the inventory loads (yamlread.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Node } from 'yaml';
import { didYouMean, show, type Loc } from './errors.js';

/** What to do about a Bolt plugin regen does not implement. */
export const BOLT_PLUGIN_HINT =
  "regen implements the env_var, prompt and yaml plugins only (it talks to no inventory service): write the targets " +
  "or values into the inventory, for example from the output of 'bolt inventory show --targets all --detail' where Bolt " +
  'runs, or keep them in another YAML file included with { _plugin: yaml, filepath: FILE }';

/** Why a `_plugin` map cannot stand where a map or list of the inventory itself is expected. */
export function pluginHere(name: unknown, what: string): string {
  if (name === 'env_var' || name === 'prompt') {
    return `the ${name} plugin gives one value (a secret in config or vars, a target's uri or name), not ${what}`;
  }
  const which = typeof name === 'string' ? `'${name}'` : show(name);
  return `Bolt plugin ${which} is not implemented by regen; ${BOLT_PLUGIN_HINT}`;
}

/** The deepest chain of yaml plugin files (a file including itself would loop). */
const MAX_INCLUDE_DEPTH = 8;

/**
 * Reads the file a `{ _plugin: yaml, filepath: FILE }` reference names, relative to `dir` (the
 * inventory's directory). Undefined with an issue reported when the reference or the file is unusable.
 */
export function includeFile(
  params: Record<string, { value: unknown; node: Node }>,
  dir: string,
  depth: number,
  fail: (at: Node | undefined, message: string) => void,
): { file: string; text: string } | undefined {
  let ok = true;
  for (const [key, { node }] of Object.entries(params)) {
    if (key === '_plugin' || key === 'filepath') continue;
    fail(node, `unknown yaml plugin parameter '${key}'${didYouMean(key, ['filepath'])}; expected: filepath`);
    ok = false;
  }
  const filepath = params.filepath?.value;
  if (typeof filepath !== 'string' || filepath === '') {
    fail(params.filepath?.node, `the yaml plugin needs 'filepath': the YAML file to read, relative to ${dir}`);
    return undefined;
  }
  if (!ok) return undefined;
  if (depth >= MAX_INCLUDE_DEPTH) {
    fail(params.filepath.node, `yaml plugin files include each other more than ${MAX_INCLUDE_DEPTH} deep (does '${filepath}' include itself?)`);
    return undefined;
  }
  const file = resolve(dir, filepath);
  try {
    return { file, text: readFileSync(file, 'utf8') };
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    fail(params.filepath.node, `yaml plugin: cannot read ${file}: ${why} (filepath is relative to the inventory's directory, ${dir})`);
    return undefined;
  }
}

export type PromptFn = (message: string) => string;

interface EnvVarParams {
  var: string;
  default?: string;
  optional?: boolean;
}

export class PluginRef {
  constructor(
    readonly plugin: 'env_var' | 'prompt',
    readonly params: Readonly<EnvVarParams> | Readonly<{ message: string }>,
    readonly loc: Loc,
    readonly path: string,
  ) {}

  /** One per place in the inventory, however often the inventory is read. */
  get key(): string {
    return `${this.loc.file}\n${this.path}`;
  }

  /** Where the value comes from, for messages and listings (never the value itself). */
  describe(): string {
    return 'var' in this.params ? `env_var ${this.params.var}` : `prompt '${this.params.message}'`;
  }
}

export interface PluginContext {
  env: NodeJS.ProcessEnv;
  prompt: PromptFn;
  /** One answer per reference: a prompt in a group's config is asked once for all its targets. */
  cache: Map<string, string | undefined>;
}

export type Resolved = { ok: true; value: string | undefined } | { ok: false; message: string };

export function resolvePlugin(ref: PluginRef, ctx: PluginContext): Resolved {
  if (ctx.cache.has(ref.key)) return { ok: true, value: ctx.cache.get(ref.key) };
  let value: string | undefined;
  if ('var' in ref.params) {
    const p = ref.params;
    value = ctx.env[p.var] ?? p.default;
    if (value === undefined && !p.optional) {
      return {
        ok: false,
        message: `environment variable ${p.var} is not set (export it, or give the plugin a 'default' or 'optional: true')`,
      };
    }
  } else {
    try {
      value = ctx.prompt(ref.params.message);
    } catch (e) {
      return { ok: false, message: e instanceof Error ? e.message : String(e) };
    }
  }
  ctx.cache.set(ref.key, value);
  return { ok: true, value };
}

const PARAMS = {
  env_var: { var: 'string', default: 'string', optional: 'boolean' },
  prompt: { message: 'string' },
} as const;

type Fail = (at: Node, path: string, message: string) => void;

/** Checks a `_plugin` map's parameters; undefined (with issues reported) when it is unusable. */
export function readPluginParams(
  params: Record<string, { value: unknown; node: Node }>,
  path: string,
  loc: Loc,
  fail: Fail,
): PluginRef | undefined {
  const name = params._plugin;
  if (name.value !== 'env_var' && name.value !== 'prompt') {
    fail(name.node, `${path}._plugin`, `Bolt plugin ${show(name.value)} is not implemented by regen; ${BOLT_PLUGIN_HINT}`);
    return undefined;
  }
  const spec: Record<string, string> = PARAMS[name.value];
  let ok = true;
  const out: Record<string, unknown> = {};
  for (const [key, { value, node }] of Object.entries(params)) {
    if (key === '_plugin') continue;
    if (!(key in spec)) {
      fail(node, `${path}.${key}`, `unknown ${name.value} parameter '${key}'; expected one of: ${Object.keys(spec).join(', ')}`);
      ok = false;
    } else if (typeof value !== spec[key]) {
      fail(node, `${path}.${key}`, `expected a ${spec[key]}, got ${show(value)}`);
      ok = false;
    } else out[key] = value;
  }
  const required = name.value === 'env_var' ? 'var' : 'message';
  if (!(required in params)) {
    fail(name.node, path, `the ${name.value} plugin needs '${required}'`);
    ok = false;
  } else if (required === 'var' && typeof out.var === 'string' && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(out.var)) {
    fail(params.var.node, `${path}.var`, `expected an environment variable name, got ${show(out.var)}`);
    ok = false;
  }
  if (!ok) return undefined;
  return new PluginRef(name.value, out as unknown as EnvVarParams | { message: string }, loc, path);
}

/**
 * Asks on the terminal without echo. The answer comes back through a pipe, never on a command
 * line; a shell does the reading so that Ctrl-C restores echo before the process dies.
 */
export const ttyPrompt: PromptFn = (message) => {
  if (!process.stdin.isTTY) {
    throw new Error(
      `cannot prompt for '${message}': standard input is not a terminal. ` +
        'Run regen interactively, or give the secret with { _plugin: env_var, var: NAME } instead',
    );
  }
  const script =
    'trap \'stty echo </dev/tty; exit 130\' INT TERM; printf "%s: " "$1" >/dev/tty; stty -echo </dev/tty; ' +
    'IFS= read -r v </dev/tty; s=$?; stty echo </dev/tty; printf "\\n" >/dev/tty; printf "%s" "$v"; exit $s';
  const r = spawnSync('/bin/sh', ['-c', script, 'regen-prompt', message], {
    stdio: ['inherit', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`no answer to the prompt '${message}' (the terminal was closed or interrupted)`);
  return r.stdout;
};
