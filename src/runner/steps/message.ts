// Running a `message` step: its text, evaluated, told to the user and kept as the step's value.
import { asText, evaluate } from '../../plans/expr.js';
import type { StepOutcome } from '../../plans/result.js';
import type { PlanStep } from '../../plans/types.js';
import { scopeFor, type Frame } from '../plan-scope.js';
import { baseOutcome, errorMessage, stepPath, tell } from './common.js';

export async function runMessageStep(frame: Frame, step: PlanStep, index: number): Promise<StepOutcome> {
  const label = stepPath(frame, step, index);
  const outcome = baseOutcome(step, index, 'message');
  try {
    const value = evaluate(step.message, scopeFor(frame)).value;
    const text = typeof value === 'object' && value !== null ? JSON.stringify(value, null, 2) : asText(value);
    tell(frame, label, text, 'message');
    return { ...outcome, value: text };
  } catch (e) {
    return { ...outcome, status: 'failure', error: { kind: 'regen/plan-expression', msg: `step ${label}: ${errorMessage(e)}` } };
  }
}
