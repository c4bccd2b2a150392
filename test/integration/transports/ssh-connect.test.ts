// Connecting over SSH against a real sshd: host key checks, authentication, unreachable hosts
// and a connection that drops mid-command.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshTransport } from '../../../src/transports/ssh/index.js';
import { TransportError } from '../../../src/transports/types.js';
import { createTestUser, sshTarget, startSshd, type Sshd, type TestUser } from '../../support/sshd.js';

let sshd: Sshd;
let user: TestUser;
let dir: string;
let hostFingerprint: string;

beforeAll(async () => {
  [sshd, user] = await Promise.all([startSshd(), createTestUser()]);
  dir = mkdtempSync(join(tmpdir(), 'regen-ssh-connect-'));
  // "256 SHA256:... comment (ED25519)"
  hostFingerprint = execFileSync('ssh-keygen', ['-lf', `${sshd.hostKeyPath}.pub`], { encoding: 'utf8' }).split(' ')[1];
});

afterAll(async () => {
  await sshd?.stop();
  await user?.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function connectError(config: Record<string, unknown>): Promise<TransportError> {
  const err = await sshTransport.connect(sshTarget(sshd, config)).then(
    async (c) => {
      await c.close();
      throw new Error('connected, but should not have');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransportError);
  return err as TransportError;
}

function otherKey(name: string): { path: string; pub: string } {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
  return { path, pub: readFileSync(`${path}.pub`, 'utf8').split(' ').slice(0, 2).join(' ') };
}

describe('ssh host keys', () => {
  it('refuses a host whose key differs from known_hosts, showing the fingerprint and what to do', async () => {
    const file = join(dir, 'known_hosts_wrong');
    writeFileSync(file, `[127.0.0.1]:${sshd.port} ${otherKey('fake_host').pub}\n`);
    const err = await connectError({ 'known-hosts': file });
    expect(err.kind).toBe('host-key');
    expect(err.targetName).toBe('sshd-test');
    expect(err.message).toContain(hostFingerprint);
    expect(err.message).toContain('MISMATCH');
    expect(err.hint).toContain(`ssh-keygen -R '[127.0.0.1]:${sshd.port}'`);
  });

  it('refuses a host missing from known_hosts', async () => {
    const err = await connectError({ 'known-hosts': join(dir, 'absent_known_hosts') });
    expect(err.kind).toBe('host-key');
    expect(err.message).toContain(hostFingerprint);
    expect(err.hint).toContain('accept-new');
  });

  it('refuses a key marked @revoked', async () => {
    const file = join(dir, 'known_hosts_revoked');
    const good = readFileSync(sshd.knownHostsPath, 'utf8').trim().split(' ').slice(1).join(' ');
    writeFileSync(file, `@revoked * ${good}\n${readFileSync(sshd.knownHostsPath, 'utf8')}`);
    const err = await connectError({ 'known-hosts': file });
    expect(err.kind).toBe('host-key');
    expect(err.message).toContain('@revoked');
  });

  it('accepts the key from a hashed known_hosts file', async () => {
    const file = join(dir, 'known_hosts_hashed');
    writeFileSync(file, readFileSync(sshd.knownHostsPath));
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    expect(readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
    const conn = await sshTransport.connect(sshTarget(sshd, { 'known-hosts': file }));
    expect((await conn.exec('echo ok')).stdout).toBe('ok\n');
    await conn.close();
  });

  it('skips the check with host-key-check: false', async () => {
    const file = join(dir, 'known_hosts_ignored');
    writeFileSync(file, `[127.0.0.1]:${sshd.port} ${otherKey('ignored_host').pub}\n`);
    const conn = await sshTransport.connect(sshTarget(sshd, { 'known-hosts': file, 'host-key-check': false }));
    expect((await conn.exec('echo ok')).stdout).toBe('ok\n');
    await conn.close();
  });

  it('trusts on first use with accept-new and records the key, but still refuses a changed key', async () => {
    const file = join(dir, 'tofu', 'known_hosts');
    const conn = await sshTransport.connect(sshTarget(sshd, { 'known-hosts': file, 'host-key-check': 'accept-new' }));
    await conn.close();
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(sshd.knownHostsPath, 'utf8'));
    const again = await sshTransport.connect(sshTarget(sshd, { 'known-hosts': file }));
    await again.close();

    const changed = join(dir, 'known_hosts_changed');
    writeFileSync(changed, `[127.0.0.1]:${sshd.port} ${otherKey('old_host').pub}\n`);
    const err = await connectError({ 'known-hosts': changed, 'host-key-check': 'accept-new' });
    expect(err.kind).toBe('host-key');
  });
});

describe('ssh authentication and reachability', () => {
  it('logs in with a password', async () => {
    const conn = await sshTransport.connect(sshTarget(sshd, { user: user.name, password: user.password, 'private-key': undefined }));
    expect((await conn.exec('id -un')).stdout).toBe(`${user.name}\n`);
    await conn.close();
  });

  it('fails with an auth error on a wrong password or an unknown key', async () => {
    const badPassword = await connectError({ user: user.name, password: 'not-the-password', 'private-key': undefined });
    expect(badPassword.kind).toBe('auth');
    expect(badPassword.message).toContain(user.name);
    expect(badPassword.message).not.toContain('not-the-password');
    const badKey = await connectError({ 'private-key': otherKey('stranger').path });
    expect(badKey.kind).toBe('auth');
    expect(badKey.message).toContain('publickey');
    expect(badKey.hint).toContain('private-key');
  });

  it('reports a closed port as a connect error', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const err = await connectError({ port });
    expect(err.kind).toBe('connect');
    expect(err.message).toContain('refused');
  });

  it('gives up after connect-timeout on a port that never speaks SSH', async () => {
    const silent: Server = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((r) => silent.once('listening', r));
    try {
      const err = await connectError({ port: (silent.address() as { port: number }).port, 'connect-timeout': 1 });
      expect(err.kind).toBe('connect');
      expect(err.message).toContain('connect-timeout');
    } finally {
      silent.close();
    }
  });
});

describe('a dropped connection', () => {
  it('fails the running, queued and later execs of that target with "dropped", and nothing crashes', async () => {
    const conn = await sshTransport.connect(sshTarget(sshd, { 'max-channels': 2 }));
    const marker = join(dir, 'drop-started');
    const running = conn.exec(`touch ${marker}; sleep 30`).catch((e: unknown) => e);
    const queued = conn.exec('echo queued').catch((e: unknown) => e);
    while (!existsSync(marker)) await new Promise((r) => setTimeout(r, 20));
    await sshd.killSessions();
    for (const err of [await running, await queued]) {
      expect(err).toBeInstanceOf(TransportError);
      expect((err as TransportError).kind).toBe('dropped');
    }
    const later = await conn.exec('echo later').catch((e: unknown) => e);
    expect((later as TransportError).kind).toBe('dropped');
    expect((later as TransportError).message).toContain(`127.0.0.1:${sshd.port}`);
    await conn.close();
    // The sshd itself still serves new connections.
    const fresh = await sshTransport.connect(sshTarget(sshd));
    expect((await fresh.exec('echo back')).stdout).toBe('back\n');
    await fresh.close();
  });
});
