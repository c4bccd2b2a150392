import { describe, expect, it } from 'vitest';
import type { Attempt } from './attempts.js';
import type { Check } from './check.js';
import { classify, countByStatus } from './classify.js';
import type { LedgerCert } from './ledger.js';

const cert = (certname: string): LedgerCert => ({ certname, state: 'signed', role: 'agent', serial: '05', fingerprint: 'AA', alt_names: [], not_after: null });
const failed = (step: string, message: string): Attempt => ({ status: 'failure', step, message, log_dir: '/logs/2' });

describe('classify', () => {
  const agents = ['a', 'b', 'c', 'd', 'e', 'f'].map(cert);
  const inventory = new Set(['a', 'b', 'c', 'd', 'e']);
  const attempts = new Map<string, Attempt>([
    ['a', { status: 'success', log_dir: '/logs/2' }],
    ['b', failed('reenroll > sign', 'no request')],
    ['c', failed('reenroll > facts', 'could not connect')],
    ['e', { status: 'success', log_dir: '/logs/2' }],
  ]);
  const checks = new Map<string, Check>([
    ['a', { state: 'new_ca', fingerprint: 'NEW' }],
    ['b', { state: 'not_new_ca', message: 'check_chain: wrong CA' }],
    ['c', { state: 'unreachable', message: 'facts: connection refused' }],
    ['d', { state: 'unreachable', message: 'facts: connection refused' }],
    ['e', { state: 'not_new_ca', message: 'check_chain: wrong CA' }],
  ]);
  const byName = new Map(classify(agents, inventory, attempts, checks).map((e) => [e.certname, e]));

  it('trusts the host: a certificate chaining to the new CA is re-enrolled', () => {
    expect(byName.get('a')).toMatchObject({ status: 're-enrolled', fingerprint: 'NEW' });
  });

  it('names the step and message of a failed last attempt, even when the agent is unreachable now', () => {
    expect(byName.get('b')).toMatchObject({ status: 'failed', step: 'reenroll > sign', detail: 'no request' });
    expect(byName.get('c')).toMatchObject({ status: 'failed', step: 'reenroll > facts', detail: 'could not connect (unreachable now)' });
  });

  it('tells unreachable, not attempted (not in the inventory) and an enrollment undone since', () => {
    expect(byName.get('d')).toMatchObject({ status: 'unreachable', detail: 'facts: connection refused' });
    expect(byName.get('f')).toMatchObject({ status: 'not attempted', detail: 'not in the inventory', in_inventory: false });
    expect(byName.get('e')).toMatchObject({ status: 'failed', step: 'check' });
    expect(countByStatus([...byName.values()])).toEqual({ 're-enrolled': 1, failed: 3, 'not attempted': 1, unreachable: 1 });
  });
});
