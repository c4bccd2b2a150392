// run-as through sudo over SSH, for a non-root login user, against a real sshd and real sudo.
import { existsSync, mkdtempSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sshTransport } from '../../../src/transports/ssh/index.js';
import { TransportError, type Connection } from '../../../src/transports/types.js';
import { createTestUser, sshTarget, startSshd, type Sshd, type TestUser } from '../../support/sshd.js';
import { livingProcesses, waitForFile } from './helpers.js';

let sshd: Sshd;
let withPassword: TestUser;
let nopasswd: TestUser;
let rootConn: Connection;
let dir: string;

beforeAll(async () => {
  [sshd, withPassword, nopasswd] = await Promise.all([
    startSshd(),
    createTestUser({ sudo: 'password' }),
    createTestUser({ sudo: 'nopasswd' }),
  ]);
  rootConn = await sshTransport.connect(sshTarget(sshd));
  dir = mkdtempSync(join(tmpdir(), 'regen-ssh-sudo-'));
  chmodSync(dir, 0o777);
});

afterAll(async () => {
  await rootConn?.close();
  await sshd?.stop();
  await withPassword?.remove();
  await nopasswd?.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** Connects as `user` (the harness key works for every user) with the given run-as settings. */
function connectAs(user: TestUser, config: Record<string, unknown>): Promise<Connection> {
  return sshTransport.connect(sshTarget(sshd, { user: user.name, 'run-as': 'root', ...config }));
}

describe('ssh run-as through sudo', () => {
  it('runs as root with the sudo password, and the command gets exactly its own stdin', async () => {
    const conn = await connectAs(withPassword, { 'sudo-password': withPassword.password });
    try {
      for (let i = 0; i < 2; i++) {
        // The second exec may find sudo's credentials cached: the password must not leak into stdin then either.
        const r = await conn.exec('id -un; cat', { stdin: 'line one\nline two\n' });
        expect(r.exitCode).toBe(0);
        expect(r.stdout).toBe('root\nline one\nline two\n');
        expect(r.stderr).toBe('');
      }
    } finally {
      await conn.close();
    }
  });

  it('falls back to the login password when no sudo-password is set', async () => {
    const conn = await connectAs(withPassword, { password: withPassword.password, 'private-key': undefined });
    expect((await conn.exec('id -un')).stdout).toBe('root\n');
    await conn.close();
  });

  it('fails with a sudo error on a wrong sudo password, without running the command or echoing the password', async () => {
    const wrong = 'Wr0ng-pa55word';
    const conn = await connectAs(withPassword, { 'sudo-password': wrong });
    const ran = join(dir, 'should-not-exist');
    const err = await conn.exec(`touch ${ran}`, { stdin: 'payload\n' }).catch((e: unknown) => e);
    await conn.close();
    expect(err).toBeInstanceOf(TransportError);
    const e = err as TransportError;
    expect(e.kind).toBe('sudo');
    expect(e.hint).toContain('sudo-password');
    expect(`${e.message} ${e.hint}`).not.toContain(wrong);
    expect(existsSync(ran)).toBe(false);
  });

  it('runs as root without a password under a NOPASSWD rule, and asks for sudo-password otherwise', async () => {
    const free = await connectAs(nopasswd, {});
    expect((await free.exec('id -un')).stdout).toBe('root\n');
    await free.close();

    const needsPassword = await connectAs(withPassword, {});
    const err = await needsPassword.exec('id -un').catch((e: unknown) => e);
    await needsPassword.close();
    expect((err as TransportError).kind).toBe('sudo');
    expect((err as TransportError).hint).toContain('sudo-password');
  });

  it('keeps the sudo password and stdin secrets out of the process list', async () => {
    const conn = await connectAs(withPassword, { 'sudo-password': withPassword.password });
    const secret = `stdin-secret-${Date.now()}`;
    const started = join(dir, 'secret-started');
    const release = join(dir, 'secret-release');
    const holder = conn.exec(`read -r s; touch ${started}; while [ ! -e ${release} ]; do sleep 0.05; done; echo "\${#s}"`, {
      stdin: `${secret}\n`,
    });
    await waitForFile(started);
    const ps = await rootConn.exec('ps -eo args');
    await rootConn.exec(`touch ${release}`);
    expect((await holder).stdout).toBe(`${secret.length}\n`);
    await conn.close();
    expect(ps.stdout).toContain(`while [ ! -e ${release} ]`);
    expect(ps.stdout).toContain('sudo -S');
    expect(ps.stdout).not.toContain(secret);
    expect(ps.stdout).not.toContain(withPassword.password);
  });

  it('stops a root process tree started through sudo when the timeout passes', async () => {
    const conn = await connectAs(withPassword, { 'sudo-password': withPassword.password });
    const started = join(dir, 'timeout-started');
    const r = await conn.exec(`touch ${started}; sleep 31340 & timeout 31346 sleep 31341`, { timeoutMs: 1000 });
    await conn.close();
    expect(r).toMatchObject({ timedOut: true, exitCode: null });
    expect(existsSync(started)).toBe(true);
    expect(await livingProcesses(rootConn, '^(sleep 3134[01]|timeout 31346 )')).toEqual([]);
  });
});
