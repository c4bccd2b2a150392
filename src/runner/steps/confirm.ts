// Running a `confirm` step: ask once at a time (concurrent sub-plans share one prompt), pass with --yes,
// stop the plan when declined; a dry run only says what it would ask.
import { asText, evaluate } from '../../plans/expr.js';
import type { RegenError, StepOutcome } from '../../plans/result.js';
import type { PlanStep } from '../../plans/types.js';
import { scopeFor, type Frame } from '../plan-scope.js';
import { baseOutcome, errorMessage, stepPath, tell } from './common.js';

export async function runConfirmStep(frame: Frame, step: PlanStep, index: number): Promise<StepOutcome> {
  const { opts, confirmLock } = frame.run;
  const label = stepPath(frame, step, index);
  const outcome = baseOutcome(step, index, 'confirm');
  const failed = (error: RegenError): StepOutcome => ({ ...outcome, status: 'failure', value: false, error });
  let text: string;
  try {
    text = asText(evaluate(step.confirm, scopeFor(frame)).value);
  } catch (e) {
    return failed({ kind: 'regen/plan-expression', msg: `step ${label}: ${errorMessage(e)}` });
  }
  if (opts.dryRun) {
    tell(frame, label, `[dry run] would ask: ${text}`, 'would_run');
    return { ...outcome, status: 'would_run' };
  }
  if (opts.yes) {
    tell(frame, label, `${text} yes (--yes)`, 'confirmed');
    return { ...outcome, value: true };
  }
  const answer = opts.confirm ? await confirmLock.run(() => opts.confirm!(text)) : false;
  opts.ctx.log?.record('_plan', { step: label, status: answer ? 'confirmed' : 'declined', stdout: text, startedAt: new Date().toISOString(), durationMs: 0 });
  if (answer) return { ...outcome, value: true };
  return failed({
    kind: 'regen/not-confirmed',
    msg: `not confirmed: ${text} The plan stopped here. Run it again and answer y, or pass --yes to confirm without a prompt.`,
  });
}
