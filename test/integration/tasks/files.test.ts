// The file tasks over SSH on a temporary tree: clear_dir, remove_file, copy_file, copy_keypair, chown and
// chmod change exactly what they report, on disk, and in no-op mode report the same and change nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ids, snapshot, statOf, TaskHarness, tempTree } from './harness.js';

let h: TaskHarness;
let base: string;
const suffix = Math.random().toString(36).slice(2, 7);
const user = `regenu${suffix}`;
const group = `regeng${suffix}`;

/** useradd and friends fail while another process holds /etc/passwd's lock (other test files create users). */
function accountCommand(cmd: string, args: string[]): void {
  for (let attempt = 0; ; attempt++) {
    try {
      execFileSync(cmd, args, { stdio: 'pipe' });
      return;
    } catch (e) {
      if (attempt >= 20 || !/lock/i.test(String((e as { stderr?: Buffer }).stderr))) throw e;
      execFileSync('sleep', ['0.2']);
    }
  }
}

beforeAll(async () => {
  h = await TaskHarness.start();
  base = tempTree('files');
  accountCommand('groupadd', [group]);
  accountCommand('useradd', ['-M', '-N', '-g', group, '-s', '/usr/sbin/nologin', user]);
});

afterAll(async () => {
  await h?.stop();
  accountCommand('userdel', [user]);
  accountCommand('groupdel', [group]);
  execFileSync('rm', ['-rf', base]);
});

/** A fresh directory under the test tree with a few files, a dotfile, a subdirectory and a symlink. */
function certDir(name: string): string {
  const dir = path.join(base, name);
  mkdirSync(path.join(dir, 'sub'), { recursive: true, mode: 0o750 });
  writeFileSync(path.join(dir, 'a.pem'), 'A\n', { mode: 0o644 });
  writeFileSync(path.join(dir, '.hidden'), 'H\n', { mode: 0o600 });
  writeFileSync(path.join(dir, 'sub', 'b.pem'), 'B\n', { mode: 0o640 });
  symlinkSync('a.pem', path.join(dir, 'link.pem'));
  return dir;
}

describe('clear_dir', () => {
  it('empties a directory, dotfiles included, and keeps it with its owner and mode', async () => {
    const dir = certDir('clear');
    execFileSync('chmod', ['0771', dir]);
    const noop = await h.ok('clear_dir', { path: dir, allowed_roots: [base] }, { noop: true });
    expect(noop.noop).toBe(true);
    expect(noop.count).toBe(5);
    expect([...noop.removed].sort()).toEqual(['.hidden', 'a.pem', 'link.pem', 'sub', 'sub/b.pem'].map((f) => path.join(dir, f)));
    expect(readdirSync(dir).length).toBe(4);

    const done = await h.ok('clear_dir', { path: dir, allowed_roots: [base] });
    expect(done.removed).toEqual(noop.removed);
    expect(readdirSync(dir)).toEqual([]);
    expect(statOf(dir)).toBe('0771 0:0');
    const again = await h.ok('clear_dir', { path: dir, allowed_roots: [base] });
    expect(again.count).toBe(0);
  });

  it('through a symlinked directory inside the roots, clears the real directory', async () => {
    const real = certDir('clear-real');
    const link = path.join(base, 'clear-link');
    symlinkSync(real, link);
    const done = await h.ok('clear_dir', { path: link, allowed_roots: [base] });
    expect(done.path).toBe(real);
    expect(readdirSync(real)).toEqual([]);
  });
});

describe('remove_file', () => {
  it('removes a file, reports an absent one as not removed, and honours no-op', async () => {
    const dir = certDir('remove');
    const file = path.join(dir, 'a.pem');
    const noop = await h.ok('remove_file', { path: file, allowed_roots: [base] }, { noop: true });
    expect(noop).toMatchObject({ path: file, type: 'file', removed: true, noop: true });
    expect(existsSync(file)).toBe(true);
    expect(await h.ok('remove_file', { path: file, allowed_roots: [base] })).toMatchObject({ removed: true, paths: [file] });
    expect(existsSync(file)).toBe(false);
    expect(await h.ok('remove_file', { path: file, allowed_roots: [base] })).toMatchObject({ removed: false, type: 'absent' });
  });

  it('removes a symlink itself, not its target, and a directory only with recursive=true', async () => {
    const dir = certDir('remove-dir');
    const outside = tempTree('outside');
    writeFileSync(path.join(outside, 'keep'), 'keep');
    symlinkSync(outside, path.join(dir, 'out-link'));
    expect(await h.ok('remove_file', { path: path.join(dir, 'out-link'), allowed_roots: [base] })).toMatchObject({ type: 'symlink' });
    expect(readFileSync(path.join(outside, 'keep'), 'utf8')).toBe('keep');

    const before = snapshot(dir);
    const err = await h.error('remove_file', { path: dir, allowed_roots: [base] });
    expect(err.kind).toBe('regen/is-a-directory');
    expect(snapshot(dir)).toEqual(before);
    const done = await h.ok('remove_file', { path: dir, recursive: true, allowed_roots: [base] });
    expect(done.type).toBe('directory');
    expect(done.paths).toContain(path.join(dir, 'sub', 'b.pem'));
    expect(existsSync(dir)).toBe(false);
    execFileSync('rm', ['-rf', outside]);
  });
});

describe('copy_file', () => {
  it('copies with owner, group and mode, checks the copy, and in no-op writes nothing', async () => {
    const dir = certDir('copy');
    const dest = path.join(dir, 'sub', 'crl.pem');
    const params = { source: path.join(dir, 'a.pem'), dest, owner: user, group, mode: '0640', allowed_roots: [base] };
    const noop = await h.ok('copy_file', params, { noop: true });
    expect(noop).toMatchObject({ dest, exists: false, noop: true });
    expect(existsSync(dest)).toBe(false);
    const done = await h.ok('copy_file', params);
    expect(done).toMatchObject({ dest, owner: user, group, mode: '0640', size: 2 });
    expect(readFileSync(dest, 'utf8')).toBe('A\n');
    const { uid } = ids(user);
    expect(statOf(dest)).toBe(`0640 ${uid}:${Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2])}`);
  });

  it('refuses a directory as dest and unknown owners, before copying anything', async () => {
    const dir = certDir('copy-bad');
    const before = snapshot(dir);
    expect((await h.error('copy_file', { source: path.join(dir, 'a.pem'), dest: path.join(dir, 'sub'), allowed_roots: [base] })).kind)
      .toBe('regen/is-a-directory');
    const err = await h.error('copy_file', { source: path.join(dir, 'a.pem'), dest: path.join(dir, 'x.pem'), owner: 'no-such-user-x', allowed_roots: [base] });
    expect(err.kind).toBe('regen/bad-param');
    expect(err.msg).toContain('no-such-user-x');
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('copy_keypair', () => {
  function ssldir(name: string, certname: string): string {
    const ssl = path.join(base, name);
    for (const d of ['certs', 'public_keys', 'private_keys']) mkdirSync(path.join(ssl, d), { recursive: true });
    const key = path.join(ssl, 'private_keys', `${certname}.pem`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:1024', '-nodes', '-keyout', key, '-subj', `/CN=${certname}`,
      '-days', '2', '-out', path.join(ssl, 'certs', `${certname}.pem`)], { stdio: 'ignore' });
    execFileSync('openssl', ['rsa', '-in', key, '-pubout', '-out', path.join(ssl, 'public_keys', `${certname}.pem`)], { stdio: 'ignore' });
    return ssl;
  }

  it('copies cert, public and private key under the PE names with owner, group and mode', async () => {
    const ssl = ssldir('kp-ssl', 'master.example.com');
    const dest = path.join(base, 'kp-dest');
    mkdirSync(dest);
    const params = { certname: 'master.example.com', ssldir: ssl, dest_dir: dest, owner: user, group, mode: '0400', allowed_roots: [base] };
    const noop = await h.ok('copy_keypair', params, { noop: true });
    expect(noop.files.map((f: any) => path.basename(f.dest))).toEqual(
      ['master.example.com.cert.pem', 'master.example.com.public_key.pem', 'master.example.com.private_key.pem']);
    expect(readdirSync(dest)).toEqual([]);

    const done = await h.ok('copy_keypair', params);
    expect(done.files).toHaveLength(3);
    for (const [kind, dir] of [['cert', 'certs'], ['public_key', 'public_keys'], ['private_key', 'private_keys']]) {
      const copy = path.join(dest, `master.example.com.${kind}.pem`);
      expect(readFileSync(copy)).toEqual(readFileSync(path.join(ssl, dir, 'master.example.com.pem')));
      expect(statOf(copy).split(' ')[0]).toBe('0400');
      expect(statOf(copy).split(' ')[1].split(':')[0]).toBe(String(ids(user).uid));
    }
  });

  it('refuses keys that do not belong together, or a missing one, and copies nothing', async () => {
    const ssl = ssldir('kp-bad', 'agent.example.com');
    const other = ssldir('kp-other', 'agent.example.com');
    execFileSync('cp', [path.join(other, 'private_keys/agent.example.com.pem'), path.join(ssl, 'private_keys/agent.example.com.pem')]);
    const dest = path.join(base, 'kp-bad-dest');
    mkdirSync(dest);
    const params = { certname: 'agent.example.com', ssldir: ssl, dest_dir: dest, allowed_roots: [base] };
    expect((await h.error('copy_keypair', params)).kind).toBe('regen/keypair-mismatch');
    expect((await h.error('copy_keypair', { ...params, certname: 'missing.example.com' })).kind).toBe('regen/not-found');
    expect(readdirSync(dest)).toEqual([]);
  });
});

describe('chown and chmod', () => {
  it('chown -R changes every entry (symlinks themselves) and reports only what differed', async () => {
    const dir = certDir('chown');
    const outside = tempTree('chown-out');
    symlinkSync(outside, path.join(dir, 'out-link'));
    const noop = await h.ok('chown', { path: dir, owner: user, group, recursive: true, allowed_roots: [base] }, { noop: true });
    expect(noop.changed).toHaveLength(7);
    expect(snapshot(dir).every((l) => l.includes(' 0:0 '))).toBe(true);

    const done = await h.ok('chown', { path: dir, owner: user, group, recursive: true, allowed_roots: [base] });
    expect([...done.changed].sort()).toEqual([...noop.changed].sort());
    const { uid } = ids(user);
    for (const line of snapshot(dir)) expect(line).toContain(` ${uid}:`);
    expect(statOf(outside)).toMatch(/ 0:0$/);
    expect((await h.ok('chown', { path: dir, owner: user, group, recursive: true, allowed_roots: [base] })).changed).toEqual([]);
    execFileSync('rm', ['-rf', outside]);
  });

  it('chown and chmod with contents=true act on DIR/* (dotfiles too) but not DIR nor deeper', async () => {
    const dir = certDir('contents');
    await h.ok('chown', { path: dir, group, contents: true, allowed_roots: [base] });
    const gid = Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
    expect(statOf(path.join(dir, '.hidden'))).toBe(`0600 0:${gid}`);
    expect(statOf(path.join(dir, 'sub'))).toBe(`0750 0:${gid}`);
    expect(statOf(dir)).toMatch(/ 0:0$/);
    expect(statOf(path.join(dir, 'sub', 'b.pem'))).toBe('0640 0:0');

    const noop = await h.ok('chmod', { path: dir, mode: '0400', contents: true, allowed_roots: [base] }, { noop: true });
    expect([...noop.changed].sort()).toEqual(['.hidden', 'a.pem', 'sub'].map((f) => path.join(dir, f)));
    expect(statOf(path.join(dir, 'a.pem'))).toMatch(/^0644/);
    const done = await h.ok('chmod', { path: dir, mode: '0400', contents: true, allowed_roots: [base] });
    expect(done.changed).toEqual(noop.changed);
    for (const f of ['.hidden', 'a.pem', 'sub']) expect(statOf(path.join(dir, f))).toMatch(/^0400/);
    expect(statOf(path.join(dir, 'sub', 'b.pem'))).toMatch(/^0640/);
    expect(statOf(path.join(dir, 'link.pem'))).toMatch(/^0777/);
  });

  it('chmod recursive sets the mode on the directory and everything under it', async () => {
    const dir = certDir('chmod-r');
    await h.ok('chmod', { path: dir, mode: '0750', recursive: true, allowed_roots: [base] });
    for (const f of ['', 'a.pem', '.hidden', 'sub', 'sub/b.pem']) expect(statOf(path.join(dir, f))).toMatch(/^0750/);
  });
});
