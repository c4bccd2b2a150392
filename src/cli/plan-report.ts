// How a plan's result reads for a person: per step, the dry run's "would run" lines, and on failure
// where the host stands and the exact commands to resume or restore.
import type { PlanResult, StepOutcome } from '../plans/index.js';

export interface PlanCommandLine {
  /** The command as the user typed it, without --from-step/--dry-run (e.g. "regen plan master -i inventory.yaml"). */
  base: string;
  /** The plan's `verification`: the key of its return value holding its checks. */
  verification?: string;
}

export function printPlanResult(result: PlanResult, cmd: PlanCommandLine, logDir: string, elapsedMs: number, out: NodeJS.WritableStream = process.stdout): void {
  const w = (line = '') => out.write(`${line}\n`);
  if (result.dry_run) printDryRun(result.steps, w);
  const failedAgents = result.failed_targets;
  if (result.failure) {
    const f = result.failure;
    w();
    w(`FAILED at step '${f.path.join(' > ')}'${f.doc_step !== undefined ? ` (doc step ${f.doc_step})` : ''}${f.target ? ` on ${f.target}` : ''}`);
    if (f.description) w(`  what it does: ${f.description}`);
    for (const e of f.errors) w(`  error${e.target ? ` on ${e.target}` : ''}: ${e.error.msg}`);
    w();
    w('Where the host stands now:');
    if (f.states.length === 0) w('  nothing has been changed yet');
    for (const s of f.states) w(`  - ${s}`);
    const recovery = result.steps.find((s) => s.recovery)?.recovery;
    if (recovery?.backup) w(`Backup archive: ${recovery.backup}${recovery.target ? ` on ${recovery.target}` : ''}`);
    w();
    w('Next:');
    if (f.error.kind === 'regen/not-confirmed') {
      w(`  to go ahead, run it again and answer yes, or confirm up front:   ${cmd.base} --yes`);
      w(`Ran in ${(elapsedMs / 1000).toFixed(1)} sec. Log: ${logDir}`);
      return;
    }
    w(`  fix the cause above, then resume:   ${cmd.base} --from-step ${f.resume.from_step}`);
    if (recovery?.restore) w(`  or put the host back as it was:     ${recovery.restore}`);
  } else if (result.status === 'failure' && failedAgents.length > 0) {
    w();
    w(`Failed on ${failedAgents.length} target${failedAgents.length === 1 ? '' : 's'}: ${failedAgents.join(', ')}`);
    for (const line of batchFailures(result.steps)) w(`  ${line}`);
    w(`Re-run exactly those with:  ${cmd.base} --rerun failure`);
  } else if (!result.dry_run) {
    w();
    w(`Plan ${result.plan} completed.`);
    if (result.return !== undefined) printReturn(result.return, cmd.verification, w);
  }
  w(`Ran in ${(elapsedMs / 1000).toFixed(1)} sec. Log: ${logDir}`);
}

function printDryRun(steps: StepOutcome[], w: (line?: string) => void, indent = ''): void {
  w();
  w(`${indent}Dry run: nothing was changed. Steps that would change something, per target:`);
  for (const step of steps) {
    for (const t of step.targets) {
      if (t.would_run) w(`${indent}  ${step.name} on ${t.target}: would run ${t.would_run.task} ${JSON.stringify(t.would_run.parameters)}`);
      if (t.value && typeof t.value === 'object' && 'steps' in (t.value as object)) {
        printDryRun((t.value as { steps: StepOutcome[] }).steps, w, `${indent}    `);
      }
    }
    if (step.steps) printDryRun(step.steps, w, `${indent}  `);
  }
}

function batchFailures(steps: StepOutcome[]): string[] {
  return steps.filter((s) => s.batch).flatMap((s) =>
    s.targets.filter((t) => t.status === 'failure').map((t) =>
      `${t.target}: ${t.failure ? `step '${t.failure.path.join(' > ')}': ${t.failure.error.msg}` : t.error?.msg ?? 'failed'}`));
}

/** The plan's return value, with its verification checks shown as a count (the JSON output has them all). */
function printReturn(value: unknown, key: string | undefined, w: (line?: string) => void): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || key === undefined) {
    w(JSON.stringify(value, null, 2));
    return;
  }
  const { [key]: checks, ...rest } = value as Record<string, unknown>;
  w(JSON.stringify(rest, null, 2));
  if (Array.isArray(checks)) {
    const failed = checks.filter((c) => (c as { ok?: boolean }).ok !== true).map((c) => (c as { name?: string }).name);
    w(failed.length === 0 ? `Verification: all ${checks.length} checks passed.` : `Verification: ${failed.length} of ${checks.length} checks FAILED: ${failed.join(', ')}`);
  }
}
