// Running a `task` step: the task on its targets (parameters evaluated per target). A target's problem is
// that target's failure; nothing here throws for it.
import type { Target } from '../../inventory/types.js';
import { evaluate } from '../../plans/expr.js';
import type { StepOutcome, StepTargetOutcome } from '../../plans/result.js';
import type { PlanStep } from '../../plans/types.js';
import { checkParameters, redactParams, withDefaults } from '../../tasks/parameters.js';
import { checkPathParameters } from '../../tasks/paths.js';
import type { Task } from '../../tasks/types.js';
import { mapLimit } from '../concurrency.js';
import { lockFor, scopeFor, targetsOf, type Frame } from '../plan-scope.js';
import type { ItemReporter } from '../reporter.js';
import { runTaskOnTarget } from '../run-task.js';
import { baseOutcome, errorMessage, isReadOnly, stepPath, tell } from './common.js';

export async function runTaskStep(frame: Frame, step: PlanStep, index: number): Promise<StepOutcome> {
  const { run } = frame;
  const { ctx } = run.opts;
  const label = stepPath(frame, step, index);
  const task = run.library.task(step.task!);
  const outcome = baseOutcome(step, index, 'task', task.name);
  let targets: Target[];
  try {
    const resolved = targetsOf(frame, step.targets ?? frame.params.targets);
    if (resolved.pending.length > 0) {
      tell(frame, label, `[dry run] ${label}: would run ${task.name} on the targets given by <result of ${resolved.pending.join(', ')}>`, 'would_run');
      return { ...outcome, status: 'would_run' };
    }
    targets = resolved.targets;
  } catch (e) {
    return { ...outcome, status: 'failure', error: { kind: 'regen/targets', msg: `step ${label}: cannot work out its targets: ${errorMessage(e)}` } };
  }
  const readOnly = isReadOnly(task);
  const work = (target: Target, item: ItemReporter | undefined) => runOnTarget(frame, step, label, task, readOnly, target, item);
  const each = (itemOf: (t: Target) => ItemReporter | undefined) =>
    mapLimit(targets, run.opts.concurrency, (t) => work(t, itemOf(t)));
  const title = `${label}: ${step.description ?? `task ${task.name}`}`;
  const exec = () => (frame.item
    ? each(() => noteOnly(frame.item!, label))
    : ctx.reporter.section(title, targets.map((t) => t.name), (item) => each((t) => item(t.name))));
  if (step.lock && frame.item) frame.item.note(`${label}: waiting for the '${step.lock}' lock`);
  // A merged step takes its lock per batch (see merge.ts), not per caller.
  outcome.targets = step.lock && !step.merge ? await lockFor(run, step.lock).run(exec) : await exec();
  outcome.status = outcome.targets.some((t) => t.status === 'failure') ? 'failure'
    : outcome.targets.length > 0 && outcome.targets.every((t) => t.status === 'would_run') ? 'would_run' : 'success';
  return outcome;
}

async function runOnTarget(
  frame: Frame, step: PlanStep, label: string, task: Task, readOnly: boolean, target: Target, item: ItemReporter | undefined,
): Promise<StepTargetOutcome> {
  const { ctx, dryRun } = frame.run.opts;
  const started = new Date();
  const finish = (o: StepTargetOutcome, params?: Record<string, unknown>): StepTargetOutcome => {
    ctx.log?.record(target.name, {
      step: label, task: task.name, params: params && redactParams(task, params), status: o.status,
      startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(), error: o.error,
    });
    item?.finish(o.status === 'would_run'
      ? { status: 'would_run', summary: `would run ${task.name} ${JSON.stringify(o.would_run?.parameters ?? {})}` }
      : { status: o.status, error: o.error?.msg });
    return o;
  };
  let params: Record<string, unknown>;
  let pending: string[];
  try {
    ({ value: params, pending } = evaluate(step.parameters ?? {}, scopeFor(frame, target)) as { value: Record<string, unknown>; pending: string[] });
  } catch (e) {
    return finish({ target: target.name, status: 'failure', error: { kind: 'regen/plan-expression', msg: `step ${label} on ${target.name}: ${errorMessage(e)}` } });
  }
  const problems = pending.length > 0 ? [] : [...checkParameters(task, params), ...checkPathParameters(task, params)];
  if (problems.length > 0) {
    const msg = `step ${label} on ${target.name}: ${problems.join('; ')} (the values come from the plan's expressions: check the results of earlier steps)`;
    return finish({ target: target.name, status: 'failure', error: { kind: 'regen/parameter-type', msg } }, params);
  }
  if (dryRun && (!readOnly || pending.length > 0 || afterAChange(frame))) {
    // Secrets of the run (sensitive plan parameters, passwords) are masked even inside other values.
    const redact = ctx.log ? (text: string) => ctx.log!.redact(text) : (text: string) => text;
    const shown = JSON.parse(redact(JSON.stringify(redactParams(task, withDefaults(task, params))))) as Record<string, unknown>;
    return finish({ target: target.name, status: 'would_run', would_run: { task: task.name, parameters: shown } }, params);
  }
  try {
    const runCtx = readOnly && dryRun ? { ...ctx, dryRun: false } : ctx;
    const once = (p: Record<string, unknown>, on: ItemReporter | undefined) => runTaskOnTarget(target, task, p, runCtx, label, on);
    const result = step.merge
      ? await frame.run.merger.call({ step: label, target, task, param: step.merge }, params, item, withLock(frame, step.lock), once)
      : await once(params, item);
    return { target: target.name, status: result.status === 'failure' ? 'failure' : 'success', value: result.value, error: result.value._error };
  } catch (e) {
    return finish({ target: target.name, status: 'failure', error: { kind: 'regen/error', msg: `step ${label} on ${target.name}: ${errorMessage(e)}` } });
  }
}

/** Runs a batch under the step's lock, if it has one. */
function withLock(frame: Frame, lock: string | undefined): <T>(fn: () => Promise<T>) => Promise<T> {
  return lock ? (fn) => lockFor(frame.run, lock).run(fn) : (fn) => fn();
}

function noteOnly(item: ItemReporter, label: string): ItemReporter {
  return { note: (text) => item.note(`${label}: ${text}`), finish: () => undefined };
}

/** In a dry run, once a step would have changed something, later reads would see a state that does not exist. */
function afterAChange(frame: Frame): boolean {
  return [...frame.results.values()].some((o) => o.kind === 'task' && o.status === 'would_run');
}
