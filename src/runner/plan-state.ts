// The resume state of a plan run: every step's outcome, saved after each step, so `--from-step NAME`
// can skip what already happened and still see its results.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PlanFailure, StepOutcome } from '../plans/result.js';
import { PlanError, type Plan } from '../plans/types.js';

export interface PlanState {
  version: 1;
  plan: string;
  saved_at: string;
  /** The parameters of the run, sensitive ones redacted (the resumed run takes its own). */
  params: Record<string, unknown>;
  steps: StepOutcome[];
  failure?: PlanFailure;
}

/** `<state-dir>/plans/<plan>-<targets>.json`, the targets spec made file-name safe. */
export function planStateFile(stateDir: string, plan: string, targets: string | string[] | undefined): string {
  const spec = [targets ?? 'all'].flat().join(',');
  const safe = spec.replace(/[^a-zA-Z0-9_.@-]+/g, '_').slice(0, 100);
  return path.join(stateDir, 'plans', `${plan}-${safe}.json`);
}

/** Writes atomically (temp file + rename) so an interrupted run never leaves a torn state file. */
export function saveState(file: string, state: Omit<PlanState, 'version' | 'saved_at'>, redact: (text: string) => string = (t) => t): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const full: PlanState = { version: 1, saved_at: new Date().toISOString(), ...state };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${redact(JSON.stringify(full, null, 2))}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * The saved outcomes of the steps before `fromStep`, checked: each named step before it must have completed
 * (succeeded, failed under catch_errors, or been a for_each batch, whose failed targets are re-run with --rerun).
 */
export function resumedSteps(file: string | undefined, plan: Plan, fromStep: string): Map<string, StepOutcome> {
  const index = plan.steps.findIndex((s) => s.name === fromStep);
  if (index < 0) {
    const names = plan.steps.map((s) => s.name).filter((n) => n !== undefined);
    throw new PlanError([`--from-step ${fromStep}: plan '${plan.name}' has no step of that name (its steps: ${names.join(', ')})`]);
  }
  if (!file || !existsSync(file)) {
    throw new PlanError([`--from-step ${fromStep} needs the results the earlier run of '${plan.name}' saved${file ? ` in ${file}` : ''}, and there are none: run the plan without --from-step first (same targets and --state-dir)`]);
  }
  let state: PlanState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as PlanState;
  } catch (e) {
    throw new PlanError([`${file}: cannot read the saved plan state (${(e as Error).message}); run the plan without --from-step`]);
  }
  if (state.plan !== plan.name) throw new PlanError([`${file} holds the state of plan '${state.plan}', not '${plan.name}'`]);
  const saved = new Map(state.steps.map((s) => [s.name, { ...s, resumed: undefined }]));
  const out = new Map<string, StepOutcome>();
  for (const step of plan.steps.slice(0, index)) {
    if (!step.name) continue;
    const outcome = saved.get(step.name);
    if (!outcome) {
      throw new PlanError([`--from-step ${fromStep}: the saved run (${file}, ${state.saved_at}) never ran step '${step.name}'; resume from '${step.name}' or earlier`]);
    }
    if (outcome.status !== 'success' && !outcome.caught && !outcome.batch) {
      throw new PlanError([`--from-step ${fromStep}: step '${step.name}' did not complete in the saved run (${outcome.status}); resume with --from-step ${step.name}`]);
    }
    out.set(step.name, outcome);
  }
  return out;
}
