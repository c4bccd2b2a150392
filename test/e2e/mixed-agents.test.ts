// A mixed PE 3.7 site end to end through the CLI: a master and two Linux agents over SSH, two Windows
// agents over WinRM (NTLM, each its own WS-Management server), one inventory. The master is put under a
// new CA by `regen plan master`; `regen task service` stops pe-mcollective on a Windows agent; `regen
// plan agents` re-enrolls all four while one Windows agent's pe-mcollective hangs in StopPending (the
// doc: it "can hang"): that agent fails alone, untouched past the stop, the other three are enrolled
// under the new CA; once its process is ended (the error's own advice, force_kill, through regen),
// `--rerun failure` re-enrolls exactly that agent. No inventory password reaches the state dir.
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimHost } from '../support/sim-hosts.js';
import { chainsTo, ensureBuilt, fingerprintOf, publicKeyOf, regen, said, serviceState, tempDir, type CliRun } from './helpers.js';
import { filesContaining, filesUnder, secretForms, SSL, startMixedSite, type MixedSite, type WindowsNode } from './mixed-helpers.js';

const PASSWORDS = [`Tr0ub4dor&3 "é" <x> ^%PATH%`, `W1nTw0s3cret 'q' & | > %TEMP% ✓`];

let site: MixedSite;
let dir: string;
let stateDir: string;
let inventory: string;
let oldCaFile: string;
let win1: WindowsNode;
let win2: WindowsNode;
/** Every CLI run of this file (their output is checked for secrets at the end). */
const runs: CliRun[] = [];
/** Each agent's certificate fingerprint before anything ran. */
const before = new Map<string, string>();

const caFile = () => site.sim.master.realPath(`${SSL}/ca/ca_crt.pem`);
const linuxCert = (h: SimHost) => h.realPath(`${SSL}/certs/${h.name}.pem`);
const linuxKey = (h: SimHost) => h.realPath(`${SSL}/private_keys/${h.name}.pem`);
const signedOnMaster = (certname: string) => readFileSync(site.sim.master.realPath(`${SSL}/ca/signed/${certname}.pem`));

async function cli(args: string[]): Promise<CliRun> {
  const run = await regen([...args, '-i', inventory, '--format', 'json', '--state-dir', stateDir], { stateDir, cwd: dir });
  runs.push(run);
  return run;
}

/** The `reenroll` batch of an agents plan result: [target, status] per agent, in order. */
const batch = (run: CliRun) => run.json.steps.find((s: { name: string }) => s.name === 'reenroll').targets as Array<Record<string, any>>;

function expectLinuxReenrolled(agent: SimHost): void {
  const cert = linuxCert(agent);
  expect(chainsTo(caFile(), cert), `${agent.name}'s new certificate chains to the new CA`).toBe(true);
  expect(chainsTo(oldCaFile, cert)).toBe(false);
  expect(fingerprintOf(cert)).not.toBe(before.get(agent.name));
  expect(publicKeyOf(linuxKey(agent), 'key')).toBe(publicKeyOf(cert, 'cert'));
  expect(readFileSync(agent.realPath(`${SSL}/certs/ca.pem`))).toEqual(readFileSync(caFile()));
  expect(signedOnMaster(agent.name)).toEqual(readFileSync(cert));
}

function expectWindowsReenrolled(win: WindowsNode): void {
  const cert = win.certFile();
  expect(chainsTo(caFile(), cert), `${win.name}'s new certificate chains to the new CA`).toBe(true);
  expect(chainsTo(oldCaFile, cert)).toBe(false);
  expect(fingerprintOf(cert)).not.toBe(before.get(win.name));
  expect(publicKeyOf(win.keyFile(), 'key')).toBe(publicKeyOf(cert, 'cert'));
  expect(readFileSync(win.file('C:\\ProgramData\\PuppetLabs\\puppet\\etc\\ssl\\certs\\ca.pem'))).toEqual(readFileSync(caFile()));
  expect(signedOnMaster(win.name)).toEqual(readFileSync(cert));
  expect(win.sim.agent.serviceState('pe-puppet')).toBe('running');
  expect(win.sim.agent.serviceState('pe-mcollective')).toBe('running');
}

beforeAll(async () => {
  await ensureBuilt();
  site = await startMixedSite({
    linuxAgents: 2,
    windows: [
      { certname: 'win1.example.com', alias: 'win1', password: PASSWORDS[0] },
      { certname: 'win2.example.com', alias: 'win2', password: PASSWORDS[1], stopHangs: ['pe-mcollective'] },
    ],
  });
  [win1, win2] = site.windows;
  dir = tempDir('mixed');
  stateDir = path.join(dir, 'state');
  inventory = site.writeInventory(path.join(dir, 'inventory.yaml'));
  oldCaFile = path.join(dir, 'old_ca.pem');
  copyFileSync(caFile(), oldCaFile);
  for (const a of site.sim.agents) before.set(a.name, fingerprintOf(linuxCert(a)));
  for (const w of site.windows) {
    expect(chainsTo(oldCaFile, w.certFile()), `${w.name} starts enrolled with the old CA`).toBe(true);
    before.set(w.name, fingerprintOf(w.certFile()));
  }
}, 120_000);

afterAll(async () => {
  await site?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a mixed Linux and Windows site', () => {
  it('regen plan master puts the master under a new CA', async () => {
    const run = await cli(['plan', 'master', '--yes']);
    expect(run.code, said(run)).toBe(0);
    expect(run.json.status).toBe('success');
    expect(fingerprintOf(caFile())).not.toBe(fingerprintOf(oldCaFile));
    expect(chainsTo(caFile(), site.sim.master.realPath(`${SSL}/certs/${site.sim.master.name}.pem`))).toBe(true);
  }, 180_000);

  it('regen task service -t win1 name=pe-mcollective action=stop stops the service over WinRM', async () => {
    expect(win1.sim.agent.serviceState('pe-mcollective')).toBe('running');
    const run = await cli(['task', 'service', '-t', 'win1', 'name=pe-mcollective', 'action=stop']);
    expect(run.code, said(run)).toBe(0);
    expect(run.json.items).toEqual([expect.objectContaining({ target: win1.name, status: 'success' })]);
    expect(run.json.items[0].value).toMatchObject({ service: 'pe-mcollective', action: 'stop', before: 'running', after: 'stopped', changed: true, pid: 0 });
    expect(win1.sim.agent.serviceState('pe-mcollective')).toBe('stopped');
    expect(win1.sim.agent.serviceState('pe-puppet')).toBe('running');
  });
});

describe('regen plan agents with a Windows agent whose pe-mcollective stop hangs', () => {
  let run: CliRun;
  let failure: Record<string, any>;
  beforeAll(async () => {
    // service_timeout=2: the hang is the same at any timeout; the default 60 s would only slow the test.
    run = await cli(['plan', 'agents', '--yes', 'service_timeout=2']);
    failure = batch(run).find((t) => t.target === win2.name)!;
  }, 180_000);

  it('fails that agent alone (exit 1), naming the step, the error and its advice', () => {
    expect(run.code, said(run)).toBe(1);
    expect(run.json.failed_targets).toEqual([win2.name]);
    expect(batch(run).map((t) => [t.target, t.status])).toEqual([
      ...site.sim.agents.map((a) => [a.name, 'success']),
      [win1.name, 'success'],
      [win2.name, 'failure'],
    ]);
    expect(failure.failure).toMatchObject({
      step: 'stop_agent_services',
      doc_step: '6.2-6.3',
      completed: ['facts', 'backup'],
      error: { kind: 'regen/service-hung', details: { service: 'pe-mcollective', state: 'stoppending', timeout: 2 } },
    });
    expect(failure.failure.error.msg).toContain('force_kill=true');
    expect(run.json.return.agents.failed).toEqual([win2.name]);
  });

  it('re-enrolls the two Linux agents and the other Windows agent under the new CA', async () => {
    for (const agent of site.sim.agents) {
      expectLinuxReenrolled(agent);
      expect(await serviceState(agent, 'pe-puppet')).toBe('running');
      expect(await serviceState(agent, 'pe-mcollective')).toBe('running');
    }
    expectWindowsReenrolled(win1);
    const backup = batch(run).find((t) => t.target === win1.name)!.value.backup as string;
    expect(backup).toMatch(/^C:\\ProgramData\\PuppetLabs\\regen\\backups\\/);
    expect(chainsTo(oldCaFile, win1.file(`${backup}\\C\\ProgramData\\PuppetLabs\\puppet\\etc\\ssl\\certs\\${win1.name}.pem`))).toBe(true);
  });

  it('leaves the failed agent with its old certificate, stopped at the hung service', () => {
    expect(fingerprintOf(win2.certFile())).toBe(before.get(win2.name));
    expect(chainsTo(oldCaFile, win2.certFile())).toBe(true);
    expect(win2.sim.agent.serviceState('pe-puppet')).toBe('stopped');
    expect(win2.sim.agent.serviceState('pe-mcollective')).toBe('stoppending');
  });

  it('--rerun failure force_kill=true (the error\'s advice) re-enrolls exactly that agent', async () => {
    const linuxLogs = site.sim.agents.map((a) => site.sim.events(a));
    const win1Calls = win1.sim.agent.calls.length;
    const rerun = await cli(['plan', 'agents', '--yes', '--rerun', 'failure', 'force_kill=true', 'service_timeout=2']);
    expect(rerun.code, said(rerun)).toBe(0);
    expect(rerun.json.failed_targets).toEqual([]);
    expect(batch(rerun).map((t) => [t.target, t.status])).toEqual([[win2.name, 'success']]);
    expect(site.sim.agents.map((a) => site.sim.events(a))).toEqual(linuxLogs);
    // The end-of-run coverage report only reads the agent that was already done: its facts and its chain.
    expect(win1.sim.agent.calls.slice(win1Calls).map((c) => c.task)).toEqual(['facts', 'cert_info']);

    // One service call stops the profile's agent_stop list in order: pe-puppet, then the hung pe-mcollective.
    const stop = win2.sim.agent.calls.filter((c) => c.task === 'service' && c.params.action === 'stop').at(-1)!;
    expect(stop.params.names).toEqual(['pe-puppet', 'pe-mcollective']);
    expect((stop.output as any).services[1]).toMatchObject({ service: 'pe-mcollective', before: 'stoppending', after: 'stopped',
      forced: true, killed_pid: failure.failure.error.details.pid });
    expectWindowsReenrolled(win2);
  }, 120_000);
});

describe('secrets', () => {
  it('no inventory password is in any file under the state dir, nor in any output', () => {
    const inventoryText = readFileSync(inventory, 'utf8');
    const needles = PASSWORDS.flatMap(secretForms);
    for (const p of PASSWORDS) expect(inventoryText).toContain(secretForms(p).at(-1));
    const logs = filesUnder(stateDir);
    expect(logs.filter((f) => f.includes(`${path.sep}logs${path.sep}`)).length).toBeGreaterThan(4);
    expect(filesContaining(stateDir, needles)).toEqual([]);
    for (const r of runs) for (const n of needles) expect(`${r.stdout}${r.stderr}`).not.toContain(n);
  });
});
