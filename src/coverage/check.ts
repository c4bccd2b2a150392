// Asks the hosts themselves: for each agent, does its certificate chain to the master's current CA? Runs the
// private plan coverage_check as a dry run (only read-only tasks can run), so it never changes a host nor the
// --rerun record.
import type { StepTargetOutcome } from '../plans/result.js';
import { loadPlan } from '../plans/index.js';
import { runPlanService } from '../runner/plan-service.js';
import type { Reporter } from '../runner/reporter.js';

export type Check =
  | { state: 'new_ca'; fingerprint?: string }
  | { state: 'not_new_ca' | 'unreachable'; message: string };

export interface CheckResult {
  /** The master's CA fingerprint, or undefined when the master could not be asked. */
  ca_fingerprint?: string;
  /** Why the master could not be asked. */
  master_error?: string;
  checks: Map<string, Check>;
  log_dir: string;
}

/** Error kinds of a target regen could not reach or log in to. */
const UNREACHABLE = new Set(['regen/connect', 'regen/auth', 'regen/host-key', 'regen/tls', 'regen/dropped', 'regen/sudo', 'regen/timeout']);

export async function checkAgents(opts: { inventory: string; stateDir: string; master: string; agents: string[]; reporter: Reporter; concurrency: number }): Promise<CheckResult> {
  const run = await runPlanService({
    plan: loadPlan('coverage_check'), params: { targets: opts.agents, master: opts.master }, inventory: opts.inventory,
    stateDir: opts.stateDir, reporter: opts.reporter, concurrency: opts.concurrency, dryRun: true,
  });
  const { result } = run;
  const masterStep = result.steps.find((s) => s.name === 'master_facts');
  const masterTarget = masterStep?.targets[0];
  const fingerprint = (masterTarget?.value as { ca?: { fingerprint?: { value?: string } } } | undefined)?.ca?.fingerprint?.value;
  if (masterTarget?.status !== 'success' || !fingerprint) {
    const msg = masterTarget?.error?.msg ?? result.failure?.error.msg ?? masterStep?.error?.msg ?? 'the master did not report its CA';
    return { master_error: `the master ${opts.master}: step master_facts: ${msg}`, checks: new Map(), log_dir: run.logDir };
  }
  const checks = new Map<string, Check>();
  for (const t of result.steps.find((s) => s.name === 'check')?.targets ?? []) checks.set(t.target, checkOf(t));
  return { ca_fingerprint: fingerprint, checks, log_dir: run.logDir };
}

function checkOf(t: StepTargetOutcome): Check {
  if (t.status === 'success') {
    return { state: 'new_ca', fingerprint: (t.value as { fingerprint?: { value?: string } } | undefined)?.fingerprint?.value };
  }
  const error = t.failure?.error ?? t.error;
  const step = t.failure?.path.at(-1);
  const message = `${step ? `${step}: ` : ''}${error?.msg ?? 'check failed'}`;
  return { state: error && UNREACHABLE.has(error.kind) ? 'unreachable' : 'not_new_ca', message };
}
