// The enrollment ledger on the controller: what the `ledger` task recorded on the CA before it was destroyed
// (every certificate the old CA signed), kept in the run's log directory as ledger.json. The latest one is
// the list `regen coverage` checks the agents against.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PlanResult, StepOutcome } from '../plans/result.js';

export interface LedgerCert {
  certname: string;
  state: 'signed' | 'revoked' | 'invalid';
  role: 'server' | 'internal' | 'agent';
  serial: string | null;
  fingerprint: string | null;
  alt_names: string[];
  not_after: string | null;
}

export interface Ledger {
  /** The CA host the ledger was recorded on. */
  target: string;
  /** The ledger file on that host, beside the backup archive. */
  ledger: string;
  backup: string;
  ca_fingerprint: string;
  recorded_at: string;
  server: string;
  certs: LedgerCert[];
  inventory: Array<{ serial: string; not_before: string; not_after: string; certname: string }>;
}

export interface StoredLedger extends Ledger {
  /** The controller's copy: LOG_DIR/ledger.json. */
  file: string;
  /** The log directory of the run that recorded it. */
  log_dir: string;
}

export const LEDGER_FILE = 'ledger.json';
const LEDGER_TASK = 'ledger';

/** The ledger a run recorded (its successful `ledger` task step, at any depth), or undefined. */
export function ledgerOf(result: PlanResult): Ledger | undefined {
  const find = (steps: StepOutcome[]): Ledger | undefined => {
    for (const s of steps) {
      if (s.kind === 'task' && s.object === LEDGER_TASK) {
        const t = s.targets.find((x) => x.status === 'success' && isLedgerValue(x.value));
        if (t) return { target: t.target, ...(t.value as Omit<Ledger, 'target'>) };
      }
      const inner = s.steps && find(s.steps);
      if (inner) return inner;
    }
    return undefined;
  };
  return find(result.steps);
}

/** Keeps the run's ledger in its log directory; returns the file, or undefined when the run recorded none. */
export function storeLedger(result: PlanResult, logDir: string): string | undefined {
  const ledger = ledgerOf(result);
  if (!ledger || result.dry_run) return undefined;
  const file = path.join(logDir, LEDGER_FILE);
  writeFileSync(file, `${JSON.stringify(ledger, null, 2)}\n`, { mode: 0o600 });
  return file;
}

/** The newest ledger under STATE_DIR/logs, or undefined when no run has recorded one. */
export function latestLedger(stateDir: string): StoredLedger | undefined {
  const logs = path.join(stateDir, 'logs');
  if (!existsSync(logs)) return undefined;
  for (const name of readdirSync(logs).sort().reverse()) {
    const file = path.join(logs, name, LEDGER_FILE);
    if (!existsSync(file)) continue;
    return { ...(JSON.parse(readFileSync(file, 'utf8')) as Ledger), file, log_dir: path.join(logs, name) };
  }
  return undefined;
}

/** The agents of a ledger: every certificate the old CA signed that is not the server's own or a service's. */
export function ledgerAgents(ledger: Ledger): LedgerCert[] {
  return ledger.certs.filter((c) => c.role === 'agent' && c.state === 'signed');
}

function isLedgerValue(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Array.isArray((v as { certs?: unknown }).certs) && !(v as { noop?: boolean }).noop;
}
