// A profile is one Puppet layout (profiles/NAME.yaml): every path, owner, service list and order,
// certificate list and backup location the plans and tasks use, read by plans as ${profile.KEY}.
// A target's profile is named by its inventory var `profile` (default: pe37), as NAME or NAME/LAYOUT: a
// layout (another package layout of the same Puppet, e.g. puppet7/aio) is the file's `layouts.LAYOUT`
// section laid over its top level. On a WinRM target the file's `windows:` section is laid over next,
// and the var `profile_overrides` is deep-merged last. Values may refer to other keys (`cadir: ${profile.ssldir}/ca`);
// they are resolved after the merge, so an overridden ssldir moves everything derived from it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { Target } from '../inventory/types.js';
import { BUNDLE_ROOT } from '../tasks/bundle.js';
import { evaluate, hasExpressions } from '../plans/expr.js';
import { ValidationError } from '../errors/index.js';
import { deepMerge, isPlainObject } from '../util/objects.js';

export const PROFILES_DIR = path.join(BUNDLE_ROOT, 'profiles');
export const DEFAULT_PROFILE = 'pe37';
export type ProfileValues = Record<string, unknown>;

/** A profile that cannot be used: unknown name, unreadable file, or overrides that refer to each other in a circle. */
export class ProfileError extends ValidationError {
  override name = 'ProfileError';
}

const cache = new Map<string, ProfileValues>();

/** Every profile name a target may choose: each file's NAME, and NAME/LAYOUT for each of its layouts. */
export function profileNames(dir = PROFILES_DIR): string[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
  return files.flatMap((name) => [name, ...layoutsOf(loadProfile(name, dir)).map((l) => `${name}/${l}`)]);
}

function layoutsOf(values: ProfileValues): string[] {
  return isPlainObject(values.layouts) ? Object.keys(values.layouts) : [];
}

/** The values of a profile name: its file, with the layout of NAME/LAYOUT laid over the top level. */
export function profileValues(name: string, dir = PROFILES_DIR): ProfileValues {
  const [file, layout, ...rest] = name.split('/');
  const values = loadProfile(file, dir);
  if (layout === undefined) return values;
  const layouts = values.layouts;
  if (rest.length > 0 || !isPlainObject(layouts) || !isPlainObject(layouts[layout])) {
    throw new ProfileError(`there is no profile '${name}' (profiles: ${profileNames(dir).join(', ')}); set the target's var 'profile' to one of them`);
  }
  return deepMerge(values, layouts[layout]);
}

export function profileFile(name: string, dir = PROFILES_DIR): string {
  return path.join(dir, `${name}.yaml`);
}

/** The values of profiles/NAME.yaml as written (before overrides and self references). */
export function loadProfile(name = DEFAULT_PROFILE, dir = PROFILES_DIR): ProfileValues {
  const file = profileFile(name, dir);
  let values = cache.get(file);
  if (values) return values;
  if (!/^[a-z][a-z0-9_]*$/.test(name) || !existsSync(file)) {
    const known = readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
    throw new ProfileError(`there is no profile '${name}' (profiles: ${known.join(', ')}); set the target's var 'profile' to one of them`);
  }
  const data: unknown = parse(readFileSync(file, 'utf8'));
  if (!isPlainObject(data)) throw new ProfileError(`${file}: expected a map of profile values`);
  cache.set(file, (values = data));
  return values;
}

/** The profile a target uses: its var `profile`, else the default. */
export function profileNameOf(target: Target | undefined): string {
  const named = target?.vars.profile;
  if (named === undefined) return DEFAULT_PROFILE;
  if (typeof named !== 'string') {
    throw new ProfileError(`${target?.name}: the var 'profile' must be a profile name (${profileNames().join(', ')}); put overrides under 'profile_overrides'`);
  }
  return named;
}

/** The `profile` values for one target (or the default profile's when there is none). */
export function profileFor(target: Target | undefined): ProfileValues {
  if (target && target.vars.pe !== undefined) {
    throw new ProfileError(`${target.name}: the var 'pe' is now 'profile_overrides' (and the profile's name goes in the var 'profile'); rename it in the inventory`);
  }
  const values = profileValues(profileNameOf(target));
  let merged = values;
  if (target?.config.transport === 'winrm' && isPlainObject(values.windows)) merged = deepMerge(merged, values.windows);
  const override = target?.vars.profile_overrides;
  if (override !== undefined && !isPlainObject(override)) {
    throw new ProfileError(`${target?.name}: the var 'profile_overrides' must be a map of profile keys (e.g. {backup_dir: /srv/backups})`);
  }
  if (override) merged = deepMerge(merged, override);
  return resolveSelfReferences(merged, target?.name);
}



/** `cadir: ${profile.ssldir}/ca` follows an overridden ssldir. References to references settle in a few passes. */
function resolveSelfReferences(values: ProfileValues, targetName: string | undefined): ProfileValues {
  let current = values;
  for (let pass = 0; pass < 8 && hasExpressions(current); pass++) {
    const snapshot = current;
    current = evaluate(current, { lookup: (root) => (root === 'profile' ? { value: snapshot } : undefined) }).value as ProfileValues;
  }
  if (hasExpressions(current)) {
    throw new ProfileError(`the profile values${targetName ? ` of ${targetName}` : ''} refer to each other in a circle; check profile_overrides in the inventory`);
  }
  return current;
}

/**
 * Why a `profile.a.b` path names nothing in any profile (plans may only use keys a profile defines, so a
 * typo fails validation), or null. A key one profile lacks fails at run time for that profile's targets.
 */
export function checkProfilePath(segments: ReadonlyArray<string | number>, dir = PROFILES_DIR): string | null {
  const reasons = profileNames(dir).map((name) => missingKey(profileValues(name, dir), segments, name.split('/')[0]));
  return reasons.every((r) => r !== null) ? reasons[0] : null;
}

function missingKey(values: ProfileValues, segments: ReadonlyArray<string | number>, name: string): string | null {
  let value: unknown = values;
  const walked: Array<string | number> = [];
  for (const seg of segments) {
    if (!isPlainObject(value)) return null;
    if (!Object.hasOwn(value, String(seg))) {
      const near = Object.keys(value).join(', ');
      return `profile${walked.map((s) => `.${s}`).join('')} has no key '${seg}' in profiles/${name}.yaml (it has: ${near})`;
    }
    value = value[String(seg)];
    walked.push(seg);
  }
  return null;
}
