// The `pe` root of plan expressions: PE 3.7 defaults (plans/pe37-defaults.yaml), with the Windows section
// laid over them on WinRM targets, deep-merged with the target's inventory `vars.pe`, self-references resolved.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { Target } from '../inventory/types.js';
import { PLANS_DIR } from '../tasks/bundle.js';
import { isPlainObject } from '../tasks/puppet-type.js';
import { evaluate, hasExpressions } from './expr.js';

export const PE_DEFAULTS_FILE = path.join(PLANS_DIR, 'pe37-defaults.yaml');
export type PeValues = Record<string, unknown>;

const cache = new Map<string, PeValues>();

export function loadPeDefaults(file = PE_DEFAULTS_FILE): PeValues {
  let values = cache.get(file);
  if (!values) {
    const data: unknown = parse(readFileSync(file, 'utf8'));
    if (!isPlainObject(data)) throw new Error(`${file}: expected a map of PE defaults`);
    values = data;
    cache.set(file, values);
  }
  return values;
}

/** The `pe` values for one target (or the bare defaults when there is none). */
export function peFor(target: Target | undefined, defaults: PeValues = loadPeDefaults()): PeValues {
  let merged = defaults;
  if (target?.config.transport === 'winrm' && isPlainObject(defaults.windows)) merged = deepMerge(merged, defaults.windows);
  const override = target?.vars.pe;
  if (isPlainObject(override)) merged = deepMerge(merged, override);
  return resolveSelfReferences(merged, target?.name);
}

export function deepMerge(base: PeValues, over: PeValues): PeValues {
  const out: PeValues = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as PeValues, v) : v;
  }
  return out;
}

/** `cadir: ${pe.ssldir}/ca` follows an overridden ssldir. References to references settle in a few passes. */
function resolveSelfReferences(values: PeValues, targetName: string | undefined): PeValues {
  let current = values;
  for (let pass = 0; pass < 8 && hasExpressions(current); pass++) {
    const snapshot = current;
    current = evaluate(current, { lookup: (root) => (root === 'pe' ? { value: snapshot } : undefined) }).value as PeValues;
  }
  if (hasExpressions(current)) {
    throw new Error(`the pe values${targetName ? ` of ${targetName}` : ''} refer to each other in a circle; check vars.pe in the inventory`);
  }
  return current;
}

/** Why a `pe.a.b` path names nothing in the defaults (plans may only use keys the defaults define), or null. */
export function checkPePath(segments: ReadonlyArray<string | number>, defaults: PeValues = loadPeDefaults()): string | null {
  let value: unknown = defaults;
  const walked: Array<string | number> = [];
  for (const seg of segments) {
    if (!isPlainObject(value)) return null;
    if (!Object.hasOwn(value, String(seg))) {
      const near = Object.keys(value).join(', ');
      return `pe${walked.map((s) => `.${s}`).join('')} has no key '${seg}' in ${path.basename(PE_DEFAULTS_FILE)} (it has: ${near})`;
    }
    value = value[String(seg)];
    walked.push(seg);
  }
  return null;
}
