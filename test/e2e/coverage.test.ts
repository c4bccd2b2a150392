// No agent forgotten: a site whose old CA signed five agents while the inventory lists four. regen plan master
// records the ledger beside its backup; regen plan agents warns about the fifth before it starts; with one
// agent made to fail, coverage names it failed with its step, the fifth not attempted; after
// `--rerun failure` every listed agent is re-enrolled (checked on the agents themselves), the fifth still not.
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimDeployment, type SimDeployment, type SimHost } from '../support/sim-hosts.js';
import { E2E_TIMEOUT_MS, ensureBuilt, fingerprintOf, HOST_BACKUP_DIR, regen, said, serialOf, tempDir, writeInventory, type CliRun } from './helpers.js';

vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

const SSL = '/etc/puppetlabs/puppet/ssl';
const SIM_CONF = '/var/opt/lib/pe-sim/sim.conf';

let sim: SimDeployment;
let dir: string;
let inventory: string;
let forgotten: SimHost;
let failing: SimHost;
let master: CliRun;
const oldSerial = new Map<string, string>();

type Entry = { certname: string; status: string; step?: string; detail?: string; fingerprint?: string };
const byName = (report: { agents: Entry[] }) => new Map(report.agents.map((a) => [a.certname, a]));

beforeAll(async () => {
  await ensureBuilt();
  sim = await startSimDeployment({ agents: 5, keyLength: 1024 });
  dir = tempDir('coverage');
  inventory = path.join(dir, 'inventory.yaml');
  forgotten = sim.agents[4];
  failing = sim.agents[1];
  writeInventory(sim, inventory, { connectTimeout: 5 });
  const inv = parse(readFileSync(inventory, 'utf8'));
  const agents = inv.groups.find((g: { name: string }) => g.name === 'agents');
  agents.targets = agents.targets.filter((t: { name: string }) => t.name !== forgotten.name);
  writeFileSync(inventory, stringify(inv));
  for (const a of sim.agents) oldSerial.set(a.name, serialOf(a.realPath(`${SSL}/certs/${a.name}.pem`)));
  master = await regen(['plan', 'master', '-i', inventory, '--yes', '--format', 'json'], { stateDir: dir });
});

afterAll(async () => {
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the ledger', () => {
  it('is written beside the master\'s backup and kept in the run\'s log directory, listing all five agents', () => {
    expect(master.code, said(master)).toBe(0);
    const step = master.json.steps.find((s: { name: string }) => s.name === 'ledger');
    const value = step.targets[0].value;
    expect(value.ledger).toBe(master.json.return.backup.replace(/\.tar\.gz$/, '.ledger.json'));
    expect(path.dirname(value.ledger)).toBe(HOST_BACKUP_DIR);
    const onHost = JSON.parse(readFileSync(sim.master.realPath(value.ledger), 'utf8'));
    const stored = JSON.parse(readFileSync(path.join(master.json.log_dir, 'ledger.json'), 'utf8'));
    expect(stored.certs).toEqual(onHost.certs);
    expect(stored.ca_fingerprint).toBe(master.json.return.old_ca_fingerprint);
    const agents = onHost.certs.filter((c: { role: string }) => c.role === 'agent');
    expect(agents.map((c: { certname: string }) => c.certname).sort()).toEqual(sim.agents.map((a) => a.name).sort());
    for (const c of agents) {
      expect(c.state).toBe('signed');
      expect(c.serial.replace(/^0+/, '')).toBe(oldSerial.get(c.certname)!.replace(/^0+/, ''));
      expect(c.not_after).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(c.fingerprint).toMatch(/^[0-9A-F:]{95}$/);
    }
    const server = onHost.certs.find((c: { role: string }) => c.role === 'server');
    expect(server.certname).toBe(sim.master.name);
    expect(server.alt_names).toEqual(expect.arrayContaining(['DNS:puppet']));
    expect(onHost.inventory.map((l: { certname: string }) => l.certname)).toEqual(expect.arrayContaining(sim.agents.map((a) => a.name)));
  });
});

describe('regen plan agents with one agent failing and one missing from the inventory', () => {
  let run: CliRun;
  let coverage: CliRun;
  beforeAll(async () => {
    appendFileSync(failing.realPath(SIM_CONF), 'fail_services=pe-puppet\n');
    run = await regen(['plan', 'agents', '-i', inventory], { stateDir: dir });
    coverage = await regen(['coverage', '-i', inventory, '--format', 'json'], { stateDir: dir });
  });

  it('warns before starting about the agent the old CA signed that its targets leave out, with the change to make', () => {
    expect(run.code, said(run)).toBe(1);
    const warning = run.stderr.slice(run.stderr.indexOf('WARNING: the old CA signed 1 agent'));
    expect(warning, said(run)).toMatch(new RegExp(`^WARNING: the old CA signed 1 agent that this run leaves out .*\\n  ${forgotten.name.replace(/\./g, '\\.')}: not in the inventory: add it to ${inventory.replace(/\./g, '\\.')}`));
    expect(run.stderr.trimStart().startsWith('WARNING: the old CA signed 1 agent'), 'the warning comes before anything the run prints').toBe(true);
  });

  it('ends with a table per agent, the failure\'s step, the next command and the coverage', () => {
    const out = run.stdout;
    expect(out).toMatch(new RegExp(`^${failing.name.replace(/\./g, '\\.')} +FAILED +step '.*stop_agent_services'`, 'm'));
    expect(out).toMatch(/^4 targets: 3 ok, 1 failed$/m);
    expect(out).toContain('--rerun failure');
    expect(out).toMatch(/^  3 re-enrolled, 1 failed, 1 not attempted, 0 unreachable$/m);
  });

  it('coverage: three re-enrolled, the failing one failed with its step, the fifth not attempted', () => {
    expect(coverage.code, said(coverage)).toBe(1);
    const agents = byName(coverage.json);
    expect(agents.size).toBe(5);
    expect(agents.get(failing.name)).toMatchObject({ status: 'failed' });
    expect(agents.get(failing.name)!.step).toMatch(/stop_agent_services$/);
    expect(agents.get(failing.name)!.detail).toContain('pe-puppet');
    expect(agents.get(forgotten.name)).toMatchObject({ status: 'not attempted', detail: 'not in the inventory' });
    for (const a of [sim.agents[0], sim.agents[2], sim.agents[3]]) {
      expect(agents.get(a.name)).toMatchObject({ status: 're-enrolled', fingerprint: fingerprintOf(a.realPath(`${SSL}/certs/${a.name}.pem`)) });
    }
    expect(coverage.json.new_ca_fingerprint).toBe(fingerprintOf(sim.master.realPath(`${SSL}/ca/ca_crt.pem`)));
  });

  it('--rerun failure, then coverage: every listed agent re-enrolled, the fifth still not attempted', async () => {
    const conf = failing.realPath(SIM_CONF);
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^fail_services=.*\n/m, ''));
    const rerun = await regen(['plan', 'agents', '-i', inventory, '--rerun', 'failure', '--format', 'json'], { stateDir: dir });
    expect(rerun.code, said(rerun)).toBe(0);
    expect(rerun.json.coverage.counts).toEqual({ 're-enrolled': 4, failed: 0, 'not attempted': 1, unreachable: 0 });
    const human = await regen(['coverage', '-i', inventory], { stateDir: dir });
    expect(human.code, said(human)).toBe(1);
    expect(human.stdout).toMatch(/^  4 re-enrolled, 0 failed, 1 not attempted, 0 unreachable$/m);
    for (const a of sim.agents.slice(0, 4)) expect(human.stdout).toMatch(new RegExp(`^  ${a.name.replace(/\./g, '\\.')} +re-enrolled +new certificate [0-9A-F:]{95}$`, 'm'));
    expect(human.stdout).toMatch(new RegExp(`^  ${forgotten.name.replace(/\./g, '\\.')} +not attempted +not in the inventory$`, 'm'));
    expect(existsSync(sim.master.realPath(`${SSL}/ca/signed/${forgotten.name}.pem`))).toBe(false);
  });
});
