// The `task` step: runs a task on targets. Its checks: the task exists, its literal parameters match the
// task's Puppet types, its literal paths are absolute without '..', `merge` names a list parameter, the step
// has targets (its own or the plan's).
import { TaskError } from '../../tasks/load.js';
import { checkParameters } from '../../tasks/parameters.js';
import { checkPathParameters } from '../../tasks/paths.js';
import type { Task } from '../../tasks/types.js';
import { hasExpressions } from '../expr.js';
import { shortName, type Plan, type PlanStep } from '../types.js';
import { whereIn, type StepCheck, type StepKindSpec } from './common.js';

export const taskStep: StepKindSpec = {
  check: checkTaskStep,
  describe: (step: PlanStep, plan: Plan) => ({
    object: shortName(step.task!),
    targets: step.targets ?? (plan.parameters.targets ? '${targets}' : undefined),
  }),
};

function checkTaskStep({ plan, step, index, library }: StepCheck): string[] {
  const where = whereIn(plan, step, index);
  let task: Task;
  try {
    task = library.task(step.task!);
  } catch (e) {
    if (e instanceof TaskError) return e.problems.map((p) => `${where(['task'])}: task: ${p}`);
    throw e;
  }
  const params = step.parameters ?? {};
  const unresolved = new Set(Object.keys(params).filter((k) => hasExpressions(params[k])));
  const problems = [...checkParameters(task, params, unresolved), ...checkPathParameters(task, params, unresolved)].map((p) => {
    const key = Object.keys(params).find((k) => p.includes(`'${k}'`) || p.includes(`'${k}[`));
    return `${where(key ? ['parameters', key] : ['parameters'])}: parameters${key ? `.${key}` : ''}: ${p}`;
  });
  const merged = step.merge === undefined ? undefined : task.metadata.parameters?.[step.merge];
  if (step.merge !== undefined && !merged?.type?.startsWith('Array')) {
    problems.push(`${where(['merge'])}: merge: '${step.merge}' is not a list parameter of task ${task.name}; merge names the Array parameter whose lists are joined`);
  }
  if (step.targets === undefined && !plan.parameters.targets) {
    problems.push(`${where([])}: targets: missing: say where the task runs (the plan has no 'targets' parameter to default to)`);
  }
  return problems;
}
