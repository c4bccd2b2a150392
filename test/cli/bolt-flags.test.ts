// Bolt's command-line flags on the built CLI against a real sshd: honoured ones change what regen does,
// refused ones exit 2 naming what regen takes instead, and a password given with -p is in no log.
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type Sshd } from '../support/sshd.js';
import { CLI, itemFor, json, regen, REPO_ROOT, writeInventory, type CliResult } from './helpers.js';

let sshd: Sshd;
let dir: string;
let project: string;
let bare: string;

beforeAll(async () => {
  sshd = await startSshd();
  dir = mkdtempSync(join(tmpdir(), 'regen-cli-boltflags-'));
  chmodSync(dir, 0o755);
  project = join(dir, 'project');
  cpSync(join(REPO_ROOT, 'test/fixtures/bolt-project'), project, { recursive: true });
  // No user, key or known_hosts: only the flags can make this target reachable.
  bare = writeInventory(dir, 'bare.yaml', ['version: 2', 'targets:', '  - name: remote', `    uri: 127.0.0.1:${sshd.port}`, ''].join('\n'));
});

afterAll(async () => {
  await sshd?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const state = () => join(dir, 'state');
const cli = (...args: string[]) => regen(['--state-dir', state(), ...args], { cwd: project });
const connect = () => ['-u', sshd.user, '--private-key', sshd.privateKeyPath, '--no-host-key-check'];

function allFiles(root: string): string[] {
  return readdirSync(root).flatMap((n) => {
    const p = join(root, n);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

function withStdin(args: string[], stdin: string): Promise<CliResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: project, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('Bolt flags', () => {
  it('--inventoryfile, -u, --private-key and --no-host-key-check reach a target the inventory alone cannot', async () => {
    const without = await cli('--inventoryfile', bare, 'task', 'hello', '-t', 'remote', 'message=x', '--format', 'json');
    expect(without.code).toBe(1);
    const r = await cli('--inventoryfile', bare, 'task', 'hello', '-t', 'remote', 'message=x', '--format', 'json', ...connect());
    expect(r.code, r.stderr).toBe(0);
    expect((itemFor(json(r), 'remote').value.said as Record<string, string>).message).toBe('x');
  });

  it('--tmpdir puts the task files there, and --params - reads the parameters from stdin', async () => {
    const tmp = mkdtempSync(join(dir, 'remote-tmp-'));
    const r = await withStdin(['--state-dir', state(), '--inventoryfile', bare, 'task', 'hello', '-t', 'remote', '--params', '-', '--tmpdir', tmp, '--format', 'json', ...connect()], '{"message":"from stdin"}');
    expect(r.code, r.stdout).toBe(0);
    const said = itemFor(json(r), 'remote').value.said as Record<string, string>;
    expect(said.message).toBe('from stdin');
    expect(said._installdir.startsWith(`${tmp}/regen.`)).toBe(true);
  });

  it('-p/--password is used as the password and appears in no log file and no output', async () => {
    const secret = 'Bolt-Flag-S3cret-pw';
    const r = await cli('--inventoryfile', bare, 'task', 'hello', '-t', 'remote', 'message=y', '--format', 'json', '-p', secret, ...connect());
    expect(r.code, r.stderr).toBe(0);
    const shown = await cli('--inventoryfile', bare, 'inventory', 'show', '--detail', '-t', 'remote', '--format', 'json', '--password', secret);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).targets[0].config.password).toBe('[redacted]');
    for (const text of [r.stdout, r.stderr, shown.stdout, shown.stderr, ...allFiles(state()).map((f) => readFileSync(f, 'utf8'))]) {
      expect(text).not.toContain(secret);
    }
  });

  it('--transport local runs the target on this machine', async () => {
    const r = await cli('--inventoryfile', bare, 'task', 'instdir::tool', '-t', 'remote', '--transport', 'local', '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(itemFor(json(r), 'remote').value.tool).toBe('ran');
  });

  it('--noop is --dry-run: a task without no-op support is refused and not run', async () => {
    const r = await cli('--inventoryfile', bare, 'task', 'hello', '-t', 'remote', 'message=z', '--noop');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("task 'hello' does not support --dry-run");
  });

  for (const flag of ['--sudo-password-prompt', '--password-prompt']) {
    it(`${flag} is refused with what regen takes instead (exit 2)`, async () => {
      const r = await cli('--inventoryfile', bare, 'task', 'hello', '-t', 'remote', flag);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${flag} is a Bolt flag regen does not take`);
      expect(r.stderr).toMatch(/put (sudo-)?password in the inventory/);
    });
  }
});
