// Faults of the site around a run, over a real sshd, on a simulated master and three agents: the backup
// directory on a full disk, a changed host key, an agent whose sshd goes away in the middle of the agents'
// batch. Each checks the message, the exit code, what the hosts hold, and that the printed recovery works.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimDeployment, type SimDeployment, type SimHost } from '../../support/sim-hosts.js';
import {
  chainsTo, E2E_TIMEOUT_MS, ensureBuilt, fingerprintOf, HOST_BACKUP_DIR, regen, said, serviceEvents, startRegen, tempDir, writeInventory,
  type CliRun,
} from '../helpers.js';
import { FAULTY_PUPPET, hold, installFaultyPuppet, journalOf, leftovers, lockHeld, reached, release, waitFor } from './faults-helpers.js';

vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

const MASTER = 'master.example.com';
const SSL = '/etc/puppetlabs/puppet/ssl';

let sim: SimDeployment;
let dir: string;
let inventory: string;
const caFile = () => sim.master.realPath(`${SSL}/ca/ca_crt.pem`);
const certOf = (h: SimHost) => h.realPath(`${SSL}/certs/${h.name}.pem`);
/** Runs a command in the mount namespace the host's sshd (and so every task) lives in. */
const inHost = (h: SimHost, ...command: string[]) =>
  execFileSync('nsenter', ['-t', readFileSync(path.join(h.sshd.dir, 'sshd.pid'), 'utf8').trim(), '-m', '--', ...command], { encoding: 'utf8' });

beforeAll(async () => {
  await ensureBuilt();
  sim = await startSimDeployment({ agents: 3, keyLength: 1024 });
  for (const a of sim.agents) installFaultyPuppet(a);
  dir = tempDir('faults-site');
  inventory = writeInventory(sim, path.join(dir, 'inventory.yaml'), {
    connectTimeout: 5,
    profile: Object.fromEntries(sim.agents.map((a) => [a.name, { puppet: FAULTY_PUPPET }])),
  });
});

afterAll(async () => {
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The first describe also regenerates the master, which the agents' describe needs.
describe('the backup directory on a full disk', () => {
  let run: CliRun;
  let before: ReturnType<SimDeployment['snapshot']>;
  let after: ReturnType<SimDeployment['snapshot']>;
  let eventsAfter: string[];
  let again: CliRun;
  beforeAll(async () => {
    inHost(sim.master, 'mkdir', '-p', HOST_BACKUP_DIR);
    inHost(sim.master, 'mount', '-t', 'tmpfs', '-o', 'size=64k', 'regen-full', HOST_BACKUP_DIR);
    inHost(sim.master, 'sh', '-c', `head -c 40000 /dev/zero > ${HOST_BACKUP_DIR}/filler`);
    before = sim.snapshot(sim.master);
    run = await regen(['plan', 'master', '-i', inventory, '--yes'], { stateDir: dir });
    after = sim.snapshot(sim.master);
    eventsAfter = serviceEvents(sim, sim.master);
    inHost(sim.master, 'umount', HOST_BACKUP_DIR);
    again = await regen(printed(run, 'run the plan again'), { stateDir: dir });
  });

  it('stops before anything is deleted, says why and that this run changed nothing', () => {
    expect(run.code, said(run)).toBe(1);
    expect(run.stdout).toMatch(/FAILED at step '(preflight|backup)'/);
    expect(run.stdout).toMatch(/free|space|full/i);
    expect(run.stdout).not.toContain('DELETED');
  });

  it('left the PKI byte for byte as it was, and every service running', () => {
    expect(after).toEqual(before);
    expect(eventsAfter).toEqual([]);
  });

  it('the printed command regenerates the master once there is room', () => {
    expect(again.code, said(again)).toBe(0);
    expect(again.stdout).toContain('Plan master completed.');
    expect(journalOf(sim.master)).toBeUndefined();
    expect(lockHeld(sim.master)).toBe(false);
  });
});

describe('a host key that changed', () => {
  it('is refused before anything runs on that host: exit 1, the key named, nothing changed', async () => {
    const agent = sim.agents[2];
    const knownHosts = readFileSync(sim.knownHostsPath, 'utf8');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'impostor'), '-C', 'x']);
    const impostor = readFileSync(path.join(dir, 'impostor.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const entry = `[127.0.0.1]:${agent.sshd.port} `;
    const changed = knownHosts.split('\n').map((l) => (l.startsWith(entry) ? `${entry}${impostor}` : l)).join('\n');
    expect(changed).not.toBe(knownHosts);
    writeFileSync(sim.knownHostsPath, changed);
    const before = sim.snapshot(agent);
    try {
      const run = await regen(['task', 'facts', '-i', inventory, '-t', agent.name, `puppet=${FAULTY_PUPPET}`], { stateDir: dir });
      expect(run.code, said(run)).toBe(1);
      expect(run.stdout + run.stderr).toMatch(/host key/i);
      expect(sim.snapshot(agent)).toEqual(before);
      expect(sim.events(agent)).toEqual([]);
    } finally {
      writeFileSync(sim.knownHostsPath, knownHosts);
    }
  });
});

describe("one agent's sshd gone in the middle of the agents' batch", () => {
  let run: CliRun;
  let rerun: CliRun;
  let lost: SimHost;
  beforeAll(async () => {
    lost = sim.agents[1];
    hold(lost, 'config', 3);
    const started = regen(['plan', 'agents', '-i', inventory, '--format', 'json'], { stateDir: dir });
    await waitFor(`puppet config on ${lost.name}`, () => reached(lost, 'config'));
    await lost.pause();
    run = await started;
    lost.resume();
    release(lost, 'config');
    rerun = await regen(['plan', 'agents', '-i', inventory, '--rerun', 'failure', '--format', 'json'], { stateDir: dir });
  });

  it('fails that agent alone, naming it; the others are re-enrolled under the new CA', () => {
    expect(run.code, said(run)).toBe(1);
    expect(run.json.failed_targets).toEqual([lost.name]);
    for (const a of sim.agents.filter((x) => x !== lost)) expect(chainsTo(caFile(), certOf(a)), a.name).toBe(true);
    expect(lockHeld(sim.master), 'the agents plan released the site lock').toBe(false);
  });

  it('--rerun failure completes it', () => {
    expect(rerun.code, said(rerun)).toBe(0);
    for (const a of sim.agents) expect(chainsTo(caFile(), certOf(a)), a.name).toBe(true);
    expect(fingerprintOf(certOf(lost))).not.toBe('');
  });
});

describe("regen SIGKILLed after an agent's old certificate was deleted", () => {
  let agent: SimHost;
  let killedJournal: any;
  let deletedAtKill: boolean;
  let refused: CliRun;
  let again: CliRun;
  beforeAll(async () => {
    agent = sim.agents[2];
    // request_cert starts the agent's service (puppet resource service pe-puppet ensure=running): hold it there.
    hold(agent, 'ensure=running', 4);
    const run = startRegen(['plan', 'agents', '-i', inventory, `targets=${agent.name}`, '--yes'], { stateDir: dir });
    await waitFor(`request_cert on ${agent.name}`, () => reached(agent, 'ensure=running'));
    run.child.kill('SIGKILL');
    await run.done;
    killedJournal = journalOf(agent);
    deletedAtKill = !existsSync(certOf(agent));
    release(agent, 'ensure=running');
    refused = await regen(['plan', 'agents', '-i', inventory, `targets=${agent.name}`], { stateDir: dir });
    again = await regen([...printed(refused, '--break-lock'), '--format', 'json'], { stateDir: dir });
  });

  it("the agent's journal says where it stands: its certificate deleted, the backup archived", () => {
    expect(deletedAtKill, 'the killed run had deleted the old certificate').toBe(true);
    expect(killedJournal?.journal).toMatchObject({ plan: 'agent_reenroll', status: 'running', next_step: 'request_cert' });
    const steps = (killedJournal.journal.steps as Array<{ name: string }>).map((s) => s.name);
    expect(steps).toEqual(expect.arrayContaining(['backup', 'stop_agent_services', 'delete_ssl']));
  });

  it('the next run is refused by the dead run\'s lock on the master, which it calls stale, and offers --break-lock', () => {
    expect(refused.code, said(refused)).toBe(1);
    expect(refused.stdout).toContain('REFUSED before any change');
    expect(refused.stdout).toMatch(/locked by run \S+ of plan 'agents'.*that process is gone: the lock is stale/);
  });

  it('the printed --break-lock run continues that re-enrollment (not a backup of the deleted ssl dir) and the agent chains to the new CA', () => {
    expect(again.code, said(again)).toBe(0);
    const reenrolled = (again.json.steps as Array<{ name: string; targets: Array<{ target: string; value?: { backup?: string } }> }>)
      .find((s) => s.name === 'reenroll')!.targets;
    expect(reenrolled.map((t) => t.target), 'the printed command keeps targets=').toEqual([agent.name]);
    const backup = (killedJournal.journal.steps as Array<{ name: string; targets: Array<{ value?: { archive?: string } }> }>)
      .find((s) => s.name === 'backup')?.targets[0]?.value?.archive;
    expect(backup).toMatch(/regen-agent-ssl-.*\.tar\.gz$/);
    expect(reenrolled[0].value?.backup, "the killed run's backup, not a new one of the emptied ssl dir").toBe(backup);
    expect(again.stderr + again.stdout).not.toContain('nothing to back up');
    expect(chainsTo(caFile(), certOf(agent))).toBe(true);
    expect(existsSync(agent.realPath(backup!)), 'the backup of the old certificate is kept').toBe(true);
    expect(journalOf(agent), 'a finished run leaves no current journal').toBeUndefined();
    expect(leftovers(agent)).toEqual([]);
  });
});

/** The regen arguments of the `Next:` line that contains `label`. */
function printed(run: CliRun, label: string): string[] {
  const line = run.stdout.split('\n').find((l) => l.includes(label) && l.includes('regen plan '));
  expect(line, `no "${label}" line\n${said(run)}`).toBeDefined();
  return [...line!.slice(line!.indexOf('regen plan ')).trim().split(/\s+/).slice(1), '--yes'];
}
