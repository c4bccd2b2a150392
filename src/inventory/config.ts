// The `config:` section: which keys each transport accepts and what values they take.
// Literal values are checked when the inventory loads; values from plugins when they are resolved.
import type { Node } from 'yaml';
import { isTransportName, TRANSPORT_NAMES, TRANSPORT_OPTIONS, type Field } from '../transports/options.js';
import type { Target } from './types.js';
import { show } from './errors.js';
import { ALL_BOLT_OPTIONS, BOLT_TRANSPORT_OPTIONS, BOLT_TRANSPORTS, isBoltTransport, OPEN_TRANSPORTS } from './bolt-schema.js';
import { join, unknownKey, type Reader } from './yamlread.js';
import { isPlainObject } from '../util/objects.js';

/** Config as written: nested plain maps whose leaves may still be plugin references. */
export type RawConfig = Record<string, unknown>;

/** Config keys whose values are secrets: redacted wherever config is shown or logged. */
const SECRET_CONFIG_KEYS = ['password', 'sudo-password', 'key-data'];

export function isSecretKey(key: string): boolean {
  return SECRET_CONFIG_KEYS.includes(key);
}

/** Every secret a target carries (passwords, key data, vars from plugins), for redacting logs. */
export function secretValues(target: Target): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key: string) => {
    if (typeof value === 'string' && isSecretKey(key)) found.push(value);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(target.config, '');
  for (const name of target.secretVars ?? []) {
    const value = target.vars[name];
    if (typeof value === 'string') found.push(value);
  }
  return found;
}

/** Describes a bad value without ever echoing a secret. */
export function gotValue(key: string, value: unknown): string {
  if (isSecretKey(key)) return typeof value === 'string' ? 'an unusable string' : `a ${typeof value}`;
  return show(value);
}

/** Checks a value; strings from plugins are parsed first. Returns the usable value or an error. */
export function checkValue(
  field: Field,
  key: string,
  value: unknown,
  fromPlugin: boolean,
): { ok: true; value: unknown } | { ok: false; message: string } {
  let v = value;
  if (fromPlugin && typeof v === 'string') {
    if (field.parse === 'int' && /^\d+$/.test(v)) v = Number(v);
    if (field.parse === 'bool' && (v === 'true' || v === 'false')) v = v === 'true';
  }
  if (field.check(v)) return { ok: true, value: v };
  return { ok: false, message: `expected ${field.expect}, got ${gotValue(key, value)}` };
}

/**
 * Reads and checks a `config:` map. Bad entries are reported and left out. Bolt options regen does
 * not use, and sections of Bolt transports regen does not run, get one warning each and are left out;
 * `transport: docker` is kept, so a target using it fails when it is connected to (connect-target.ts).
 */
export function readConfig(r: Reader, node: Node | null, path: string): RawConfig {
  const out: RawConfig = {};
  if (r.isNull(node)) return out;
  const bolt = new Set<string>([...BOLT_TRANSPORTS, ...ALL_BOLT_OPTIONS]);
  for (const e of r.boltKnown(node, path, ['transport', ...TRANSPORT_NAMES], bolt, 'a map of transport, ssh, winrm, local') ?? []) {
    const p = join(path, e.key);
    if (e.key === 'transport') {
      const v = r.scalar(e.value);
      if (isTransportName(v) || isBoltTransport(v)) out.transport = v;
      else r.fail(e.value, p, `expected one of ${TRANSPORT_NAMES.join(', ')} (or Bolt's ${BOLT_TRANSPORTS.filter((t) => !isTransportName(t)).join(', ')}, which regen does not run), got ${r.describe(e.value)}`);
      continue;
    }
    const transport = e.key;
    if (!isTransportName(transport)) continue;
    const section: RawConfig = {};
    if (!r.isNull(e.value)) {
      for (const f of r.boltKnown(e.value, p, Object.keys(TRANSPORT_OPTIONS[transport]), ALL_BOLT_OPTIONS) ?? []) {
        const value = readField(r, transport, f.key, f.value, join(p, f.key));
        if (value !== undefined) section[f.key] = value;
      }
    }
    out[transport] = section;
  }
  for (const e of r.entries(node, path) ?? []) {
    if (isBoltTransport(e.key) && !isTransportName(e.key)) checkForeignSection(r, e.key, e.value, join(path, e.key));
  }
  return out;
}

/** A Bolt transport regen does not run (already warned about): its keys must still be that transport's. */
function checkForeignSection(r: Reader, transport: (typeof BOLT_TRANSPORTS)[number], node: Node | null, path: string): void {
  if (r.isNull(node) || OPEN_TRANSPORTS.includes(transport)) return;
  const own = BOLT_TRANSPORT_OPTIONS[transport];
  for (const e of r.entries(node, path, `a map of ${transport} options`) ?? []) {
    if (!ALL_BOLT_OPTIONS.has(e.key)) r.fail(e.keyNode, join(path, e.key), unknownKey(e.key, own));
  }
}

function readField(r: Reader, transport: keyof typeof TRANSPORT_OPTIONS, key: string, node: Node | null, path: string): unknown {
  if (r.isPlugin(node)) return r.plugin(node, path);
  if (key === 'private-key' && !r.isNull(node) && r.scalar(node) === undefined) {
    const entries = r.known(node, path, ['key-data'], 'a key file path or a map with key-data');
    if (!entries) return undefined;
    const data = entries.find((e) => e.key === 'key-data');
    if (!data) {
      r.fail(node, path, "expected 'key-data' with the private key's contents");
      return undefined;
    }
    if (r.isPlugin(data.value)) {
      const ref = r.plugin(data.value, `${path}.key-data`);
      return ref && { 'key-data': ref };
    }
    const inner = r.scalar(data.value);
    if (typeof inner === 'string' && inner !== '') return { 'key-data': inner };
    r.fail(data.value, `${path}.key-data`, `expected the private key's contents, got ${gotValue('key-data', inner)}`);
    return undefined;
  }
  const value = r.scalar(node);
  const checked = checkValue(TRANSPORT_OPTIONS[transport][key], key, value === undefined ? r.plain(node) : value, false);
  if (checked.ok) return checked.value;
  r.fail(node, path, checked.message);
  return undefined;
}


/** A copy of a config (whole or one transport's section) with every secret value replaced. */
export function redactConfig<T>(config: T): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (!isPlainObject(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, inner] of Object.entries(v)) out[k] = isSecretKey(k) && inner !== undefined ? '[redacted]' : walk(inner);
    return out;
  };
  return walk(config) as T;
}
