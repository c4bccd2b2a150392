// The human end of `regen plan agents` for ten agents fits one screen: a row per agent with its new
// certificate, the counts, the coverage of the old CA's ledger and the log directory, not the return value.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildSandbox, type Sandbox } from '../../src/demo/sandbox.js';
import { E2E_TIMEOUT_MS, ensureBuilt, fingerprintOf, regen, said, tempDir, type CliRun } from './helpers.js';

vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

let dir: string;
let sandbox: Sandbox;
let run: CliRun;

beforeAll(async () => {
  await ensureBuilt();
  dir = tempDir('end-of-run');
  sandbox = await buildSandbox({ dir, agents: 10, keylength: 1024 });
  const args = ['-i', sandbox.inventoryPath, '--state-dir', sandbox.stateDir];
  const master = await regen(['plan', 'master', ...args, '--yes', '--format', 'json'], { stateDir: sandbox.stateDir, cwd: dir });
  expect(master.code, said(master)).toBe(0);
  run = await regen(['plan', 'agents', ...args, '--concurrency', '5'], { stateDir: sandbox.stateDir, cwd: dir });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the end of regen plan agents for 10 agents', () => {
  it('fits in 40 lines, after the progress tree', () => {
    expect(run.code, said(run)).toBe(0);
    // Without a terminal the progress tree is printed line by line first; the end of the run follows it.
    const tree = run.stdout.trimEnd().split('\n');
    const lastTreeLine = Math.max(...tree.map((l, i) => (/^[❯✔✖↓◼]/u.test(l) ? i : -1)));
    const end = tree.splice(lastTreeLine + 1);
    expect(end[0], run.stdout).toBe('');
    expect(end.length, end.join('\n')).toBeLessThanOrEqual(40);
    expect(end.length).toBeGreaterThanOrEqual(10 + 3);
  });

  it('has a row per agent with its new certificate, the counts, the coverage and the log directory', () => {
    for (const agent of sandbox.agents) {
      const cert = path.join(agent.root, `etc/puppetlabs/puppet/ssl/certs/${agent.name}.pem`);
      expect(run.stdout).toMatch(new RegExp(`^${agent.name.replace(/\./g, '\\.')} +ok +${fingerprintOf(cert)}$`, 'm'));
    }
    expect(run.stdout).toMatch(/^TARGET +RESULT +NEW CERTIFICATE$/m);
    expect(run.stdout).toMatch(/^10 targets: 10 ok, 0 failed$/m);
    expect(run.stdout).toMatch(/^  10 re-enrolled, 0 failed, 0 not attempted, 0 unreachable$/m);
    const logDir = /Log: (\S+)$/m.exec(run.stdout)![1];
    const result = JSON.parse(readFileSync(path.join(logDir, 'result.json'), 'utf8'));
    expect(result.return.agents.ok).toHaveLength(10);
    expect(run.stdout).not.toContain('"ca_fingerprint"');
  });
});
