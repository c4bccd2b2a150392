// The `plan` step: runs a sub-plan once, or once per target with for_each. Its checks: the sub-plan exists,
// is valid and does not run itself, its parameters exist and match, its required ones are given.
import { editDistance } from '../../util/text.js';
import { checkValue, isOptional } from '../../tasks/puppet-type.js';
import { hasExpressions } from '../expr.js';
import { planParameterType } from '../params.js';
import { PlanError, shortName, type Plan, type PlanStep } from '../types.js';
import { whereIn, type StepCheck, type StepKindSpec } from './common.js';

export const planStep: StepKindSpec = {
  check: checkPlanStep,
  describe: (step: PlanStep) => ({ object: shortName(step.plan!), targets: step.targets }),
};

function checkPlanStep({ plan, step, index, library, seen, validatePlan }: StepCheck): string[] {
  const where = whereIn(plan, step, index);
  let sub: Plan;
  try {
    sub = library.plan(step.plan!);
  } catch (e) {
    if (e instanceof PlanError) return e.problems.map((p) => `${where(['plan'])}: plan: ${p}`);
    throw e;
  }
  const problems: string[] = [];
  if (sub.name === plan.name || seen.has(sub.name)) {
    problems.push(`${where(['plan'])}: plan: '${sub.name}' runs itself (directly or through another plan)`);
  } else {
    problems.push(...validatePlan(sub, library, new Set(seen)));
  }
  const params = step.parameters ?? {};
  const setsTargets = step.for_each !== undefined || step.targets !== undefined;
  if (step.for_each !== undefined && step.targets !== undefined) {
    problems.push(`${where(['targets'])}: targets: a for_each step runs the plan on each target of for_each; remove 'targets'`);
  }
  if (setsTargets && 'targets' in params) problems.push(`${where(['parameters', 'targets'])}: parameters.targets: already set by the step's ${step.for_each !== undefined ? 'for_each' : 'targets'}`);
  if (setsTargets && !sub.parameters.targets) {
    problems.push(`${where([step.for_each !== undefined ? 'for_each' : 'targets'])}: plan '${sub.name}' has no 'targets' parameter to receive the targets`);
  }
  if (step.concurrency !== undefined && step.for_each === undefined) {
    problems.push(`${where(['concurrency'])}: concurrency: only means something with for_each`);
  }
  for (const [name, value] of Object.entries(params)) {
    const spec = sub.parameters[name];
    if (!spec) {
      const known = Object.keys(sub.parameters);
      const near = known.filter((k) => editDistance(k, name) <= 2);
      problems.push(`${where(['parameters', name])}: parameters.${name}: plan '${sub.name}' has no parameter '${name}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ` (it takes: ${known.join(', ') || 'none'})`}`);
    } else if (!hasExpressions(value)) {
      const mismatch = safeCheck(() => checkValue(planParameterType(spec), value));
      if (mismatch) problems.push(`${where(['parameters', name])}: parameters.${name}: plan '${sub.name}' parameter '${name}': ${mismatch}`);
    }
  }
  for (const [name, spec] of Object.entries(sub.parameters)) {
    if (name in params || spec.default !== undefined || (name === 'targets' && setsTargets)) continue;
    if (safeCheck(() => (isOptional(planParameterType(spec)) ? null : 'required')) === 'required') {
      problems.push(`${where(['parameters'])}: parameters: plan '${sub.name}' needs parameter '${name}' (${spec.type ?? 'Any'})`);
    }
  }
  return problems;
}

function safeCheck(fn: () => string | null): string | null {
  try {
    return fn();
  } catch {
    return null; // a bad type string is reported with the sub-plan's own declarations
  }
}
