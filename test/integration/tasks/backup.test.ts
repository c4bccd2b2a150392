// backup and restore over SSH on a temporary tree shaped like a PE master's certificate directories:
// the archive and manifest are right and verified, a restore brings back every byte, owner and mode and
// removes what was created since, no-op changes nothing, and damaged archives are refused.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshot, TaskHarness, tempTree } from './harness.js';

let h: TaskHarness;
let base: string;

beforeAll(async () => {
  h = await TaskHarness.start();
  base = tempTree('backup');
});

afterAll(async () => {
  await h?.stop();
  execFileSync('rm', ['-rf', base]);
});

/** Two certificate directories with PE-like owners and modes, a dotfile, a symlink and an awkward name. */
function site(name: string): { root: string; paths: string[] } {
  const root = path.join(base, name);
  const ssl = path.join(root, 'etc/puppetlabs/puppet/ssl');
  const pg = path.join(root, 'opt/puppet/var/lib/pgsql/9.2/data/certs');
  for (const d of ['certs', 'private_keys', 'ca/signed']) mkdirSync(path.join(ssl, d), { recursive: true });
  mkdirSync(pg, { recursive: true });
  writeFileSync(path.join(ssl, 'certs/master.pem'), 'CERT\n');
  writeFileSync(path.join(ssl, 'private_keys/master.pem'), 'KEY\n', { mode: 0o600 });
  writeFileSync(path.join(ssl, 'ca/signed/agent one é.pem'), 'AGENT\n');
  writeFileSync(path.join(ssl, '.dot'), '');
  symlinkSync('certs/master.pem', path.join(ssl, 'current.pem'));
  writeFileSync(path.join(pg, 'master.private_key.pem'), 'PGKEY\n', { mode: 0o400 });
  execFileSync('chown', ['-R', 'nobody:nogroup', path.join(ssl, 'private_keys')]);
  execFileSync('chmod', ['0771', ssl]);
  execFileSync('chmod', ['4750', path.join(ssl, 'ca')]);
  return { root, paths: [ssl, pg] };
}

describe('backup', () => {
  it('writes one verified tar.gz and a manifest of every file; no-op writes nothing', async () => {
    const { root, paths } = site('b1');
    const backups = path.join(base, 'b1-backups');
    const noop = await h.ok('backup', { paths, backup_dir: backups, label: 'master-certs' }, { noop: true });
    expect(noop).toMatchObject({ noop: true, files: 12, data_bytes: 21, paths });
    expect(existsSync(backups)).toBe(false);

    const before = snapshot(root);
    const made = await h.ok('backup', { paths, backup_dir: backups, label: 'master-certs' });
    expect(snapshot(root)).toEqual(before);
    expect(made).toMatchObject({ verified: true, owners_verified: true, files: 12, paths });
    expect(made.archive).toMatch(/\/regen-master-certs-[A-Za-z0-9._-]+-\d{8}T\d{6}Z\.tar\.gz$/);
    expect(made.manifest).toBe(made.archive.replace(/\.tar\.gz$/, '.manifest.tsv'));
    expect(statSync(backups).mode & 0o777).toBe(0o700);
    expect(statSync(made.archive).mode & 0o777).toBe(0o600);
    expect(statSync(made.archive).size).toBe(made.bytes);
    expect(execFileSync('sha256sum', [made.archive], { encoding: 'utf8' }).slice(0, 64)).toBe(made.sha256);

    const names = execFileSync('tar', ['-tzf', made.archive], { encoding: 'utf8' }).trim().split('\n');
    expect(names).toHaveLength(12);
    expect(names).toContain(`${paths[0].slice(1)}/ca/signed/agent one é.pem`);

    const manifest = readFileSync(made.manifest, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(manifest).toHaveLength(12);
    const key = manifest.find((l) => l.startsWith(`${paths[0]}/private_keys/master.pem\t`))!.split('\t');
    const sha = execFileSync('sha256sum', [path.join(paths[0], 'private_keys/master.pem')], { encoding: 'utf8' }).slice(0, 64);
    expect(key).toEqual([`${paths[0]}/private_keys/master.pem`, 'f', '0600', '65534', '65534', 'nobody', 'nogroup', '4', sha, '-']);
    expect(manifest).toContain(`${paths[0]}/ca\td\t4750\t0\t0\troot\troot\t-\t-\t-`);
    expect(manifest).toContain(`${paths[0]}/current.pem\tl\t0777\t0\t0\troot\troot\t-\t-\tcerts/master.pem`);
    expect(readdirSync(backups).sort()).toEqual([path.basename(made.archive), path.basename(made.manifest)].sort());
  });

  it('refuses overlapping paths, a backup_dir inside a backed-up path and a missing path', async () => {
    const { paths } = site('b2');
    const backups = path.join(base, 'b2-backups');
    expect((await h.error('backup', { paths: [paths[0], `${paths[0]}/certs`], backup_dir: backups })).msg).toContain('inside');
    expect((await h.error('backup', { paths, backup_dir: `${paths[0]}/backups` })).msg).toContain('backup_dir');
    expect((await h.error('backup', { paths: [`${paths[0]}/nope`], backup_dir: backups })).kind).toBe('regen/not-found');
    expect(existsSync(backups)).toBe(false);
    expect(existsSync(`${paths[0]}/backups`)).toBe(false);
  });

  it('refuses to write when the disk has less room than the archive and its verification copy need', async () => {
    const { paths } = site('b3');
    const mnt = path.join(base, 'b3-tiny');
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
    try {
      const err = await h.error('backup', { paths, backup_dir: `${mnt}/backups` });
      expect(err.kind).toBe('regen/disk-full');
      expect(err.details.need_bytes).toBeGreaterThan(err.details.free_bytes);
      expect(readdirSync(mnt)).toEqual([]);
    } finally {
      execFileSync('umount', [mnt]);
    }
  });
});

describe('restore', () => {
  it('puts back every byte, owner and mode, removes files created since, then verifies', async () => {
    const { root, paths } = site('r1');
    const made = await h.ok('backup', { paths, backup_dir: path.join(base, 'r1-backups') });
    const original = snapshot(root);
    const [ssl, pg] = paths;

    // The procedure's damage: directories cleared and refilled, modes and owners changed.
    execFileSync('sh', ['-c', `rm -rf "${ssl}"/* "${ssl}"/.dot "${pg}"/*`]);
    mkdirSync(path.join(ssl, 'certs'));
    writeFileSync(path.join(ssl, 'certs/master.pem'), 'NEW CERT\n');
    writeFileSync(path.join(ssl, 'crl.pem'), 'NEW CRL\n');
    mkdirSync(path.join(ssl, 'current.pem'));
    writeFileSync(path.join(pg, 'master.private_key.pem'), 'PGKEY\n', { mode: 0o644 });
    execFileSync('chmod', ['0700', ssl]);
    const damaged = snapshot(root);

    const noop = await h.ok('restore', { archive: made.archive, allowed_roots: [root] }, { noop: true });
    expect(snapshot(root)).toEqual(damaged);
    expect(noop.noop).toBe(true);
    expect(noop.removed).toEqual([path.join(ssl, 'crl.pem'), path.join(ssl, 'current.pem')]);
    expect(noop.restored).toEqual(expect.arrayContaining([ssl, path.join(ssl, 'certs/master.pem'), path.join(ssl, 'private_keys/master.pem'),
      path.join(pg, 'master.private_key.pem'), path.join(ssl, 'current.pem'), path.join(ssl, '.dot')]));
    expect(noop.restored).not.toContain(pg);

    const done = await h.ok('restore', { archive: made.archive, allowed_roots: [root] });
    expect(done).toMatchObject({ verified: true, removed: noop.removed, restored: noop.restored });
    expect(snapshot(root)).toEqual(original);

    const again = await h.ok('restore', { archive: made.archive, allowed_roots: [root] });
    expect(again).toMatchObject({ removed: [], restored: [] });
  });

  it('recreates a backed-up directory that was deleted, as an agent`s rm -rf ssl does', async () => {
    const { root, paths } = site('r2');
    const made = await h.ok('backup', { paths: [paths[0]], backup_dir: path.join(base, 'r2-backups') });
    const original = snapshot(paths[0]);
    execFileSync('rm', ['-rf', paths[0]]);
    await h.ok('restore', { archive: made.archive, allowed_roots: [root] });
    expect(snapshot(paths[0])).toEqual(original);
  });

  it('refuses a damaged archive or a tampered manifest and changes nothing', async () => {
    const { root, paths } = site('r3');
    const made = await h.ok('backup', { paths, backup_dir: path.join(base, 'r3-backups') });
    writeFileSync(path.join(paths[0], 'new.pem'), 'since');
    const before = snapshot(root);

    const manifest = readFileSync(made.manifest, 'utf8');
    writeFileSync(made.manifest, manifest.replace(/\t0600\t65534/, '\t0644\t65534'));
    const tampered = await h.error('restore', { archive: made.archive, allowed_roots: [root] });
    expect(tampered.kind).toBe('regen/verify-failed');
    expect(tampered.details.differences.length).toBeGreaterThan(0);
    writeFileSync(made.manifest, manifest);

    const bytes = readFileSync(made.archive);
    writeFileSync(made.archive, bytes.subarray(0, bytes.length - 40));
    expect((await h.error('restore', { archive: made.archive, allowed_roots: [root] })).kind).toBe('regen/verify-failed');
    expect((await h.error('restore', { archive: `${made.archive}.nope`, allowed_roots: [root] })).kind).toBe('regen/not-found');
    expect(snapshot(root)).toEqual(before);
  });
});
