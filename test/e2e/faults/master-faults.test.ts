// Faults during `regen plan master`, over a real sshd, on one simulated PE 3.7 master, one after another:
// regen SIGKILLed while its task runs on the host, a second run while one holds the site, Ctrl-C, the SSH
// session dropped mid-step, a task hanging past --timeout. Each checks the message and exit code, what the
// host holds, that nothing of the run is left running there, and that the recovery the run printed works:
// after each fault the printed command completes the regeneration and the master verifies.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimDeployment, type SimDeployment, type SimHost } from '../../support/sim-hosts.js';
import {
  chainsTo, E2E_TIMEOUT_MS, ensureBuilt, fingerprintOf, HOST_BACKUP_DIR, regen, said, serviceState, START_ORDER, startRegen, STOP_ORDER, tempDir, writeInventory,
  type CliRun,
} from '../helpers.js';
import { FAULTY_PUPPET, hold, installFaultyPuppet, journalOf, leftovers, lockHeld, reached, release, waitFor } from './faults-helpers.js';

vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

const CERTNAME = 'master.example.com';
const SSL = '/etc/puppetlabs/puppet/ssl';

let sim: SimDeployment;
let master: SimHost;
let dir: string;
let inventory: string;
const real = (p: string) => master.realPath(p);
const caFingerprint = () => fingerprintOf(real(`${SSL}/ca/ca_crt.pem`));
const plan = (...extra: string[]) => ['plan', 'master', '-i', inventory, '--yes', ...extra];

beforeAll(async () => {
  await ensureBuilt();
  sim = await startSimDeployment({ agents: 0, keyLength: 1024 });
  master = sim.master;
  installFaultyPuppet(master);
  dir = tempDir('faults-master');
  inventory = writeInventory(sim, path.join(dir, 'inventory.yaml'), { profile: { [CERTNAME]: { puppet: FAULTY_PUPPET } } });
});

afterAll(async () => {
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The run completed: exit 0, every verification check passed, the CA is new, the master's cert chains to it. */
function expectRegenerated(run: CliRun, oldFingerprint: string): void {
  expect(run.code, said(run)).toBe(0);
  const checks = run.json?.return?.checks as Array<{ name: string; ok: boolean }> | undefined;
  if (checks) for (const c of checks) expect(c, c.name).toMatchObject({ ok: true });
  expect(caFingerprint()).not.toBe(oldFingerprint);
  expect(chainsTo(real(`${SSL}/ca/ca_crt.pem`), real(`${SSL}/certs/${CERTNAME}.pem`))).toBe(true);
  expect(journalOf(master), 'a finished run leaves no journal').toBeUndefined();
  expect(lockHeld(master), 'a finished run leaves no lock').toBe(false);
  expect(leftovers(master)).toEqual([]);
}

/** The `Next:` command a failed run printed, as regen arguments. */
function printedCommand(run: CliRun, flag: string): string[] {
  const line = run.stdout.split('\n').find((l) => l.includes(`regen plan master`) && l.includes(flag));
  expect(line, `no "${flag}" command printed\n${said(run)}`).toBeDefined();
  const words = line!.slice(line!.indexOf('regen plan master')).trim().split(/\s+/).slice(1);
  return [...words, ...(words.includes('--yes') ? [] : ['--yes']), '--format', 'json'];
}

describe('regen SIGKILLed while the host generates the master certificate', () => {
  let old: string;
  let refused: CliRun;
  let resumed: CliRun;
  beforeAll(async () => {
    old = caFingerprint();
    hold(master, 'generate', 4);
    const run = startRegen(plan(), { stateDir: dir });
    await waitFor('cert generate on the master', () => reached(master, 'generate'));
    run.child.kill('SIGKILL');
    await run.done;
    // The orphaned task is still asleep on the host, about to generate the certificate.
    expect(leftovers(master).length).toBeGreaterThan(0);
    refused = await regen(plan(), { stateDir: dir });
    release(master, 'generate');
    resumed = await regen(printedCommand(refused, '--resume'), { stateDir: dir });
  });

  it('a new run refuses to start over: it says what the killed run did, where the backup is, and offers --resume', () => {
    expect(refused.code, said(refused)).toBe(1);
    expect(refused.stdout).toContain('REFUSED before any change');
    expect(refused.stdout).toMatch(/in the middle of an earlier run of this plan \(run \S+ by .*last step completed: regenerate_ca/);
    expect(refused.stdout).toContain('a NEW CA exists');
    expect(refused.stdout).toMatch(/Backup archive: \/var\/opt\/lib\/regen\/backups\/\S+\.tar\.gz/);
    expect(refused.stdout).toMatch(/regen plan restore -t master.example.com archive=\S+\.tar\.gz/);
    expect(refused.stdout).not.toMatch(/nothing has been changed/i);
  });

  it('--resume waits for the orphaned task, redoes the CA from clear_ssl and completes; the master verifies', () => {
    const steps = resumed.json.steps as Array<{ name: string; resumed?: boolean }>;
    const firstRun = steps.findIndex((s) => !s.resumed);
    expect(steps[firstRun].name, 'redone from clear_ssl, the start of the group generate_master_cert belongs to').toBe('clear_ssl');
    expect(steps.slice(0, firstRun).map((s) => s.name)).toContain('backup');
    expectRegenerated(resumed, old);
  });
});

describe('a second run while the first holds the site', () => {
  let old: string;
  let first: CliRun;
  let second: CliRun;
  let archive: string;
  beforeAll(async () => {
    old = caFingerprint();
    hold(master, 'generate', 3);
    const run = startRegen([...plan(), '--format', 'json'], { stateDir: dir });
    await waitFor('cert generate on the master', () => reached(master, 'generate'));
    const otherDir = path.join(dir, 'other-controller');
    mkdirSync(otherDir);
    second = await regen(plan(), { stateDir: otherDir });
    release(master, 'generate');
    first = await run.done;
    archive = first.json?.return?.backup;
  });

  it('the second is refused before any change, naming the run that holds the lock', () => {
    expect(second.code, said(second)).toBe(1);
    expect(second.stdout).toMatch(/the site is locked by run \S+ of plan 'master', \S+@\S+ pid \d+, since/);
    expect(second.stdout).toContain('this run changed nothing');
    expect(second.stdout).toMatch(/run again with --break-lock/);
  });

  it('the first completes untouched, and its backup holds the old CA', () => {
    expectRegenerated(first, old);
    const listing = master.exec(`tar -tzf ${archive}`);
    return listing.then((r) => expect(r.stdout).toMatch(/ssl\/ca\/ca_crt\.pem/));
  });
});

describe('Ctrl-C (SIGINT) while a step runs', () => {
  let old: string;
  let interrupted: CliRun;
  let resumed: CliRun;
  let left: string[];
  let journalAfter: unknown;
  beforeAll(async () => {
    old = caFingerprint();
    hold(master, 'generate', 300);
    const run = startRegen(plan(), { stateDir: dir });
    await waitFor('cert generate on the master', () => reached(master, 'generate'));
    run.child.kill('SIGINT');
    interrupted = await run.done;
    left = leftovers(master);
    journalAfter = journalOf(master)?.journal;
    release(master, 'generate');
    resumed = await regen(printedCommand(interrupted, '--resume'), { stateDir: dir });
  });

  it('says it was interrupted, stops the command on the host, and prints the backup and the resume command', () => {
    expect(interrupted.code, said(interrupted)).toBe(1);
    expect(interrupted.stderr).toContain('SIGINT: interrupted');
    expect(interrupted.stdout).toContain("INTERRUPTED at step 'generate_master_cert'");
    expect(interrupted.stdout).toMatch(/Backup archive: \S+\.tar\.gz/);
    expect(left).toEqual([]);
    expect(journalAfter).toMatchObject({ status: 'interrupted', next_step: 'generate_master_cert' });
  });

  it('the printed --resume completes the run', () => {
    expectRegenerated(resumed, old);
  });
});

describe('the SSH session dropped mid-step', () => {
  let old: string;
  let dropped: CliRun;
  let resumed: CliRun;
  beforeAll(async () => {
    old = caFingerprint();
    hold(master, 'generate', 3);
    const run = startRegen(plan(), { stateDir: dir });
    await waitFor('cert generate on the master', () => reached(master, 'generate'));
    await master.sshd.killSessions();
    dropped = await run.done;
    release(master, 'generate');
    resumed = await regen(printedCommand(dropped, '--resume'), { stateDir: dir });
  });

  it('the master fails at that step with the connection named; regen does not crash', () => {
    expect(dropped.code, said(dropped)).toBe(1);
    expect(dropped.stdout).toContain("FAILED at step 'generate_master_cert'");
    expect(dropped.stdout).toMatch(/error on master.example.com: .*(connection|closed|dropped)/i);
  });

  it('--resume finishes the orphaned task first and completes', () => {
    expectRegenerated(resumed, old);
  });
});

describe('a task hanging past --timeout', () => {
  let old: string;
  let hung: CliRun;
  let left: string[];
  let resumed: CliRun;
  beforeAll(async () => {
    old = caFingerprint();
    hold(master, 'generate', 3600);
    hung = await regen([...plan(), '--timeout', '4'], { stateDir: dir });
    left = leftovers(master);
    release(master, 'generate');
    resumed = await regen(printedCommand(hung, '--resume'), { stateDir: dir });
  });

  it('is stopped on the host at the limit: the step fails with the timeout named and no process is left', () => {
    expect(hung.code, said(hung)).toBe(1);
    expect(hung.stdout).toContain("FAILED at step 'generate_master_cert'");
    expect(hung.stdout).toMatch(/tim(ed|e) ?out/i);
    expect(left).toEqual([]);
    expect(readFileSync(real(`${SSL}/ca/ca_crt.pem`), 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('the printed --resume completes the run', () => {
    expectRegenerated(resumed, old);
  });
});

describe('a failed run abandoned with the restore command it printed', () => {
  let old: string;
  let failed: CliRun;
  let restored: CliRun;
  let servicesAfter: string[];
  let caAfter: string;
  let chainedAfter: boolean;
  let journalAfter: unknown;
  let again: CliRun;
  beforeAll(async () => {
    old = caFingerprint();
    hold(master, 'generate', 3600);
    failed = await regen([...plan(), '--timeout', '4'], { stateDir: dir });
    release(master, 'generate');
    const line = failed.stdout.split('\n').find((l) => l.includes('regen plan restore'));
    expect(line, said(failed)).toBeDefined();
    const words = line!.slice(line!.indexOf('regen plan restore')).trim().split(/\s+/).slice(1);
    restored = await regen([...words, '-i', inventory, '--yes', '--format', 'json'], { stateDir: dir });
    servicesAfter = await Promise.all(STOP_ORDER.map((s: string) => serviceState(master, s)));
    caAfter = caFingerprint();
    chainedAfter = chainsTo(real(`${SSL}/ca/ca_crt.pem`), real(`${SSL}/certs/${CERTNAME}.pem`));
    journalAfter = journalOf(master);
    again = await regen([...plan(), '--format', 'json'], { stateDir: dir });
  });

  it('puts the old CA back, starts every service the run stopped, and closes the run journal', () => {
    expect(failed.code, said(failed)).toBe(1);
    expect(failed.stdout).toContain(`start=${START_ORDER.join(',')}`);
    expect(restored.code, said(restored)).toBe(0);
    expect(caAfter).toBe(old);
    expect(chainedAfter).toBe(true);
    expect(servicesAfter).toEqual(STOP_ORDER.map(() => 'running'));
    expect(restored.json.return.started.map((s: { service: string }) => s.service)).toEqual(START_ORDER);
    expect(journalAfter, 'the restore closed the abandoned run').toBeUndefined();
    expect(restored.json.return.restored.journal_closed).toMatch(/\/runs\/\S+\.restored\.json$/);
  });

  it('the next run starts afresh and completes', () => {
    expectRegenerated(again, old);
  });
});

