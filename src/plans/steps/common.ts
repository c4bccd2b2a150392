// What every step kind declares: how it is checked before anything runs, and how `plan show` describes it.
import type { Plan, PlanStep } from '../types.js';
import { stepLabel } from '../types.js';
import type { PlanLibrary } from '../validate.js';

export interface StepCheck {
  plan: Plan;
  step: PlanStep;
  index: number;
  library: PlanLibrary;
  /** Plans on the way here: a sub-plan among them runs itself. */
  seen: Set<string>;
  /** Validates a sub-plan (passed in, so the kinds do not import the validator that imports them). */
  validatePlan(plan: Plan, library: PlanLibrary, seen: Set<string>): string[];
}

export interface StepKindSpec {
  /** Problems of this kind of step, each "FILE:LINE: step: key: what". */
  check(ctx: StepCheck): string[];
  /** What `plan show` says about the step beyond the fields every step has. */
  describe(step: PlanStep, plan: Plan): { object?: string; targets?: string | string[]; text?: string };
}

/** "FILE:LINE: step" for a key of a step. */
export function whereIn(plan: Plan, step: PlanStep, index: number): (key: string[]) => string {
  return (key) => `${plan.source.file}:${plan.source.lineOf(['steps', index, ...key])}: ${stepLabel(step, index)}`;
}
