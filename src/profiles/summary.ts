// What `regen inventory show` and `regen plan show` say about profiles: which one a target uses, what
// its inventory overrides, and which profile values a plan reads (with the values they have).
import path from 'node:path';
import type { Target } from '../inventory/types.js';
import { parseTemplate, pathsOf } from '../plans/expr.js';
import type { Plan } from '../plans/types.js';
import { isPlainObject } from '../util/objects.js';
import { BUNDLE_ROOT } from '../tasks/bundle.js';
import { profileFile, profileFor, profileNameOf } from './profile.js';

export interface ProfileChoice {
  name: string;
  file: string;
  /** The keys the target's `profile_overrides` sets, as dotted paths. */
  overrides: string[];
}

export function profileChoice(target: Target): ProfileChoice {
  const name = profileNameOf(target);
  const over = target.vars.profile_overrides;
  return { name, file: path.relative(BUNDLE_ROOT, profileFile(name.split('/')[0])), overrides: isPlainObject(over) ? leafPaths(over) : [] };
}

function leafPaths(value: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(value).flatMap(([k, v]) => (isPlainObject(v) ? leafPaths(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

/** Every `profile.…` path the plan's steps and return read (and its sub-plans', given `subPlan`), in first-use order. */
export function profileReads(plan: Plan, subPlan?: (name: string) => Plan): string[] {
  const found = new Set<string>();
  const seen = new Set<string>([plan.name]);
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (isPlainObject(value)) Object.values(value).forEach(walk);
    else if (typeof value === 'string' && value.includes('${')) {
      for (const part of parseTemplate(value).parts) {
        if (typeof part === 'string') continue;
        for (const ref of pathsOf(part.expr)) if (ref.root === 'profile') found.add(['profile', ...ref.segments].join('.'));
      }
    }
  };
  const visit = (p: Plan): void => {
    walk(p.steps);
    walk(p.return);
    for (const step of p.steps) {
      if (step.plan === undefined || !subPlan || seen.has(step.plan)) continue;
      seen.add(step.plan);
      visit(subPlan(step.plan));
    }
  };
  visit(plan);
  return [...found];
}

/** The value of a `profile.a.b` path for a target (or the default profile). */
export function profileValue(dotted: string, target?: Target): unknown {
  let value: unknown = profileFor(target);
  for (const seg of dotted.split('.').slice(1)) value = isPlainObject(value) ? value[seg] : Array.isArray(value) ? value[Number(seg)] : undefined;
  return value;
}
