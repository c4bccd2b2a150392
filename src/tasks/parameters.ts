// Checking task parameters against the task's declared Puppet types, before anything connects.
import { checkValue, coerceCliValue, isOptional, parsePuppetType, type PuppetType } from './puppet-type.js';
import type { Task } from './types.js';
import { redactKeys, sensitiveNames as sensitiveOf } from '../util/objects.js';

export type Params = Record<string, unknown>;

export function parameterType(task: Task, name: string): PuppetType {
  const spec = task.metadata.parameters?.[name];
  return parsePuppetType(spec?.type ?? 'Any');
}

/**
 * Returns the problems with a set of parameters: unknown names, missing required ones, type mismatches.
 * `unresolved` names parameters whose values are only known later (plan references): only their presence counts.
 */
export function checkParameters(task: Task, params: Params, unresolved: ReadonlySet<string> = new Set()): string[] {
  const declared = task.metadata.parameters ?? {};
  const problems: string[] = [];
  for (const name of Object.keys(params)) {
    if (!(name in declared)) {
      const known = Object.keys(declared).join(', ') || 'none';
      problems.push(`task '${task.name}' has no parameter '${name}' (it takes: ${known})`);
    }
  }
  for (const [name, spec] of Object.entries(declared)) {
    const type = parameterType(task, name);
    const given = name in params;
    if (!given) {
      if (spec.default === undefined && !isOptional(type)) {
        problems.push(`task '${task.name}' needs parameter '${name}' (${spec.type}): ${spec.description ?? ''}`.trim());
      }
      continue;
    }
    if (unresolved.has(name)) continue;
    const mismatch = checkValue(type, params[name], name);
    if (mismatch) problems.push(`task '${task.name}' parameter '${name}': ${mismatch}`);
  }
  return problems;
}

/** Fills in declared defaults for parameters not given, as Bolt does. */
export function withDefaults(task: Task, params: Params): Params {
  const result: Params = {};
  for (const [name, spec] of Object.entries(task.metadata.parameters ?? {})) {
    if (spec.default !== undefined) result[name] = spec.default;
  }
  return { ...result, ...params };
}

/** Parses `key=value` words from the command line, typed by the task's declarations. */
export function parseKeyValues(task: Task, words: string[]): { params: Params; problems: string[] } {
  return parseWords(words, (key) => (task.metadata.parameters?.[key] ? parameterType(task, key) : undefined), `regen task show ${task.name}`);
}

/**
 * Parses `key=value` words, each value converted to what its declared type expects ("3" → 3 for Integer,
 * "true" → true for Boolean); `help` is the command that lists the parameters.
 */
export function parseWords(words: string[], typeOf: (key: string) => PuppetType | undefined, help: string): { params: Params; problems: string[] } {
  const params: Params = {};
  const problems: string[] = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq <= 0) {
      problems.push(`'${word}' is not a parameter: write key=value (see \`${help}\`)`);
      continue;
    }
    const key = word.slice(0, eq);
    const type = typeOf(key);
    params[key] = type ? coerceCliValue(type, word.slice(eq + 1)) : word.slice(eq + 1);
  }
  return { params, problems };
}

/** Names of the task's sensitive parameters, whose values are redacted everywhere. */
export function sensitiveNames(task: Task): string[] {
  return sensitiveOf(task.metadata.parameters ?? {});
}

export function redactParams(task: Task, params: Params): Params {
  return redactKeys(params, sensitiveNames(task));
}
