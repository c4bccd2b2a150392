// The shared state of one plan run (locks, options, caches) and of each plan invocation in it (a frame),
// and the scope ${...} expressions see: plan parameters, earlier steps' results, target, vars, pe.
import type { Target } from '../inventory/types.js';
import { ExpressionError, Pending, evaluate, type Scope } from '../plans/expr.js';
import { profileFor, type ProfileValues } from '../profiles/profile.js';
import type { PlanFailure, StepOutcome } from '../plans/result.js';
import type { Plan } from '../plans/types.js';
import type { PlanLibrary } from '../plans/validate.js';
import { Mutex } from './concurrency.js';
import type { CallMerger } from './merge.js';
import type { ItemReporter } from './reporter.js';
import type { RunContext } from './run-task.js';
import type { SiteRun } from './site-run.js';

export interface RunPlanOptions {
  ctx: RunContext;
  /** Turns a target spec (names, groups, globs) into targets; throws when it names nothing known. */
  resolveTargets: (spec: string | string[]) => Target[];
  /** Targets worked on at once by a step, and sub-plans at once in a for_each without `concurrency`. */
  concurrency: number;
  /** Run only read-only tasks; report every other task with its parameters per target. */
  dryRun?: boolean;
  /** Confirm steps pass without asking. */
  yes?: boolean;
  /** Asks the user; false (or absent) stops the plan at the confirm step. */
  confirm?: (text: string) => Promise<boolean>;
  /** Resume: skip the steps before this one, taking their results from stateFile. */
  fromStep?: string;
  /** Where results are saved after every step, for --from-step (not written in a dry run). */
  stateFile?: string;
  /** The tasks and plans to use (default: the shipped bundle). */
  library?: PlanLibrary;
  /** Continue the unfinished run recorded in the plan's journal on the host. */
  resume?: boolean;
  /** Take the site lock even when another run holds it. */
  breakLock?: boolean;
}

export interface FrameResult {
  outcomes: StepOutcome[];
  failure?: PlanFailure;
  returned?: unknown;
}

/** What every frame of one run shares. */
export interface Run {
  opts: RunPlanOptions;
  library: PlanLibrary;
  locks: Map<string, Mutex>;
  confirmLock: Mutex;
  /** Calls of `merge:` steps, gathered per step and target. */
  merger: CallMerger;
  profiles: Map<string, ProfileValues>;
  runFrame(frame: Frame): Promise<FrameResult>;
}

/** One invocation of a plan: the top plan, a sub-plan, or one target's sub-plan in a for_each. */
export interface Frame {
  run: Run;
  plan: Plan;
  params: Record<string, unknown>;
  /** Step names leading here from the top plan. */
  path: string[];
  results: Map<string, StepOutcome>;
  /** Inside a for_each: the batch line of this frame's target; steps report as notes on it. */
  item?: ItemReporter;
  /** The one target the plan runs on, when its `targets` is a single target: `target` in plan-level expressions. */
  planTarget?: Target;
  /** The top frame only: saves the results after each step. */
  save?: (outcomes: StepOutcome[], failure?: PlanFailure) => void;
  /** The top frame only: the plan's journal and site lock. */
  site?: SiteRun;
}

export function lockFor(run: Run, name: string): Mutex {
  let lock = run.locks.get(name);
  if (!lock) run.locks.set(name, (lock = new Mutex()));
  return lock;
}

/**
 * The scope of expressions for one target, or at plan level when `target` is absent (messages, targets,
 * return, state): there `target` is the plan's single target, if it has one.
 */
export function scopeFor(frame: Frame, target?: Target): Scope {
  const current = target ?? frame.planTarget;
  return {
    lookup(root) {
      if (Object.hasOwn(frame.params, root)) return { value: frame.params[root] };
      const step = frame.results.get(root);
      if (step) return { value: stepValue(step, current, target === undefined) };
      if (root === 'target' || root === 'vars') {
        if (!current) throw new ExpressionError(`'${root}' means nothing here: this is evaluated for the plan, not for one target`);
        return { value: root === 'target' ? targetView(current) : current.vars };
      }
      if (root === 'profile') return { value: profileOf(frame.run, current) };
      return undefined;
    },
  };
}

/**
 * A step's result seen from a target: its own result, else the single target's. A for_each batch seen
 * from the plan (not from one of its targets) is always its summary, so `return: ${batch}` has one shape.
 * Summary: {ok: [names], failed: [names], results: {name: value}}. A sub-plan step: its return value.
 */
export function stepValue(step: StepOutcome, target: Target | undefined, planLevel = false): unknown {
  const shown = (o: StepOutcome['targets'][number]) => (o.status === 'would_run' ? new Pending(step.name) : o.value);
  if (step.status === 'would_run' && step.targets.length === 0) return new Pending(step.name);
  if (!(step.batch && planLevel)) {
    const own = target && step.targets.find((t) => t.target === target.name);
    if (own) return shown(own);
    if (step.targets.length === 1 && !step.batch) return shown(step.targets[0]);
  }
  if (step.kind !== 'task' && !step.batch) return step.value;
  return {
    ok: step.targets.filter((t) => t.status === 'success').map((t) => t.target),
    failed: step.targets.filter((t) => t.status === 'failure').map((t) => t.target),
    results: Object.fromEntries(step.targets.map((t) => [t.target, t.value])),
  };
}

function targetView(t: Target): Record<string, unknown> {
  return { name: t.name, uri: t.uri, host: t.host, alias: t.alias, vars: t.vars, facts: t.facts, groups: t.groups };
}

function profileOf(run: Run, target: Target | undefined): ProfileValues {
  const key = target?.name ?? '';
  let values = run.profiles.get(key);
  if (!values) run.profiles.set(key, (values = profileFor(target)));
  return values;
}

/** A TargetSpec value (string, list, targets, nested lists) as a spec resolveTargets understands. */
export function specOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap(specOf);
  if (typeof value === 'object' && typeof (value as { name?: unknown }).name === 'string') return [(value as { name: string }).name];
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  throw new ExpressionError(`expected targets (a name, group or list of them), got ${JSON.stringify(value)}`);
}

/** Evaluates a `targets` / `for_each` value at plan level and resolves it. */
export function targetsOf(frame: Frame, value: unknown): { targets: Target[]; pending: string[] } {
  const { value: spec, pending } = evaluate(value, scopeFor(frame));
  if (pending.length > 0) return { targets: [], pending };
  const names = specOf(spec);
  return { targets: names.length === 0 ? [] : frame.run.opts.resolveTargets(names), pending };
}

/** The frame's single target, when its `targets` parameter names exactly one. */
export function singleTarget(run: Run, params: Record<string, unknown>): Target | undefined {
  if (params.targets === undefined) return undefined;
  try {
    const targets = run.opts.resolveTargets(specOf(params.targets));
    return targets.length === 1 ? targets[0] : undefined;
  } catch {
    return undefined;
  }
}
