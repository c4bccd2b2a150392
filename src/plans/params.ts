// A plan's own parameters: Puppet types plus TargetSpec, defaults, values from the command line.
import { parseWords } from '../tasks/parameters.js';
import { checkValue, isOptional, parsePuppetType, type PuppetType } from '../tasks/puppet-type.js';
import type { Plan, PlanParameter } from './types.js';
import { redactKeys, sensitiveNames } from '../util/objects.js';

/** Bolt's TargetSpec, as regen passes it around: a spec string or a list of them. */
const TARGET_SPEC = 'Variant[String[1], Array[String[1]]]';

export function planParameterType(spec: PlanParameter): PuppetType {
  return parsePuppetType((spec.type ?? 'Any').replace(/\bTargetSpec\b/g, TARGET_SPEC));
}

/** Problems with the parameter declarations themselves: bad type strings, defaults of the wrong type. */
export function checkParameterDeclarations(plan: Plan): string[] {
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(plan.parameters)) {
    const where = `${plan.source.file}:${plan.source.lineOf(['parameters', name])}: parameter '${name}'`;
    if (['target', 'vars', 'profile'].includes(name)) problems.push(`${where}: '${name}' is reserved for expressions; choose another name`);
    let type: PuppetType;
    try {
      type = planParameterType(spec);
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
      continue;
    }
    if (spec.default !== undefined) {
      const mismatch = checkValue(type, spec.default);
      if (mismatch) problems.push(`${where}: default: ${mismatch}`);
      if (JSON.stringify(spec.default).includes('${')) problems.push(`${where}: default: must be a literal value, not an expression`);
    }
  }
  return problems;
}

/** The plan's parameter values: given ones checked, defaults filled in; problems name the parameter and its type. */
export function resolvePlanParams(plan: Plan, given: Record<string, unknown>): { values: Record<string, unknown>; problems: string[] } {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const name of Object.keys(given)) {
    if (!(name in plan.parameters)) {
      const known = Object.keys(plan.parameters).join(', ') || 'none';
      problems.push(`plan '${plan.name}' has no parameter '${name}' (it takes: ${known})`);
    }
  }
  for (const [name, spec] of Object.entries(plan.parameters)) {
    const type = planParameterType(spec);
    const value = given[name] !== undefined ? given[name] : spec.default;
    if (value === undefined) {
      if (!isOptional(type)) problems.push(`plan '${plan.name}' needs parameter '${name}' (${spec.type ?? 'Any'})${spec.description ? `: ${spec.description}` : ''}`);
      continue;
    }
    const mismatch = checkValue(type, value, name);
    if (mismatch) problems.push(`plan '${plan.name}' parameter '${name}': ${mismatch}`);
    values[name] = value;
  }
  return { values, problems };
}

/** Parses `key=value` words for a plan, typed by its declarations ("true" → true for Boolean, "3" → 3 for Integer). */
export function parsePlanParams(plan: Plan, words: string[]): { params: Record<string, unknown>; problems: string[] } {
  return parseWords(words, (key) => (plan.parameters[key] ? planParameterType(plan.parameters[key]) : undefined), `regen plan show ${plan.name}`);
}

export function sensitivePlanParams(plan: Plan): string[] {
  return sensitiveNames(plan.parameters);
}

export function redactPlanParams(plan: Plan, values: Record<string, unknown>): Record<string, unknown> {
  return redactKeys(values, sensitivePlanParams(plan));
}
