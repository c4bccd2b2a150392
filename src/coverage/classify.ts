// Each agent of the old CA's ledger, classified: re-enrolled under the new CA, failed (the step and message of
// its last attempt), not attempted, or unreachable. The host's own certificate decides "re-enrolled"; the runs
// since the ledger explain the others.
import type { Attempt } from './attempts.js';
import type { Check } from './check.js';
import type { LedgerCert } from './ledger.js';

export type CoverageStatus = 're-enrolled' | 'failed' | 'not attempted' | 'unreachable';
export const STATUSES: CoverageStatus[] = ['re-enrolled', 'failed', 'not attempted', 'unreachable'];

export interface CoverageEntry {
  certname: string;
  status: CoverageStatus;
  /** The new certificate's fingerprint (re-enrolled). */
  fingerprint?: string;
  /** The failed step of the last attempt (failed). */
  step?: string;
  /** Why: the failure's message, what the check found, or what to do. */
  detail?: string;
  in_inventory: boolean;
}

export function classify(agents: LedgerCert[], inInventory: Set<string>, attempts: Map<string, Attempt>, checks: Map<string, Check>): CoverageEntry[] {
  return agents.map((cert) => {
    const name = cert.certname;
    const base = { certname: name, in_inventory: inInventory.has(name) };
    const check = checks.get(name);
    const attempt = attempts.get(name);
    if (check?.state === 'new_ca') return { ...base, status: 're-enrolled', fingerprint: check.fingerprint };
    if (attempt?.status === 'failure') {
      const now = check?.state === 'unreachable' ? ' (unreachable now)' : '';
      return { ...base, status: 'failed', step: attempt.step, detail: `${attempt.message}${now}` };
    }
    if (check?.state === 'unreachable') return { ...base, status: 'unreachable', detail: check.message };
    if (attempt?.status === 'success') {
      return { ...base, status: 'failed', step: 'check', detail: `re-enrolled earlier, but now: ${check?.message ?? 'not checked'}` };
    }
    const detail = base.in_inventory ? check?.message ?? 'not checked' : 'not in the inventory';
    return { ...base, status: 'not attempted', detail };
  });
}

export function countByStatus(entries: CoverageEntry[]): Record<CoverageStatus, number> {
  const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<CoverageStatus, number>;
  for (const e of entries) counts[e.status]++;
  return counts;
}
