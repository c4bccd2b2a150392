// Sub-plan steps: once (the sub-plan's failure is the step's), or once per target with for_each, where
// each target's sub-plan stops on its own failure and the others go on (the agents' re-enrolment).
import type { Target } from '../../inventory/types.js';
import { evaluate } from '../../plans/expr.js';
import { resolvePlanParams } from '../../plans/params.js';
import type { StepOutcome, StepTargetOutcome } from '../../plans/result.js';
import type { Plan, PlanStep } from '../../plans/types.js';
import { mapLimit } from '../concurrency.js';
import { scopeFor, singleTarget, targetsOf, type Frame } from '../plan-scope.js';
import type { ItemReporter } from '../reporter.js';
import { baseOutcome, errorMessage, stepPath, tell, type StepRun } from './common.js';

/** The sub-plan's parameters, evaluated for a target (or at plan level), checked against its declarations. */
function subParams(frame: Frame, step: PlanStep, sub: Plan, target: Target | undefined, targets: unknown): Record<string, unknown> {
  const scope = scopeFor(frame, target);
  const { value, pending } = evaluate(step.parameters ?? {}, scope);
  const given = value as Record<string, unknown>;
  if (targets !== undefined) given.targets = targets;
  const { values, problems } = resolvePlanParams(sub, given);
  if (problems.length > 0 && !(frame.run.opts.dryRun && pending.length > 0)) throw new Error(problems.join('; '));
  return values;
}

function childFrame(frame: Frame, step: PlanStep, sub: Plan, params: Record<string, unknown>, item: ItemReporter | undefined, target?: Target): Frame {
  return {
    run: frame.run, plan: sub, params, path: [...frame.path, step.name!], results: new Map(), item,
    planTarget: target ?? singleTarget(frame.run, params),
  };
}

export async function runPlanStep(frame: Frame, step: PlanStep, index: number): Promise<StepRun> {
  const sub = frame.run.library.plan(step.plan!);
  if (step.for_each !== undefined) return { outcome: await runForEach(frame, step, index, sub) };
  const label = stepPath(frame, step, index);
  const outcome = baseOutcome(step, index, 'plan', sub.name);
  let params: Record<string, unknown>;
  try {
    const targets = step.targets === undefined ? undefined : evaluate(step.targets, scopeFor(frame)).value;
    params = subParams(frame, step, sub, undefined, targets);
  } catch (e) {
    return { outcome: { ...outcome, status: 'failure', error: { kind: 'regen/plan-parameters', msg: `step ${label}: ${errorMessage(e)}` } } };
  }
  const result = await frame.run.runFrame(childFrame(frame, step, sub, params, frame.item));
  outcome.steps = result.outcomes;
  outcome.value = result.returned;
  if (result.failure) return { outcome: { ...outcome, status: 'failure', error: result.failure.error }, failure: result.failure };
  return { outcome };
}

async function runForEach(frame: Frame, step: PlanStep, index: number, sub: Plan): Promise<StepOutcome> {
  const { opts } = frame.run;
  const label = stepPath(frame, step, index);
  const outcome: StepOutcome = { ...baseOutcome(step, index, 'plan', sub.name), batch: true };
  let targets: Target[];
  let limit = opts.concurrency;
  try {
    const resolved = targetsOf(frame, step.for_each);
    if (resolved.pending.length > 0) {
      tell(frame, label, `[dry run] ${label}: would run plan ${sub.name} on each target of <result of ${resolved.pending.join(', ')}>`, 'would_run');
      return { ...outcome, status: 'would_run' };
    }
    targets = resolved.targets;
    if (step.concurrency !== undefined) {
      const value = evaluate(step.concurrency, scopeFor(frame)).value;
      if (!Number.isInteger(value) || (value as number) < 1) throw new Error(`concurrency must be a whole number of at least 1, got ${JSON.stringify(value)}`);
      limit = value as number;
    }
  } catch (e) {
    return { ...outcome, status: 'failure', error: { kind: 'regen/targets', msg: `step ${label}: ${errorMessage(e)}` } };
  }
  const title = `${label}: ${step.description ?? `plan ${sub.name}`} (${targets.length} target${targets.length === 1 ? '' : 's'}, ${limit} at a time)`;
  outcome.targets = await opts.ctx.reporter.section(title, targets.map((t) => t.name), (item) =>
    mapLimit(targets, limit, async (target) => {
      const line = item(target.name);
      const o = await oneTarget(frame, step, sub, target, line, label);
      line.finish(o.status === 'failure' ? { status: 'failure', error: o.error?.msg } : { status: 'success', summary: opts.dryRun ? 'dry run done' : 'done' });
      return o;
    }));
  outcome.status = outcome.targets.some((t) => t.status === 'failure') ? 'failure' : 'success';
  return outcome;
}

async function oneTarget(frame: Frame, step: PlanStep, sub: Plan, target: Target, line: ItemReporter, label: string): Promise<StepTargetOutcome> {
  try {
    const params = subParams(frame, step, sub, target, target.name);
    const result = await frame.run.runFrame(childFrame(frame, step, sub, params, line, target));
    if (!result.failure) return { target: target.name, status: 'success', value: result.returned };
    const where = result.failure.path.slice(frame.path.length + 1).join('.');
    return {
      target: target.name, status: 'failure', value: result.returned, failure: result.failure,
      error: { ...result.failure.error, msg: `${where}: ${result.failure.error.msg}`, cause: result.failure.error },
    };
  } catch (e) {
    return { target: target.name, status: 'failure', error: { kind: 'regen/plan-parameters', msg: `step ${label} for ${target.name}: ${errorMessage(e)}` } };
  }
}
