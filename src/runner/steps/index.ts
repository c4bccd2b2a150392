// Executing a plan step: one module per step kind, as the YAML names it (src/plans/steps/ validates and
// describes the same kinds).
import { stepKind, type PlanStep, type StepKind } from '../../plans/types.js';
import type { Frame } from '../plan-scope.js';
import type { StepRun } from './common.js';
import { runConfirmStep } from './confirm.js';
import { runMessageStep } from './message.js';
import { runPlanStep } from './plan.js';
import { runTaskStep } from './task.js';

export type { StepRun } from './common.js';
export { errorMessage } from './common.js';

type StepRunner = (frame: Frame, step: PlanStep, index: number) => Promise<StepRun>;

const outcomeOnly = (run: (frame: Frame, step: PlanStep, index: number) => Promise<StepRun['outcome']>): StepRunner =>
  async (frame, step, index) => ({ outcome: await run(frame, step, index) });

const RUNNERS: Record<StepKind, StepRunner> = {
  task: outcomeOnly(runTaskStep),
  plan: runPlanStep,
  message: outcomeOnly(runMessageStep),
  confirm: outcomeOnly(runConfirmStep),
};

export function runStep(frame: Frame, step: PlanStep, index: number): Promise<StepRun> {
  return RUNNERS[stepKind(step)!](frame, step, index);
}
