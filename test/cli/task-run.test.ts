// `regen task` end to end: the built CLI, an inventory file, a real sshd on loopback, real files.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../support/sshd.js';
import { closedPort, entries, itemFor, json, regen, sshConfigYaml, writeInventory } from './helpers.js';

let sshd: Sshd;
let dir: string;
let roots: string;
let inventory: string;
let stateDir: string;

beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'regen-cli-task-'));
  chmodSync(dir, 0o755);
  roots = join(dir, 'roots');
  stateDir = join(dir, 'state');
  mkdirSync(roots);
  const port = await closedPort();
  inventory = writeInventory(dir, 'inventory.yaml', [
    'version: 2',
    'config:',
    '  transport: ssh',
    '  ssh:',
    sshConfigYaml(sshd),
    'groups:',
    '  - name: masters',
    '    targets:',
    '      - name: master',
    '        uri: 127.0.0.1',
    '        alias: [puppet]',
    '  - name: agents',
    '    targets:',
    '      - name: down',
    `        uri: 127.0.0.1:${port}`,
    '',
  ].join('\n'));
});

afterAll(async () => {
  await sshd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A directory under the allowed root with a file, a dotfile and a non-empty subdirectory. */
function fullDir(name: string): string {
  const d = join(roots, name);
  mkdirSync(join(d, 'sub'), { recursive: true });
  writeFileSync(join(d, 'a.pem'), 'a\n');
  writeFileSync(join(d, '.hidden'), 'h\n');
  writeFileSync(join(d, 'sub', 'b.pem'), 'b\n');
  chmodSync(d, 0o750);
  return d;
}

const run = (...args: string[]) => regen(['-i', inventory, '--state-dir', stateDir, ...args]);
const rootsParam = () => `allowed_roots=["${roots}"]`;

describe('regen task list / show', () => {
  it('lists the shipped tasks with their first sentence, and shows one with its parameters', async () => {
    const [list, show] = await Promise.all([regen(['task', 'list']), regen(['task', 'show', 'clear_dir'])]);
    expect(list.code).toBe(0);
    for (const name of ['backup', 'clear_dir', 'copy_keypair', 'service', 'cert_sign', 'puppet_run']) {
      expect(list.stdout).toMatch(new RegExp(`^${name} +\\S`, 'm'));
    }
    expect(list.stdout).toMatch(/^copy_file +Copy one file \(e\.g\. `cp .*`\), then set owner/m);
    expect(list.stdout).toContain('Show one with: regen task show NAME');
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('regen task clear_dir -t TARGETS path=... allowed_roots=...');
    expect(show.stdout).toMatch(/^ {2}path {2}String\[1\]$/m);
    expect(show.stdout).toMatch(/^ {2}allowed_roots {2}Array\[String\[1\]\] {2}\(default: the target's profile, pe37: \["\/etc\/puppetlabs"/m);
    expect(show.stdout).toContain('Implementations: clear_dir.sh (shell), clear_dir.ps1 (powershell)');
  });
});

describe('regen task clear_dir', () => {
  it('--dry-run reports what would go and changes nothing (exit 0)', async () => {
    const d = fullDir('dry');
    const r = await run('task', 'clear_dir', '-t', 'puppet', `path=${d}`, rootsParam(), '--dry-run', '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    const doc = json(r);
    expect(doc.target_count).toBe(1);
    expect(doc.items).toHaveLength(1);
    expect(doc.items[0]).toMatchObject({ target: 'master', action: 'task', object: 'clear_dir', status: 'success' });
    expect(doc.items[0].value).toMatchObject({ path: d, noop: true });
    expect(doc.items[0].value.removed).toEqual(expect.arrayContaining([join(d, 'a.pem'), join(d, '.hidden'), join(d, 'sub')]));
    expect(entries(d)).toEqual(['.hidden', 'a.pem', 'sub']);
    expect(entries(join(d, 'sub'))).toEqual(['b.pem']);
  });

  it('empties the directory on the reachable target; the unreachable one fails alone (exit 1, both in the JSON)', async () => {
    const d = fullDir('real');
    const r = await run('task', 'clear_dir', '-t', 'master,down', `path=${d}`, rootsParam(), '--format', 'json');
    expect(r.code, r.stderr).toBe(1);
    const doc = json(r);
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['items', 'target_count', 'elapsed_ms']));
    expect(doc.target_count).toBe(2);
    expect(typeof doc.elapsed_ms).toBe('number');
    for (const item of doc.items) expect(Object.keys(item).sort()).toEqual(['action', 'object', 'status', 'target', 'value']);
    expect(doc.items.map((i) => i.target).sort()).toEqual(['down', 'master']);

    const ok = itemFor(doc, 'master');
    expect(ok).toMatchObject({ status: 'success', value: { path: d, count: 4 } });
    expect([...(ok.value.removed as string[])].sort()).toEqual(['.hidden', 'a.pem', 'sub', 'sub/b.pem'].map((p) => join(d, p)));
    expect(entries(d)).toEqual([]);
    expect(existsSync(d)).toBe(true); // the directory itself stays

    const failed = itemFor(doc, 'down');
    expect(failed.status).toBe('failure');
    expect(failed.value._error?.kind).toBe('regen/connect');
    expect(failed.value._error?.msg).toMatch(/^down: could not run task 'clear_dir': connection to root@127\.0\.0\.1:\d+ refused/);
  });

  it('--rerun failure then runs exactly the failed target', async () => {
    const r = await run('task', 'clear_dir', '--rerun', 'failure', `path=${join(roots, 'real')}`, rootsParam(), '--format', 'json');
    expect(r.code, r.stderr).toBe(1);
    const doc = json(r);
    expect(doc.target_count).toBe(1);
    expect(doc.items.map((i) => i.target)).toEqual(['down']);
    expect(doc.items[0].value._error?.kind).toBe('regen/connect');
  });

  it('human output with --params @file: the per-target results, then the Successful / Failed / Log summary', async () => {
    const d = fullDir('human');
    const paramsFile = join(dir, 'params.json');
    writeFileSync(paramsFile, JSON.stringify({ path: d, allowed_roots: [roots] }));
    const r = await run('task', 'clear_dir', '-t', 'masters,agents', '--params', `@${paramsFile}`);
    expect(r.code, r.stderr).toBe(1);
    expect(entries(d)).toEqual([]);
    expect(r.stdout).toMatch(/^Finished on master:$/m);
    expect(r.stdout).toMatch(/^Failed on down:$/m);
    expect(r.stdout).toMatch(/^Successful on 1 target: master$/m);
    expect(r.stdout).toMatch(/^Failed on 1 target: down$/m);
    expect(r.stdout).toContain('Re-run just the failed targets with: --rerun failure');
    expect(r.stdout).toMatch(/^Ran on 2 targets in \d+\.\d\d sec$/m);
    const log = /^Log: (.+)$/m.exec(r.stdout)?.[1];
    expect(log?.startsWith(join(stateDir, 'logs'))).toBe(true);
    const events = readFileSync(join(log!, 'events.log'), 'utf8');
    expect(events).toMatch(/ master clear_dir success /);
    expect(events).toMatch(/ down clear_dir failure /);
    // The live tree names the failed target and why.
    expect(`${r.stdout}${r.stderr}`).toMatch(/down \[FAILED: down: could not run task 'clear_dir': connection to .* refused/);
  });

  it('exit 0 when every target succeeds', async () => {
    const d = fullDir('allok');
    const r = await run('task', 'clear_dir', '-t', 'master', `path=${d}`, rootsParam());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Successful on 1 target: master$/m);
    expect(r.stdout).not.toMatch(/^Failed on/m);
    expect(entries(d)).toEqual([]);
  });
});

describe('host keys', () => {
  it('refuses a host whose key does not match known_hosts, and runs nothing there', async () => {
    const otherKey = join(dir, 'other_host_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const [type, key] = readFileSync(`${otherKey}.pub`, 'utf8').split(/\s+/);
    const knownHosts = join(dir, 'wrong_known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${type} ${key}\n`);
    const inv = writeInventory(dir, 'mitm.yaml', [
      'version: 2',
      'targets:',
      '  - name: impostor',
      '    uri: 127.0.0.1',
      '    config:',
      '      transport: ssh',
      '      ssh:',
      sshConfigYaml(sshd, { 'known-hosts': knownHosts }, '        '),
      '',
    ].join('\n'));
    const d = fullDir('mitm');
    const r = await regen(['task', 'clear_dir', '-i', inv, '--state-dir', stateDir, '-t', 'impostor', `path=${d}`, rootsParam(), '--format', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const item = itemFor(json(r), 'impostor');
    expect(item.status).toBe('failure');
    expect(item.value._error?.kind).toBe('regen/host-key');
    expect(item.value._error?.msg).toContain(`HOST KEY MISMATCH for [127.0.0.1]:${sshd.port}`);
    expect(item.value._error?.msg).toContain(knownHosts);
    expect(entries(d)).toEqual(['.hidden', 'a.pem', 'sub']);
  });
});

describe('--timeout', () => {
  it('stops a task that hangs, reports a timeout, and leaves no process behind on the target', async () => {
    // The service task runs `PUPPET resource service ...`; this "puppet" records its pid and its child's, then hangs.
    const pids = join(dir, 'hang.pids');
    const fakePuppet = join(dir, 'hanging-puppet');
    writeFileSync(fakePuppet, `#!/bin/sh\necho $$ >> '${pids}'\nsleep 600 &\necho $! >> '${pids}'\nwait\n`, { mode: 0o755 });
    const r = await run('task', 'service', '-t', 'master', 'name=pe-puppet', `puppet=${fakePuppet}`, '--timeout', '2', '--format', 'json');
    expect(r.code, r.stderr).toBe(1);
    const item = itemFor(json(r), 'master');
    expect(item.status).toBe('failure');
    expect(item.value._error?.kind).toBe('regen/timeout');
    expect(item.value._error?.msg).toMatch(/^task 'service' timed out after \d+s on master and was stopped$/);
    const started = readFileSync(pids, 'utf8').trim().split('\n').map(Number);
    expect(started).toHaveLength(2);
    for (const pid of started) expect(await gone(pid), `process ${pid} still runs`).toBe(true);
  });
});

/** True once `pid` has exited (absent or a zombie); polls briefly, since a killed process takes a moment to die. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const state = procState(pid);
    if (state === undefined || state === 'Z' || state === 'X') return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

function procState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}
