// What every step kind's execution shares: its place in the run, its base outcome, telling the user.
import type { PlanFailure, StepOutcome } from '../../plans/result.js';
import { stepLabel, type PlanStep } from '../../plans/types.js';
import type { Task } from '../../tasks/types.js';
import type { Frame } from '../plan-scope.js';
import type { LogStatus } from '../run-log.js';

/** What running one step gives its plan. */
export interface StepRun {
  outcome: StepOutcome;
  /** Where a sub-plan run without for_each stopped. */
  failure?: PlanFailure;
}

/** "reenroll.sign": the step's place in the run, used in logs and messages. */
export function stepPath(frame: Frame, step: PlanStep, index: number): string {
  return [...frame.path, stepLabel(step, index)].join('.');
}

export function baseOutcome(step: PlanStep, index: number, kind: StepOutcome['kind'], object?: string): StepOutcome {
  return { name: stepLabel(step, index), kind, object, description: step.description, doc_step: step.doc_step, status: 'success', targets: [] };
}

export function isReadOnly(task: Task): boolean {
  const ext = (task.metadata as { extensions?: { regen?: { read_only?: unknown } } }).extensions;
  return ext?.regen?.read_only === true;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Says something to the user: on the batch line inside a for_each, else as a message; always in the log. */
export function tell(frame: Frame, label: string, message: string, status: LogStatus): void {
  const text = frame.run.opts.ctx.log?.redact(message) ?? message;
  if (frame.item) frame.item.note(text);
  else frame.run.opts.ctx.reporter.message(text);
  frame.run.opts.ctx.log?.record('_plan', { step: label, status, stdout: text, startedAt: new Date().toISOString(), durationMs: 0 });
}
