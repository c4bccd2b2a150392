// Everything that can be checked before anything connects: tasks and sub-plans exist, task parameters
// exist and literal values match their Puppet types, every ${...} reference names something that exists
// by then. All problems are collected, each as FILE:LINE: step: key: what.
import { PLANS_DIR } from '../tasks/bundle.js';
import { findTask } from '../tasks/load.js';
import { editDistance } from '../util/text.js';
import type { Task } from '../tasks/types.js';
import { ExpressionError, parseTemplate, pathsOf } from './expr.js';
import { loadPlan } from './load.js';
import { checkParameterDeclarations } from './params.js';
import { checkProfilePath } from '../profiles/profile.js';
import { STEP_KINDS } from './steps/index.js';
import { PlanError, shortName, stepKind, stepLabel, type Plan, type PlanStep } from './types.js';

/** The tasks and plans a plan may use; sub-plans are loaded once and kept. */
export class PlanLibrary {
  private readonly plans = new Map<string, Plan>();

  constructor(readonly tasks: Map<string, Task>, readonly plansDir = PLANS_DIR) {}

  plan(name: string): Plan {
    const key = shortName(name);
    let plan = this.plans.get(key);
    if (!plan) {
      plan = loadPlan(key, this.plansDir);
      this.plans.set(key, plan);
    }
    return plan;
  }

  task(name: string): Task {
    return findTask(this.tasks, name);
  }
}

export const ROOTS = ['target', 'vars', 'profile'] as const;
/** What `${target.X}` may read (its connection config stays out of plans: it holds secrets). */
export const TARGET_FIELDS = ['name', 'uri', 'host', 'alias', 'vars', 'facts', 'groups'];

/** Throws PlanError listing every problem of the plan and of the sub-plans it runs. */
export function checkPlan(plan: Plan, library: PlanLibrary): void {
  const problems = validatePlan(plan, library);
  if (problems.length > 0) throw new PlanError(problems);
}

export function validatePlan(plan: Plan, library: PlanLibrary, seen = new Set<string>()): string[] {
  seen.add(plan.name);
  const problems = checkParameterDeclarations(plan);
  const at = (path: Array<string | number>, step: PlanStep | undefined, index: number, key: string, msg: string) =>
    problems.push(`${plan.source.file}:${plan.source.lineOf(path)}: ${step ? `${stepLabel(step, index)}: ` : ''}${key ? `${key}: ` : ''}${msg}`);
  const laterNames = new Map(plan.steps.map((s, i) => [s.name, i] as const).filter(([n]) => n !== undefined));
  const known = new Set<string>([...Object.keys(plan.parameters), ...ROOTS]);

  plan.steps.forEach((step, index) => {
    const base: Array<string | number> = ['steps', index];
    const kind = stepKind(step);
    const refs = (key: string, value: unknown, extra: string[] = []) =>
      checkReferences(value, [...base, key], new Set([...known, ...extra]), laterNames, index, (path, msg) => at(path, step, index, path.slice(2).join('.'), msg));
    if (step.name) {
      if (known.has(step.name)) {
        const what = (ROOTS as readonly string[]).includes(step.name) ? 'a reserved name' : plan.parameters[step.name] ? 'a plan parameter' : 'an earlier step';
        at([...base, 'name'], step, index, 'name', `'${step.name}' is already ${what}; step names must be unique`);
      }
    }
    if (kind) problems.push(...STEP_KINDS[kind].check({ plan, step, index, library, seen, validatePlan }));
    for (const key of ['targets', 'for_each', 'concurrency', 'parameters', 'message', 'confirm'] as const) {
      if (step[key] !== undefined) refs(key, step[key]);
    }
    for (const key of ['state', 'backup', 'restore', 'start'] as const) {
      if (step[key] !== undefined) refs(key, step[key], step.name ? [step.name] : []);
    }
    if (step.resume_from !== undefined && !plan.steps.slice(0, index).some((s) => s.name === step.resume_from)) {
      at([...base, 'resume_from'], step, index, 'resume_from', `'${step.resume_from}' is not an earlier step of this plan`);
    }
    if (step.name) known.add(step.name);
  });
  for (const key of ['journal', 'site_lock'] as const) {
    if (plan[key] === undefined) continue;
    checkReferences(plan[key], [key], new Set([...Object.keys(plan.parameters), 'profile']), new Map(), 0, (path, msg) =>
      problems.push(`${plan.source.file}:${plan.source.lineOf(path)}: ${path.join('.')}: ${msg}`));
  }
  for (const role of ['agents', 'master'] as const) {
    const name = plan.coverage?.[role];
    if (name !== undefined && plan.parameters[name]?.type !== 'TargetSpec') {
      problems.push(`${plan.source.file}:${plan.source.lineOf(['coverage', role])}: coverage.${role}: '${name}' is not a TargetSpec parameter of this plan`);
    }
  }
  if (plan.return !== undefined) {
    checkReferences(plan.return, ['return'], known, new Map(), plan.steps.length, (path, msg) =>
      problems.push(`${plan.source.file}:${plan.source.lineOf(path)}: ${path.join('.')}: ${msg}`));
  }
  return [...new Set(problems)]; // a sub-plan run by several steps is reported once
}

/** Checks every ${...} in a value: syntax, roots known by this point, later steps, pe keys. */
function checkReferences(
  value: unknown, path: Array<string | number>, known: Set<string>, steps: Map<string | undefined, number>, index: number,
  report: (path: Array<string | number>, msg: string) => void,
): void {
  if (Array.isArray(value)) return value.forEach((v, i) => checkReferences(v, [...path, i], known, steps, index, report));
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) checkReferences(v, [...path, k], known, steps, index, report);
    return;
  }
  if (typeof value !== 'string' || !value.includes('${')) return;
  let template;
  try {
    template = parseTemplate(value);
  } catch (e) {
    if (e instanceof ExpressionError) return report(path, e.message);
    throw e;
  }
  for (const part of template.parts) {
    if (typeof part === 'string') continue;
    for (const ref of pathsOf(part.expr)) {
      if (known.has(ref.root)) {
        if (ref.root === 'profile') {
          const bad = checkProfilePath(ref.segments);
          if (bad) report(path, `'${part.source}': ${bad}`);
        }
        const field = ref.segments[0];
        if (ref.root === 'target' && field !== undefined && !TARGET_FIELDS.includes(String(field))) {
          report(path, `'${part.source}': a target has no '${field}' (it has: ${TARGET_FIELDS.join(', ')})`);
        }
        continue;
      }
      const later = steps.get(ref.root);
      if (later !== undefined && later >= index) {
        report(path, `'${part.source}' refers to step '${ref.root}', which runs ${later === index ? 'in this very step' : `later (step ${later + 1})`}`);
        continue;
      }
      const near = [...known].filter((k) => editDistance(k, ref.root) <= 2);
      report(path, `'${part.source}': unknown name '${ref.root}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; `
        + `an expression starts with a plan parameter, an earlier step's name, target, vars or profile`);
    }
  }
}
