// What the re-enrollment runs since a ledger did to each agent: the latest outcome per target of every
// for_each batch (plan agents, agent_certs) in the runs logged after the ledger's run, read from their result.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { PlanResult } from '../plans/result.js';

export interface Attempt {
  status: 'success' | 'failure';
  /** The failed step, from the top plan down ("reenroll > stop_agent_services"). */
  step?: string;
  message?: string;
  /** The log directory of the run. */
  log_dir: string;
}

/** The latest attempt per target name, in the runs logged under STATE_DIR/logs after the directory AFTER. */
export function attemptsSince(stateDir: string, after: string): Map<string, Attempt> {
  const logs = path.join(stateDir, 'logs');
  const attempts = new Map<string, Attempt>();
  if (!existsSync(logs)) return attempts;
  for (const name of readdirSync(logs).sort()) {
    if (name <= path.basename(after)) continue;
    const file = path.join(logs, name, 'result.json');
    if (!existsSync(file)) continue;
    let result: PlanResult;
    try {
      result = JSON.parse(readFileSync(file, 'utf8')) as PlanResult;
    } catch {
      continue; // a run killed while writing its result; its targets keep their earlier attempt
    }
    if (result.dry_run) continue;
    for (const step of result.steps.filter((s) => s.batch)) {
      for (const t of step.targets) {
        if (t.status !== 'success' && t.status !== 'failure') continue;
        const failure = t.failure;
        attempts.set(t.target, {
          status: t.status,
          step: t.status === 'failure' ? (failure ? failure.path.join(' > ') : step.name) : undefined,
          message: t.status === 'failure' ? (failure?.error.msg ?? t.error?.msg ?? 'failed') : undefined,
          log_dir: path.join(logs, name),
        });
      }
    }
  }
  return attempts;
}
