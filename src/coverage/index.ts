// Coverage: which agents the old CA had signed (the ledger) are now enrolled under the new CA. Agents are
// matched to inventory targets by name (the certname is the target's name, as in the inventory example).
import { loadInventory } from '../inventory/index.js';
import { ValidationError } from '../errors/index.js';
import type { Reporter } from '../runner/reporter.js';
import { attemptsSince } from './attempts.js';
import { checkAgents } from './check.js';
import { classify, countByStatus, type CoverageEntry, type CoverageStatus } from './classify.js';
import { latestLedger, ledgerAgents, type StoredLedger } from './ledger.js';

export { storeLedger, latestLedger, ledgerAgents, type StoredLedger } from './ledger.js';
export { STATUSES, type CoverageEntry, type CoverageStatus } from './classify.js';

export interface CoverageReport {
  ledger: { file: string; target: string; recorded_at: string; old_ca_fingerprint: string; on_host: string };
  new_ca_fingerprint?: string;
  counts: Record<CoverageStatus, number>;
  agents: CoverageEntry[];
  /** The log of the read-only check. */
  check_log_dir?: string;
  /** Why the master could not be asked (every reachable agent is then unchecked). */
  error?: string;
}

export function requireLedger(stateDir: string): StoredLedger {
  const ledger = latestLedger(stateDir);
  if (!ledger) {
    throw new ValidationError(`no enrollment ledger under ${stateDir}/logs: it is recorded by regen plan master (or server) before the old CA is deleted; run regen from the directory (or --state-dir) that ran it`);
  }
  return ledger;
}

export async function coverageReport(opts: { inventory: string; stateDir: string; reporter: Reporter; concurrency: number }): Promise<CoverageReport> {
  const ledger = requireLedger(opts.stateDir);
  const inventory = await loadInventory(opts.inventory);
  const known = new Set(inventory.targetNames());
  const agents = ledgerAgents(ledger);
  const listed = agents.map((a) => a.certname).filter((n) => known.has(n));
  const check = listed.length > 0
    ? await checkAgents({ inventory: opts.inventory, stateDir: opts.stateDir, master: ledger.target, agents: listed, reporter: opts.reporter, concurrency: opts.concurrency })
    : undefined;
  const entries = classify(agents, known, attemptsSince(opts.stateDir, ledger.log_dir), check?.checks ?? new Map());
  return {
    ledger: { file: ledger.file, target: ledger.target, recorded_at: ledger.recorded_at, old_ca_fingerprint: ledger.ca_fingerprint, on_host: ledger.ledger },
    new_ca_fingerprint: check?.ca_fingerprint,
    counts: countByStatus(entries),
    agents: entries,
    check_log_dir: check?.log_dir,
    error: check?.master_error,
  };
}

/**
 * Ledger agents a run of these targets leaves out, each with the change that would include it; agents a run
 * since the ledger re-enrolled are not counted.
 */
export function agentsLeftOut(
  ledger: StoredLedger, stateDir: string, targets: string[], inventory: { targets: string[]; groups: string[]; file: string }, spec: string,
): Array<{ certname: string; hint: string }> {
  const inRun = new Set(targets);
  const known = new Set(inventory.targets);
  const attempts = attemptsSince(stateDir, ledger.log_dir);
  const isGroup = inventory.groups.includes(spec);
  return ledgerAgents(ledger)
    .filter((a) => !inRun.has(a.certname) && attempts.get(a.certname)?.status !== 'success')
    .map(({ certname }) => ({
      certname,
      hint: known.has(certname)
        ? `in the inventory but not in '${spec}': ${isGroup ? `add it to the group '${spec}', or ` : ''}run with -t ${spec},${certname}`
        : `not in the inventory: add it to ${inventory.file}${isGroup ? ` (group '${spec}')` : ''}, then run with -t ${isGroup ? spec : `${spec},${certname}`}`,
    }));
}
