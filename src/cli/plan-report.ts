// How a plan's result reads for a person: per step, the dry run's "would run" lines, and on failure
// where the host stands and the exact commands to resume or restore.
import type { PlanFailure, PlanResult, StepOutcome } from '../plans/index.js';

export interface PlanCommandLine {
  /** The command as the user typed it, without --from-step/--dry-run (e.g. "regen plan master -i inventory.yaml"). */
  base: string;
  /** The plan's `verification`: the key of its return value holding its checks. */
  verification?: string;
  /** The per-target table (summary-table.ts), printed first; the return value is then left to --format json and the log. */
  table?: string[];
  /** Lines printed after the outcome (the coverage of the ledger's agents). */
  after?: string[];
}

export function printPlanResult(result: PlanResult, cmd: PlanCommandLine, logDir: string, elapsedMs: number, out: NodeJS.WritableStream = process.stdout): void {
  const w = (line = '') => out.write(`${line}\n`);
  if (result.dry_run) printDryRun(result.steps, w);
  const table = cmd.table ?? [];
  if (table.length > 0) {
    w();
    for (const line of table) w(line);
  }
  const failedAgents = result.failed_targets;
  if (result.failure) {
    printFailure(result.failure, cmd, w);
  } else if (result.status === 'failure' && failedAgents.length > 0) {
    w();
    w(`Failed on ${failedAgents.length} target${failedAgents.length === 1 ? '' : 's'}: ${failedAgents.join(', ')}`);
    if (table.length === 0) for (const line of batchFailures(result.steps)) w(`  ${line}`);
    w(`Re-run exactly those with:  ${cmd.base} --rerun failure`);
  } else if (!result.dry_run) {
    w();
    w(`Plan ${result.plan} completed.`);
    if (result.return !== undefined) printReturn(result.return, cmd.verification, w, table.length === 0);
  }
  if (cmd.after && cmd.after.length > 0) {
    w();
    for (const line of cmd.after) w(line);
  }
  w(`Ran in ${(elapsedMs / 1000).toFixed(1)} sec. Log: ${logDir}`);
}

function printFailure(f: PlanFailure, cmd: PlanCommandLine, w: (line?: string) => void): void {
  w();
  if (f.refused) w(`REFUSED before any change${f.target ? ` on ${f.target}` : ''}`);
  else if (f.error.kind === 'regen/interrupted') w(`INTERRUPTED at step '${f.path.join(' > ')}'${f.target ? ` on ${f.target}` : ''}`);
  else w(`FAILED at step '${f.path.join(' > ')}'${f.doc_step !== undefined ? ` (doc step ${f.doc_step})` : ''}${f.target ? ` on ${f.target}` : ''}`);
  if (f.description && !f.refused) w(`  what it does: ${f.description}`);
  if (f.error.kind === 'regen/interrupted') w(`  ${f.error.msg}`);
  for (const e of f.errors) w(`  error${e.target ? ` on ${e.target}` : ''}: ${e.error.msg}`);
  w();
  // Only the latest note: each step's note describes the host after that step, so older ones are out of date.
  w('Where the host stands now:');
  const last = f.states.at(-1);
  if (f.refused) w(last ? `  this run changed nothing; as the earlier run left it: ${last}` : '  as it was: this run changed nothing');
  else w(last ? `  ${last}` : '  no step that changes the host had completed in this run');
  const { recovery } = f;
  if (recovery?.backup) w(`Backup archive: ${recovery.backup}${recovery.target ? ` on ${recovery.target}` : ''}`);
  w();
  w('Next:');
  const kind = f.error.kind;
  if (kind === 'regen/not-confirmed') {
    w(`  to go ahead, run it again and answer yes, or confirm up front:   ${cmd.base} --yes`);
    return;
  }
  if (kind === 'regen/locked') w(`  when that run has ended (or is known to be gone):   ${cmd.base}${f.resume.journal ? ' --resume' : ''} --break-lock`);
  else if (kind === 'regen/nothing-to-resume') w(`  run the plan from the start:   ${cmd.base}`);
  else if (f.resume.journal) w(`  ${f.refused ? 'continue that run' : 'fix the cause above, then continue the run'}:   ${cmd.base} --resume`);
  else if (f.resume.from_step) w(`  fix the cause above, then resume:   ${cmd.base} --from-step ${f.resume.from_step}`);
  else w(`  fix the cause above, then run the plan again:   ${cmd.base}`);
  if (recovery?.restore) w(`  or put the host back as it was:     ${recovery.restore}`);
  if (recovery?.start) w(`  the services this run stopped are still stopped; to start them again:   ${recovery.start}`);
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

/** The plan's return value (unless a table said it), its verification checks as a count (the JSON output has them all). */
function printReturn(value: unknown, key: string | undefined, w: (line?: string) => void, showValue: boolean): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || key === undefined) {
    if (showValue) w(JSON.stringify(value, null, 2));
    return;
  }
  const { [key]: checks, ...rest } = value as Record<string, unknown>;
  if (showValue) w(JSON.stringify(rest, null, 2));
  if (Array.isArray(checks)) {
    const failed = checks.filter((c) => (c as { ok?: boolean }).ok !== true).map((c) => (c as { name?: string }).name);
    w(failed.length === 0 ? `Verification: all ${checks.length} checks passed.` : `Verification: ${failed.length} of ${checks.length} checks FAILED: ${failed.join(', ')}`);
  }
}
