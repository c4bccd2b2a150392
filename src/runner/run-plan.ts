// Running a plan: validate everything first (nothing connects before), then the steps in order. The first
// failure stops the plan (unless catch_errors; a for_each batch never stops it) and the result says which
// step failed, where the host stands (the `state` notes of the completed steps) and where to resume.
import { asText, evaluate, parseTemplate, pathsOf } from '../plans/expr.js';
import { redactPlanParams, resolvePlanParams, sensitivePlanParams } from '../plans/params.js';
import { planPathProblems } from '../plans/path-params.js';
import type { PlanFailure, PlanResult, RegenError, StepOutcome } from '../plans/result.js';
import { PlanError, stepKind, stepLabel, type Plan, type PlanStep } from '../plans/types.js';
import { checkPlan, PlanLibrary } from '../plans/validate.js';
import { loadTasks } from '../tasks/load.js';
import { CallMerger } from './merge.js';
import { Mutex } from './concurrency.js';
import { scopeFor, singleTarget, targetsOf, type Frame, type FrameResult, type Run, type RunPlanOptions } from './plan-scope.js';
import { resumedSteps, saveState } from './plan-state.js';
import { hintsOf, openSite, statesOf, type SiteOptions } from './site-run.js';
import { pathProblemsBeforeConnecting } from './path-preflight.js';
import { isReadOnly } from './steps/common.js';
import { errorMessage, runStep, type StepRun } from './steps/index.js';

export type { RunPlanOptions } from './plan-scope.js';
export { planStateFile } from './plan-state.js';

export async function runPlan(plan: Plan, params: Record<string, unknown>, opts: RunPlanOptions): Promise<PlanResult> {
  const library = opts.library ?? new PlanLibrary(loadTasks());
  checkPlan(plan, library);
  const { values, problems } = resolvePlanParams(plan, params);
  if (problems.length === 0) problems.push(...planPathProblems(plan, library, values));
  if (problems.length > 0) throw new PlanError(problems);
  opts.ctx.log?.addSecrets(sensitivePlanParams(plan).map((n) => values[n]));
  const run: Run = { opts, library, locks: new Map(), confirmLock: new Mutex(), merger: new CallMerger(), profiles: new Map(), runFrame };
  const frame: Frame = { run, plan, params: values, path: [], results: new Map(), planTarget: singleTarget(run, values) };
  if (opts.resume && opts.fromStep) throw new PlanError(['use either --resume or --from-step, not both']);
  const resumed = opts.fromStep ? resumedSteps(opts.stateFile, plan, opts.fromStep) : new Map<string, StepOutcome>();
  const start = opts.fromStep ? plan.steps.findIndex((s) => s.name === opts.fromStep) : 0;
  preflightTargets(frame, start);
  const stateFile = !opts.dryRun ? opts.stateFile : undefined;
  if (stateFile) {
    const redact = (text: string) => opts.ctx.log?.redact(text) ?? text;
    frame.save = (steps, failure) => saveState(stateFile, { plan: plan.name, params: redactPlanParams(plan, values), steps, failure }, redact);
  }
  const result = await runOnSite(frame, { resume: opts.resume, breakLock: opts.breakLock }, start, resumed);
  if (result.refused) {
    return { plan: plan.name, status: 'failure', dry_run: opts.dryRun ?? false, steps: [], failure: result.refused, failed_targets: result.refused.target ? [result.refused.target] : [] };
  }
  if (result.failure && stateFile) result.failure.resume.state_file = stateFile;
  const failed = failedTargets(result.outcomes);
  return {
    plan: plan.name,
    status: result.failure || result.outcomes.some((o) => o.batch && o.status === 'failure') ? 'failure' : 'success',
    dry_run: opts.dryRun ?? false,
    steps: result.outcomes,
    ...(result.failure ? { failure: result.failure } : { return: result.returned }),
    failed_targets: failed,
    state_file: stateFile,
  };
}

/** A sub-plan: an agent's re-enrollment keeps its own journal on the agent, and continues an unfinished one. */
function runFrame(frame: Frame): Promise<FrameResult> {
  return runOnSite(frame, { continueUnfinished: true }, 0, new Map()).then((r) => (r.refused ? { outcomes: [], failure: r.refused } : r));
}

/**
 * The steps from `start`, inside the plan's site (its journal and lock, when it has them): opened first (a
 * refusal changes nothing), closed in every case, an unfinished journal's steps taking the place of `resumed`.
 */
async function runOnSite(frame: Frame, site: SiteOptions, start: number, resumed: Map<string, StepOutcome>): Promise<FrameResult & { refused?: PlanFailure }> {
  const opening = await openSite(frame, site);
  if (opening.kind === 'refused') return { outcomes: [], refused: opening.failure };
  if (opening.resume) ({ start, steps: resumed } = opening.resume);
  frame.site = opening.site;
  let result: FrameResult;
  try {
    result = await runSteps(frame, start, resumed);
  } catch (e) {
    await frame.site?.close('failed', []);
    throw e;
  }
  const interrupted = frame.run.opts.ctx.signal?.aborted === true;
  if (result.failure && interrupted) result.failure.error = interruptedError(result.failure);
  if (frame.site) {
    await frame.site.close(result.failure ? (interrupted ? 'interrupted' : 'failed') : 'done', result.outcomes, result.failure);
    if (result.failure?.resume && frame.site.begun) result.failure.resume.journal = true;
  }
  return result;
}

async function runSteps(frame: Frame, start: number, resumed: Map<string, StepOutcome>): Promise<FrameResult> {
  const { plan, run } = frame;
  const outcomes: StepOutcome[] = [];
  let failure: PlanFailure | undefined;
  // Nothing is saved until a step may have changed something: a run refused by its read-only checks must
  // not overwrite the state an earlier run left for --from-step.
  let changed = start > 0;
  for (const [index, step] of plan.steps.entries()) {
    if (index < start) {
      const saved = step.name ? resumed.get(step.name) : undefined;
      if (saved) {
        outcomes.push({ ...saved, resumed: true });
        frame.results.set(step.name!, saved);
        run.opts.ctx.log?.record('_plan', { step: saved.name, status: 'resumed', startedAt: new Date().toISOString(), durationMs: 0 });
      }
      continue;
    }
    let stepRun: StepRun;
    const notStarted = (error: RegenError): StepRun => ({ outcome: { name: stepLabel(step, index), kind: stepKind(step)!, status: 'failure', targets: [], error } });
    const journalError = run.opts.ctx.signal?.aborted ? undefined : await frame.site?.beforeStep(step, outcomes);
    if (run.opts.ctx.signal?.aborted) {
      stepRun = notStarted({ kind: 'regen/interrupted', msg: 'the run was interrupted before this step' });
    } else if (journalError) {
      stepRun = notStarted(journalError);
    } else {
      changed ||= stepKind(step) === 'plan' || (stepKind(step) === 'task' && !isReadOnly(run.library.task(step.task!)));
      stepRun = await runStep(frame, step, index);
    }
    const { outcome } = stepRun;
    outcomes.push(outcome);
    if (step.name) frame.results.set(step.name, outcome);
    if (outcome.status === 'success' && step.state !== undefined) outcome.state = stateNote(frame, step);
    if (outcome.status === 'success' && (step.backup ?? step.restore ?? step.start) !== undefined) outcome.recovery = recoveryOf(frame, step, outcome);
    if (outcome.status === 'failure') {
      if (step.catch_errors) outcome.caught = true;
      else if (!outcome.batch) failure = failureOf(frame, step, outcomes, stepRun.failure);
    }
    if (changed) frame.save?.(outcomes, failure);
    await frame.site?.afterStep(outcomes, plan.steps[index + 1]?.name, failure);
    if (failure) break;
  }
  // A failure before anything changed: the plan is simply run again (nothing was saved to resume from).
  if (failure && !changed && frame.path.length === 0) failure.resume = { from_step: '' };
  if (failure || plan.return === undefined) return { outcomes, failure };
  try {
    return { outcomes, returned: evaluate(plan.return, scopeFor(frame)).value };
  } catch (e) {
    const error: RegenError = { kind: 'regen/plan-expression', msg: `plan '${plan.name}' return: ${errorMessage(e)}` };
    failure = {
      plan: plan.name, step: 'return', path: [...frame.path, 'return'], error, errors: [{ error }],
      states: statesOf(outcomes), completed: outcomes.map((o) => o.name), resume: { from_step: 'return' },
    };
    return { outcomes, failure };
  }
}

function stateNote(frame: Frame, step: PlanStep): string {
  try {
    return String(evaluate(step.state, scopeFor(frame)).value);
  } catch {
    return step.state!;
  }
}

/** The step's failure hints, seen from its first target; a hint that does not evaluate is left out. */
function recoveryOf(frame: Frame, step: PlanStep, outcome: StepOutcome): StepOutcome['recovery'] {
  const name = outcome.targets.find((t) => t.status === 'success')?.target;
  const recovery: NonNullable<StepOutcome['recovery']> = name ? { target: name } : {};
  try {
    const target = name ? frame.run.opts.resolveTargets([name])[0] : undefined;
    for (const key of ['backup', 'restore', 'start'] as const) {
      if (step[key] !== undefined) recovery[key] = asText(evaluate(step[key], scopeFor(frame, target)).value);
    }
  } catch {
    // a hint is help for the admin, never a reason to fail the step
  }
  return recovery;
}

/** The failure that stops this frame; a sub-plan's failure is re-rooted so it resumes at this frame's step. */
function failureOf(frame: Frame, step: PlanStep, outcomes: StepOutcome[], inner: PlanFailure | undefined): PlanFailure {
  const outcome = outcomes[outcomes.length - 1];
  const before = outcomes.slice(0, -1);
  const states = statesOf(before);
  const completed = before.map((o) => o.name);
  if (inner) return { ...inner, states: [...states, ...inner.states], completed, resume: { from_step: outcome.name } };
  const failedTargets = outcome.targets.filter((t) => t.status === 'failure');
  const errors: PlanFailure['errors'] = failedTargets.length > 0
    ? failedTargets.map((t) => ({ target: t.target, error: t.error ?? { kind: 'regen/failed', msg: `step ${outcome.name} failed on ${t.target}` } }))
    : [{ error: outcome.error ?? { kind: 'regen/failed', msg: `step ${outcome.name} failed` } }];
  return {
    plan: frame.plan.name, step: outcome.name, path: [...frame.path, outcome.name], description: step.description, doc_step: step.doc_step,
    target: errors[0].target, error: errors[0].error, errors, states, completed, resume: { from_step: outcome.name },
    recovery: hintsOf(before),
  };
}

/** A failure caused by Ctrl-C (or SIGTERM): says so first, keeping what each target reported. */
function interruptedError(failure: PlanFailure): RegenError {
  return {
    kind: 'regen/interrupted',
    msg: `interrupted during step '${failure.path.join(' > ')}': its commands were stopped on the targets`,
    cause: failure.error,
  };
}

function failedTargets(outcomes: StepOutcome[]): string[] {
  const names = new Set<string>();
  const walk = (list: StepOutcome[]) => {
    for (const o of list) {
      if (o.resumed) continue;
      for (const t of o.targets) if (t.status === 'failure' && t.target) names.add(t.target);
      if (o.steps) walk(o.steps);
    }
  };
  walk(outcomes);
  return [...names];
}

/** Resolves, before anything runs, every step's targets that depend only on the plan's parameters. */
function preflightTargets(frame: Frame, start: number): void {
  const { plan } = frame;
  const problems: string[] = [];
  plan.steps.forEach((step, index) => {
    const kind = stepKind(step);
    if (index < start || (kind !== 'task' && kind !== 'plan')) return;
    const key = step.for_each !== undefined ? 'for_each' : 'targets';
    const value = step.for_each ?? step.targets ?? (kind === 'task' ? frame.params.targets : undefined);
    if (value === undefined || !onlyParameters(plan, value)) return;
    try {
      const { targets } = targetsOf(frame, value);
      if (targets.length === 0 && kind === 'task') throw new Error(`${JSON.stringify(value)} names no target`);
    } catch (e) {
      problems.push(`${plan.source.file}:${plan.source.lineOf(['steps', index, key])}: ${stepLabel(step, index)}: ${key}: ${errorMessage(e)}`);
    }
  });
  if (problems.length === 0) problems.push(...pathProblemsBeforeConnecting(frame, start));
  if (problems.length > 0) throw new PlanError(problems);
}

function onlyParameters(plan: Plan, value: unknown): boolean {
  const strings = [value].flat().filter((v): v is string => typeof v === 'string');
  return strings.every((s) => parseTemplate(s).parts.every((p) => typeof p === 'string' || pathsOf(p.expr).every((r) => r.root in plan.parameters)));
}

/** Each target's overall outcome (failed anywhere = failure), for the rerun record (`--rerun failure`). */
export function planTargetOutcomes(result: PlanResult): Array<{ target: string; status: 'success' | 'failure' }> {
  const status = new Map<string, 'success' | 'failure'>();
  const walk = (list: StepOutcome[]) => {
    for (const o of list) {
      for (const t of o.targets) {
        if (!t.target || t.status === 'would_run') continue;
        if (t.status === 'failure') status.set(t.target, 'failure');
        else if (!status.has(t.target)) status.set(t.target, 'success');
      }
      if (o.steps) walk(o.steps);
    }
  };
  walk(result.steps);
  return [...status].map(([target, s]) => ({ target, status: s }));
}
