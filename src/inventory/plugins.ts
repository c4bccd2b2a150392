// `_plugin` references for secrets: env_var and prompt (the two Bolt plugins regen supports).
// References are parsed and checked when the inventory loads, but only resolved for the targets a
// command selects, so nobody is prompted for a password the run will not use.
import { spawnSync } from 'node:child_process';
import type { Node } from 'yaml';
import { show, type Loc } from './errors.js';

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

  /** Where the value comes from, for messages and listings (never the value itself). */
  describe(): string {
    return 'var' in this.params ? `env_var ${this.params.var}` : `prompt '${this.params.message}'`;
  }
}

export interface PluginContext {
  env: NodeJS.ProcessEnv;
  prompt: PromptFn;
  /** One answer per reference: a prompt in a group's config is asked once for all its targets. */
  cache: Map<PluginRef, string | undefined>;
}

export type Resolved = { ok: true; value: string | undefined } | { ok: false; message: string };

export function resolvePlugin(ref: PluginRef, ctx: PluginContext): Resolved {
  if (ctx.cache.has(ref)) return { ok: true, value: ctx.cache.get(ref) };
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
  ctx.cache.set(ref, value);
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
    fail(name.node, `${path}._plugin`, `unknown plugin ${show(name.value)}; regen supports env_var and prompt`);
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
