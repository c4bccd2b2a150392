// A whole regeneration on a simulated deployment (a master and three agents), over SSH, the way an
// admin lives it: the master plan fails in the middle (an owner that does not exist on the master),
// says where things stand and how to go on, and the printed --resume command finishes it once the
// inventory is fixed; `regen plan agents` then re-enrolls the agents while one is unreachable, and
// `--rerun failure` completes exactly that one; `regen plan agent_certs` replaces one agent's
// certificate under the same CA.
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimDeployment, type SimDeployment, type SimHost } from '../support/sim-hosts.js';
import {
  chainsTo, E2E_TIMEOUT_MS, ensureBuilt, fingerprintOf, HOST_BACKUP_DIR, namesIn, openssl, publicKeyOf, regen, said, serialOf,
  serviceEvents, serviceState, START_ORDER, STOP_ORDER, tempDir, writeInventory, type CliRun,
} from './helpers.js';

// Whole plans run in hooks and tests: generous guards for a loaded 2-core machine (not assertions).
vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

const MASTER = 'master.example.com';
const SSL = '/etc/puppetlabs/puppet/ssl';
const PUPPETDB = '/etc/puppetlabs/puppetdb/ssl';
const PGSQL = '/opt/puppet/var/lib/pgsql/9.2/data/certs';

let sim: SimDeployment;
let dir: string;
let inventory: string;
let oldCaFile: string;
/** Each agent's certificate fingerprint and catalog version before anything ran. */
const agentBefore = new Map<string, { fingerprint: string; catalog: number }>();

const caFile = () => sim.master.realPath(`${SSL}/ca/ca_crt.pem`);
const certOf = (h: SimHost) => h.realPath(`${SSL}/certs/${h.name}.pem`);
const catalogVersion = (h: SimHost) =>
  JSON.parse(readFileSync(h.realPath(`/var/opt/lib/pe-puppet/client_data/catalog/${h.name}.json`), 'utf8')).data.version as number;
const eventLog = (h: SimHost) => readFileSync(h.realPath('/var/opt/lib/pe-sim/events.log'), 'utf8');

beforeAll(async () => {
  await ensureBuilt();
  sim = await startSimDeployment({ agents: 3, keyLength: 1024 });
  dir = tempDir('agents');
  inventory = path.join(dir, 'inventory.yaml');
  oldCaFile = path.join(dir, 'old_ca.pem');
  copyFileSync(caFile(), oldCaFile);
  for (const a of sim.agents) agentBefore.set(a.name, { fingerprint: fingerprintOf(certOf(a)), catalog: catalogVersion(a) });
});

afterAll(async () => {
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The agent is enrolled under the master's current CA, its services run, its catalog is cached anew. */
async function expectReenrolled(agent: SimHost): Promise<void> {
  const cert = certOf(agent);
  expect(chainsTo(caFile(), cert), `${agent.name}'s certificate chains to the new CA`).toBe(true);
  expect(chainsTo(oldCaFile, cert)).toBe(false);
  expect(fingerprintOf(cert)).not.toBe(agentBefore.get(agent.name)!.fingerprint);
  expect(publicKeyOf(agent.realPath(`${SSL}/private_keys/${agent.name}.pem`), 'key')).toBe(publicKeyOf(cert, 'cert'));
  expect(readFileSync(agent.realPath(`${SSL}/certs/ca.pem`))).toEqual(readFileSync(caFile()));
  expect(readFileSync(sim.master.realPath(`${SSL}/ca/signed/${agent.name}.pem`))).toEqual(readFileSync(cert));
  expect(catalogVersion(agent)).toBeGreaterThan(agentBefore.get(agent.name)!.catalog);
  expect(await serviceState(agent, 'pe-puppet')).toBe('running');
  expect(await serviceState(agent, 'pe-mcollective')).toBe('running');
}

describe('a failure in the middle of regen plan master', () => {
  let failed: CliRun;
  let caAfterFailure: string;
  beforeAll(async () => {
    writeInventory(sim, inventory, { profile: { [MASTER]: { dirs: { puppetdb: { owner: 'nosuchuser' } } } }, connectTimeout: 5 });
    failed = await regen(['plan', 'master', '-i', inventory, '--yes'], { stateDir: dir });
    caAfterFailure = fingerprintOf(caFile());
  });

  it('stops the plan with exit 1, naming the failed step, the host\'s state, the backup and the commands to resume or restore', () => {
    expect(failed.code, said(failed)).toBe(1);
    const out = failed.stdout;
    expect(out).toContain(`FAILED at step 'chown_puppetdb_ssl' (doc step 3.2) on ${MASTER}`);
    expect(out).toMatch(/error on master\.example\.com: .*nosuchuser/);
    // Only the latest state is shown (older notes are out of date): PuppetDB's directory was cleared, its copies not finished.
    const states = out.slice(out.indexOf('Where the host stands now:'), out.indexOf('Backup archive:')).split('\n').slice(1).filter((l) => l.trim());
    expect(states).toHaveLength(1);
    expect(states[0]).toContain(`PuppetDB's OLD credentials are DELETED from ${PUPPETDB}`);
    const backup = /Backup archive: (\S+) on master\.example\.com/.exec(out);
    expect(backup, out).not.toBeNull();
    expect(path.dirname(backup![1])).toBe(HOST_BACKUP_DIR);
    expect(namesIn(sim.master, HOST_BACKUP_DIR)).toContain(path.basename(backup![1]));
    expect(out).toContain(`regen plan master -i ${inventory} --state-dir ${dir} --resume`);
    expect(out).toContain(`regen task service -t ${MASTER} action=start names=${START_ORDER.join(',')}`);
    expect(out).toContain(`regen plan restore -t ${MASTER} archive=${backup![1]}`);
  });

  it('left the master where the message says: new CA, PuppetDB copies made but not chowned, later steps not run, services stopped', () => {
    expect(caAfterFailure).not.toBe(fingerprintOf(oldCaFile));
    for (const kind of ['cert', 'public_key', 'private_key']) {
      const [e] = sim.snapshot(sim.master, [`${PUPPETDB}/${MASTER}.${kind}.pem`]);
      expect(e).toMatchObject({ owner: 'root', group: 'root' });
    }
    expect(chainsTo(caFile(), sim.master.realPath(`${PUPPETDB}/${MASTER}.cert.pem`))).toBe(true);
    expect(chainsTo(oldCaFile, sim.master.realPath(`${PGSQL}/${MASTER}.cert.pem`))).toBe(true);
    expect(serviceEvents(sim, sim.master)).toEqual(STOP_ORDER.map((s) => `${s} running->stopped`));
  });

  it('once the cause is fixed, the printed --resume command finishes the plan and its verification passes', async () => {
    writeInventory(sim, inventory, { connectTimeout: 5 });
    const command = /continue the run:\s+(regen plan master .*--resume)/.exec(failed.stdout)![1];
    const run = await regen(command.split(' ').slice(1), { stateDir: dir });
    expect(run.code, said(run)).toBe(0);
    expect(run.stdout).toContain('Plan master completed.');
    const logDir = /Log: (\S+)/.exec(run.stdout)![1];
    const result = JSON.parse(readFileSync(path.join(logDir, 'result.json'), 'utf8'));
    expect(result.status).toBe('success');
    const verify = result.steps.find((s: { name: string }) => s.name === 'verify').targets[0];
    expect(verify.status).toBe('success');
    for (const check of verify.value.checks) expect(check, check.name).toMatchObject({ ok: true });
    // The resumed run went on from the failed step: same CA, Step 1 not repeated, Step 5 done once.
    expect(fingerprintOf(caFile())).toBe(caAfterFailure);
    expect(serviceEvents(sim, sim.master)).toEqual([
      ...STOP_ORDER.map((s) => `${s} running->stopped`),
      ...START_ORDER.map((s) => `${s} stopped->running`),
    ]);
    for (const kind of ['cert', 'public_key', 'private_key']) {
      const [e] = sim.snapshot(sim.master, [`${PUPPETDB}/${MASTER}.${kind}.pem`]);
      expect(e).toMatchObject({ owner: 'pe-puppetdb', group: 'pe-puppetdb' });
    }
    for (const f of namesIn(sim.master, PGSQL)) {
      const [e] = sim.snapshot(sim.master, [`${PGSQL}/${f}`]);
      expect(e).toMatchObject({ owner: 'pe-postgres', group: 'pe-postgres', mode: '0400' });
    }
    expect(chainsTo(caFile(), sim.master.realPath(`${PGSQL}/${MASTER}.cert.pem`))).toBe(true);
  });
});

describe('regen plan agents, with one agent unreachable', () => {
  let run: CliRun;
  let unreachable: SimHost;
  beforeAll(async () => {
    unreachable = sim.agents[0];
    await unreachable.pause();
    try {
      run = await regen(['plan', 'agents', '-i', inventory, '--format', 'json'], { stateDir: dir });
    } finally {
      unreachable.resume();
    }
  });

  it('fails that agent alone (exit 1) and re-enrolls the others', async () => {
    expect(run.code, said(run)).toBe(1);
    expect(run.json.failed_targets).toEqual([unreachable.name]);
    for (const agent of sim.agents.slice(1)) await expectReenrolled(agent);
  });

  it('leaves the unreachable agent untouched', () => {
    expect(fingerprintOf(certOf(unreachable))).toBe(agentBefore.get(unreachable.name)!.fingerprint);
    expect(sim.events(unreachable)).toEqual([]);
  });

  it('--rerun failure re-enrolls exactly that agent', async () => {
    const others = sim.agents.slice(1);
    const logs = others.map(eventLog);
    const rerun = await regen(['plan', 'agents', '-i', inventory, '--rerun', 'failure', '--format', 'json'], { stateDir: dir });
    expect(rerun.code, said(rerun)).toBe(0);
    expect(rerun.json.failed_targets).toEqual([]);
    const batch = rerun.json.steps.find((s: { name: string }) => s.name === 'reenroll');
    expect(batch.targets.map((t: { target: string; status: string }) => [t.target, t.status])).toEqual([[unreachable.name, 'success']]);
    expect(others.map(eventLog)).toEqual(logs);
    await expectReenrolled(unreachable);
    expect(namesIn(sim.master, `${SSL}/ca/signed`)).toEqual(expect.arrayContaining(sim.agents.map((a) => `${a.name}.pem`)));
  });
});

describe('regen plan agent_certs on one agent', () => {
  it('replaces that agent\'s certificate under the same CA and revokes the old one', async () => {
    const agent = sim.agents[1];
    const ca = readFileSync(caFile());
    const oldSerial = serialOf(certOf(agent));
    const oldFingerprint = fingerprintOf(certOf(agent));
    const others = [sim.agents[0], sim.agents[2]];
    const logs = others.map(eventLog);
    const run = await regen(['plan', 'agent_certs', '-i', inventory, '-t', agent.name, '--format', 'json'], { stateDir: dir });
    expect(run.code, said(run)).toBe(0);
    expect(readFileSync(caFile())).toEqual(ca);
    expect(fingerprintOf(certOf(agent))).not.toBe(oldFingerprint);
    expect(chainsTo(caFile(), certOf(agent))).toBe(true);
    expect(publicKeyOf(agent.realPath(`${SSL}/private_keys/${agent.name}.pem`), 'key')).toBe(publicKeyOf(certOf(agent), 'cert'));
    const crl = openssl('crl', '-noout', '-text', '-in', sim.master.realPath(`${SSL}/ca/ca_crl.pem`));
    expect(crl).toMatch(new RegExp(`Serial Number: 0*${oldSerial.replace(/^0+/, '')}\\b`, 'i'));
    expect(readFileSync(sim.master.realPath(`${SSL}/ca/signed/${agent.name}.pem`))).toEqual(readFileSync(certOf(agent)));
    expect(await serviceState(agent, 'pe-puppet')).toBe('running');
    expect(await serviceState(agent, 'pe-mcollective')).toBe('running');
    expect(others.map(eventLog)).toEqual(logs);
  });
});
