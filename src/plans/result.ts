// What running a plan produces: per step, per target, a status with a value or an error; on a stopping
// failure, what the CLI needs to tell the admin where the host stands and how to resume.
import type { RegenError } from '../errors/index.js';
import type { StepKind } from './types.js';

export type { RegenError } from '../errors/index.js';

/** The state of a step, of a target in it, of a log entry: a dry run's step that would change something is would_run. */
export type StepStatus = 'success' | 'failure' | 'would_run' | 'skipped';

export interface StepTargetOutcome {
  target: string;
  status: StepStatus;
  /** A task's output object; a sub-plan's return value (for_each). */
  value?: unknown;
  error?: RegenError;
  /** Dry run: what would have run, parameters evaluated for this target (sensitive ones redacted). */
  would_run?: { task: string; parameters: Record<string, unknown> };
  /** for_each: where this target's sub-plan stopped. */
  failure?: PlanFailure;
}

export interface StepOutcome {
  /** The step's name, or "step N (kind)" for an unnamed message or confirm. */
  name: string;
  kind: StepKind;
  /** The task or sub-plan run. */
  object?: string;
  description?: string;
  doc_step?: string | number;
  status: StepStatus;
  /** for_each: run once per target. */
  batch?: boolean;
  targets: StepTargetOutcome[];
  /** A sub-plan's return value (without for_each); a message's text; a confirm's answer. */
  value?: unknown;
  /** The steps of a sub-plan run without for_each. */
  steps?: StepOutcome[];
  /** A failure of the step itself, not of a target: unresolvable targets, a bad expression, a declined confirm. */
  error?: RegenError;
  /** The host's state after this step succeeded (the step's `state`, evaluated). */
  state?: string;
  /** The step's failure hints (`backup`, `restore`), evaluated for its first target once it succeeded. */
  recovery?: { target?: string; backup?: string; restore?: string; start?: string };
  /** Failed, but catch_errors let the plan go on. */
  caught?: boolean;
  /** Not run: its result was loaded from the state file of an earlier run (--from-step). */
  resumed?: boolean;
}

export interface PlanFailure {
  /** The plan holding the failed step (a sub-plan's name when it failed inside one). */
  plan: string;
  /** The failed step's name. */
  step: string;
  /** Step names from the top plan down to the failed step, e.g. ["reenroll", "sign"]. */
  path: string[];
  description?: string;
  doc_step?: string | number;
  /** The first failed target (absent when the step has no target: a declined confirm, a bad expression). */
  target?: string;
  error: RegenError;
  /** Every failed target of the step with its error. */
  errors: Array<{ target?: string; error: RegenError }>;
  /** The `state` notes of the steps that completed, in order: where the host stands now. */
  states: string[];
  /** Names of the top plan's steps that completed before the failure. */
  completed: string[];
  /**
   * Resume with `--resume` when the host keeps the run journal (journal: true), else with `--from-step <from_step>`
   * once the cause is fixed; the results before it are in state_file.
   */
  resume: { from_step: string; state_file?: string; journal?: boolean };
  /** The last failure hints (backup, restore) of the completed steps. */
  recovery?: StepOutcome['recovery'];
  /** Refused before the first step: nothing was run (the host holds an unfinished run, or the lock). */
  refused?: boolean;
}

export interface PlanResult {
  plan: string;
  status: 'success' | 'failure';
  dry_run: boolean;
  /** The steps that ran (or were resumed), in order; steps after a stopping failure are absent. */
  steps: StepOutcome[];
  /** The plan's `return`, evaluated (absent after a stopping failure). */
  return?: unknown;
  failure?: PlanFailure;
  /** Every target that failed anywhere in the run (for_each batches included). */
  failed_targets: string[];
  /** Where the state for --from-step was saved (absent in a dry run). */
  state_file?: string;
}
