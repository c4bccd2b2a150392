// Inventory secrets through the built CLI: a non-root user logs in with a password and runs a task as root
// through sudo. Neither the login password nor a sudo password (right or wrong) may reach stdout, stderr
// or any file under the state dir (run logs, rerun record), and `regen inventory show` redacts them.
// Likewise a sensitive task parameter: no shipped task has one, so that case runs the built CLI from a copy
// of the bundle with one extra task (as a site's own Bolt module would add).
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, startSshd, type Sshd, type TestUser } from '../support/sshd.js';
import { entries, filesUnder, itemFor, json, regen, REPO_ROOT, writeInventory, type CliResult } from './helpers.js';

let sshd: Sshd;
let user: TestUser;
let dir: string;
let roots: string;
let inventory: string;
let stateDir: string;
const wrongSudo = `wrong-Sudo-${Math.random().toString(36).slice(2, 10)}`;
const token = `tok-$(id)-'\`x\`-${Math.random().toString(36).slice(2, 10)}`;
const outputs: CliResult[] = [];

beforeAll(async () => {
  [sshd, user] = await Promise.all([startSshd(), createTestUser({ sudo: 'password' })]);
  dir = mkdtempSync(join(tmpdir(), 'regen-cli-secrets-'));
  chmodSync(dir, 0o755);
  roots = join(dir, 'roots');
  stateDir = join(dir, 'state');
  mkdirSync(roots, { mode: 0o755 });
  const target = (name: string, sudoPassword: string[]) => [
    `  - name: ${name}`,
    '    uri: 127.0.0.1',
    '    config:',
    '      transport: ssh',
    '      ssh:',
    `        user: ${user.name}`,
    `        port: ${sshd.port}`,
    `        password: ${JSON.stringify(user.password)}`,
    `        known-hosts: ${JSON.stringify(sshd.knownHostsPath)}`,
    '        run-as: root',
    ...sudoPassword,
  ];
  inventory = writeInventory(dir, 'inventory.yaml', [
    'version: 2',
    'targets:',
    // The sudo password comes from the environment through Bolt's env_var plugin.
    ...target('sudoer', ['        sudo-password:', '          _plugin: env_var', '          var: REGEN_TEST_SUDO_PASSWORD']),
    ...target('wrongsudo', [`        sudo-password: ${JSON.stringify(wrongSudo)}`]),
    '',
  ].join('\n'));
});

afterAll(async () => {
  await sshd?.stop();
  await user?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cli = async (...args: string[]) => {
  const r = await regen(['-i', inventory, '--state-dir', stateDir, ...args], { env: { REGEN_TEST_SUDO_PASSWORD: user.password } });
  outputs.push(r);
  return r;
};

/** A directory only root may read or change, with something in it. */
function rootOnlyDir(name: string): string {
  const d = join(roots, name);
  mkdirSync(d, { mode: 0o700 });
  chmodSync(d, 0o700);
  writeFileSync(join(d, 'private_key.pem'), 'not really a key\n', { mode: 0o600 });
  return d;
}

describe('run-as root through sudo with inventory passwords', () => {
  it('runs the task as root with the right sudo password; a wrong one fails that target alone', async () => {
    const d = rootOnlyDir('json');
    const r = await cli('task', 'clear_dir', '-t', 'sudoer,wrongsudo', `path=${d}`, `allowed_roots=["${roots}"]`, '--format', 'json');
    expect(r.code, r.stderr).toBe(1);
    const doc = json(r);
    expect(itemFor(doc, 'sudoer')).toMatchObject({ status: 'success', value: { path: d, count: 1 } });
    expect(entries(d)).toEqual([]);
    const failed = itemFor(doc, 'wrongsudo');
    expect(failed.status).toBe('failure');
    expect(failed.value._error?.msg).toMatch(/^wrongsudo: could not run task 'clear_dir': .*sudo/i);
  });

  it('the human output of the same run', async () => {
    const d = rootOnlyDir('human');
    const r = await cli('task', 'clear_dir', '-t', 'sudoer,wrongsudo', `path=${d}`, `allowed_roots=["${roots}"]`);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^Successful on 1 target: sudoer$/m);
    expect(r.stdout).toMatch(/^Failed on 1 target: wrongsudo$/m);
    expect(entries(d)).toEqual([]);
  });

  it('regen inventory show prints the merged config with every secret redacted', async () => {
    const [human, asJson] = await Promise.all([cli('inventory', 'show', '-t', 'sudoer,wrongsudo'), cli('inventory', 'show', '-t', 'all', '--format', 'json')]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^2 targets$/m);
    expect(asJson.code, asJson.stderr).toBe(0);
    const doc = JSON.parse(asJson.stdout) as { count: number; targets: Array<{ name: string; transport: string; config: Record<string, unknown> }> };
    expect(doc.count).toBe(2);
    for (const t of doc.targets) {
      expect(t.transport).toBe('ssh');
      expect(t.config).toMatchObject({
        user: user.name, port: sshd.port, 'run-as': 'root', 'known-hosts': sshd.knownHostsPath,
        password: '[redacted]', 'sudo-password': '[redacted]',
      });
    }
  });

  it('a sensitive task parameter reaches the task intact and is redacted from the run log', async () => {
    const cli = bundleWithTokenTask();
    const paramsFile = join(dir, 'token.json');
    writeFileSync(paramsFile, JSON.stringify({ token }), { mode: 0o600 });
    const r = await regen(['-i', inventory, '--state-dir', stateDir, 'task', 'token_check', '-t', 'sudoer', '--params', `@${paramsFile}`, '--format', 'json'],
      { cli, env: { REGEN_TEST_SUDO_PASSWORD: user.password } });
    outputs.push(r);
    expect(r.code, r.stderr).toBe(0);
    expect(itemFor(json(r), 'sudoer').value).toEqual({ sha256: createHash('sha256').update(token).digest('hex'), length: token.length, user: 'root' });
    const logged = filesUnder(stateDir).filter((f) => /\/sudoer\/\d+-token_check\.json$/.test(f.path));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0].text)).toMatchObject({ task: 'token_check', params: { token: '[redacted]' }, stderr: 'using token [redacted]\n' });
  });

  it('no secret appears in stdout, stderr or any file under the state dir', () => {
    const files = filesUnder(stateDir);
    expect(files.length).toBeGreaterThan(4); // per-target logs, events.log and rerun.json of both runs
    expect(files.map((f) => f.path).some((p) => p.endsWith('rerun.json'))).toBe(true);
    for (const secret of [user.password, wrongSudo, token]) {
      for (const f of files) expect(f.text.includes(secret), `${secret} found in ${f.path}`).toBe(false);
      for (const [i, r] of outputs.entries()) {
        expect(r.stdout.includes(secret), `${secret} in stdout of run ${i}`).toBe(false);
        expect(r.stderr.includes(secret), `${secret} in stderr of run ${i}`).toBe(false);
      }
    }
    expect(outputs).toHaveLength(5);
  });
});

/** A copy of the built CLI and the bundle, plus a task whose `token` parameter is sensitive; returns its main.js. */
function bundleWithTokenTask(): string {
  const pkg = join(dir, 'pkg');
  cpSync(join(REPO_ROOT, 'dist', 'src'), join(pkg, 'dist', 'src'), { recursive: true });
  for (const d of ['tasks', 'files', 'plans', 'profiles']) cpSync(join(REPO_ROOT, d), join(pkg, d), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(pkg, 'node_modules'));
  writeFileSync(join(pkg, 'package.json'), '{"name": "regen-copy", "type": "module"}\n');
  writeFileSync(join(pkg, 'tasks', 'token_check.json'), JSON.stringify({
    description: 'Checks an API token (test task): its SHA-256 and length.',
    supports_noop: true,
    input_method: 'environment',
    parameters: { token: { type: 'String[1]', sensitive: true, description: 'The token.' } },
    implementations: [{ name: 'token_check.sh', requirements: ['shell'] }],
  }, null, 2));
  // A chatty task: it says the token on stderr, which the run log keeps (redacted).
  writeFileSync(join(pkg, 'tasks', 'token_check.sh'), [
    '#!/bin/sh',
    'printf \'using token %s\\n\' "$PT_token" >&2',
    'sum=$(printf %s "$PT_token" | sha256sum | cut -d" " -f1)',
    'printf \'{"sha256":"%s","length":%d,"user":"%s"}\\n\' "$sum" "${#PT_token}" "$(id -un)"',
    '',
  ].join('\n'));
  return join(pkg, 'dist', 'src', 'cli', 'main.js');
}
