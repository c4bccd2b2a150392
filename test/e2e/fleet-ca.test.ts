// The CA's work for many agents, batched (plans' `merge:`): agents re-enrolled together are cleaned and
// signed on the master in fewer `puppet cert` processes than there are agents (counted in the simulator's
// invocation log), and a name the CA cannot sign fails that agent alone, with its own message: here one
// agent whose request asks for alt names and one whose request never reaches the CA. Once both agents are
// fixed, `--rerun failure` completes exactly them.
import { appendFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimDeployment, type SimDeployment, type SimHost } from '../support/sim-hosts.js';
import { chainsTo, E2E_TIMEOUT_MS, ensureBuilt, regen, said, tempDir, writeInventory, type CliRun } from './helpers.js';

vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

const SSL = '/etc/puppetlabs/puppet/ssl';
const PUPPET_CONF = '/etc/puppetlabs/puppet/puppet.conf';

let sim: SimDeployment;
let dir: string;
let inventory: string;
let run: CliRun;
let altNamed: SimHost;
let lost: SimHost;
let good: SimHost[];
let signCallsBefore: number;
let originalConf: string;

const chained = (a: SimHost) => chainsTo(sim.master.realPath(`${SSL}/ca/ca_crt.pem`), a.realPath(`${SSL}/certs/${a.name}.pem`));
const outcomeOf = (r: CliRun, name: string) => r.json.steps.find((s: { name: string }) => s.name === 'reenroll').targets.find((t: { target: string }) => t.target === name);
const certCalls = (from: number, action: string) =>
  sim.invocations(sim.master).slice(from).filter((i) => i.args[0] === 'cert' && i.args[1] === action);

beforeAll(async () => {
  await ensureBuilt();
  sim = await startSimDeployment({ agents: 6, keyLength: 1024 });
  dir = tempDir('fleet-ca');
  inventory = writeInventory(sim, path.join(dir, 'inventory.yaml'));
  [altNamed, lost] = sim.agents.slice(-2);
  good = sim.agents.slice(0, -2);
  // Its next request carries alt names, which `puppet cert sign` refuses without --allow-dns-alt-names.
  originalConf = readFileSync(altNamed.realPath(PUPPET_CONF), 'utf8');
  appendFileSync(altNamed.realPath(PUPPET_CONF), '\n[agent]\ndns_alt_names = extra.example.com\n');
  // Its agent looks for a master that does not exist, so no request of its ever reaches the CA.
  appendFileSync(lost.realPath(PUPPET_CONF), '\n[agent]\nserver = nowhere.example.com\n');
  signCallsBefore = sim.invocations(sim.master).length;
  run = await regen(['plan', 'agents', '-i', inventory, '--concurrency', '6', 'csr_wait_seconds=5', '--format', 'json'], { stateDir: dir });
});

afterAll(async () => {
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('regen plan agents on six agents at once, two of which the CA cannot sign', () => {
  it('re-enrolls the four others under the CA, and fails exactly the two (exit 1)', () => {
    expect(run.code, said(run)).toBe(1);
    for (const a of good) {
      expect(outcomeOf(run, a.name).status, a.name).toBe('success');
      expect(chained(a), `${a.name} chains to the CA`).toBe(true);
    }
    expect(outcomeOf(run, altNamed.name).status).toBe('failure');
    expect(outcomeOf(run, lost.name).status).toBe('failure');
  });

  it('gives each failed agent its own message: the alt names refused, the request that never arrived', () => {
    expect(outcomeOf(run, altNamed.name).error.msg).toMatch(/sign: .*did not sign .*allow_dns_alt_names.*subject alternative names/s);
    expect(outcomeOf(run, lost.name).error.msg).toMatch(/wait_for_csr: no certificate request arrived for .* within 5s/);
  });

  it('cleaned and signed them on the master in fewer puppet processes than agents', () => {
    const signs = certCalls(signCallsBefore, 'sign');
    const cleans = certCalls(signCallsBefore, 'clean');
    expect(signs.length).toBeGreaterThan(0);
    expect(signs.length).toBeLessThan(sim.agents.length);
    expect(cleans.length).toBeLessThan(sim.agents.length);
    // At least one call carried several names.
    expect(Math.max(...signs.map((i) => i.args.length - 2))).toBeGreaterThan(1);
    const signedNames = new Set(signs.flatMap((i) => i.args.slice(2)));
    for (const a of good) expect(signedNames.has(a.name), a.name).toBe(true);
  });

  it('waited for the late request in the unlocked wait step, never inside a signing under the CA lock', () => {
    const logs = path.join(dir, 'logs');
    const latest = path.join(logs, readdirSync(logs).sort().at(-1)!);
    // events.log: START TARGET STEP STATUS MSms
    const master = readFileSync(path.join(latest, 'events.log'), 'utf8').split('\n')
      .map((l) => l.split(' ')).filter((f) => f[1] === sim.master.name);
    const ms = (f: string[]) => Number.parseInt(f[4], 10);
    const waits = master.filter((f) => f[2] === 'reenroll.wait_for_csr');
    const signs = master.filter((f) => f[2] === 'reenroll.sign');
    expect(Math.max(...waits.map(ms)), 'the wait that included the lost agent ran its 5 s').toBeGreaterThanOrEqual(5000);
    expect(signs.length).toBeGreaterThan(0);
    expect(Math.max(...signs.map(ms)), 'no signing (under the lock) waited for a request').toBeLessThan(5000);
  });

  it('--rerun failure completes exactly the two once they are fixed', async () => {
    writeFileSync(altNamed.realPath(PUPPET_CONF), originalConf);
    const conf = readFileSync(lost.realPath(PUPPET_CONF), 'utf8').replace(/\n\[agent\]\nserver = nowhere\.example\.com\n$/, '\n');
    writeFileSync(lost.realPath(PUPPET_CONF), conf);
    const rerun = await regen(['plan', 'agents', '-i', inventory, '--rerun', 'failure', 'csr_wait_seconds=30', '--format', 'json'], { stateDir: dir });
    expect(rerun.code, said(rerun)).toBe(0);
    expect(rerun.json.steps.find((s: { name: string }) => s.name === 'reenroll').targets.map((t: { target: string }) => t.target).sort()).toEqual([altNamed.name, lost.name].sort());
    for (const a of sim.agents) expect(chained(a), `${a.name} chains to the CA`).toBe(true);
  });
});
