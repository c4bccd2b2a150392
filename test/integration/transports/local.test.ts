// The local transport: same contract as SSH, on this machine.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transportFor } from '../../../src/transports/index.js';
import type { Connection } from '../../../src/transports/types.js';
import { createTestUser, type TestUser } from '../../support/sshd.js';
import { livingProcesses, waitForFile } from './helpers.js';

let conn: Connection;
let dir: string;
let user: TestUser;

beforeAll(async () => {
  conn = await transportFor('local').connect({ name: 'localhost', host: 'localhost', transport: 'local', config: {} });
  dir = mkdtempSync(join(tmpdir(), 'regen-local-'));
  user = await createTestUser();
});

afterAll(async () => {
  await conn?.close();
  await user?.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('local exec', () => {
  it('returns stdout, stderr and the exit code', async () => {
    const r = await conn.exec('echo out; printf "\\342\\202\\254" >&2; exit 4');
    expect(r).toMatchObject({ stdout: 'out\n', stderr: '€', exitCode: 4, timedOut: false });
    expect(conn.shell).toBe('posix');
    expect(conn.targetName).toBe('localhost');
  });

  it('delivers 5 MB of stdin intact', async () => {
    const data = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 9)) & 0xff;
    const r = await conn.exec('sha256sum | cut -d" " -f1', { stdin: data });
    expect(r.stdout.trim()).toBe(createHash('sha256').update(data).digest('hex'));
  });

  it('stops the whole process tree when the timeout passes', async () => {
    const started = join(dir, 'timeout-started');
    const r = await conn.exec(`touch ${started}; sleep 31350 & timeout 31356 sleep 31351; echo never`, { timeoutMs: 500 });
    expect(r).toMatchObject({ timedOut: true, exitCode: null });
    expect(existsSync(started)).toBe(true);
    expect(r.stdout).not.toContain('never');
    expect(await livingProcesses(conn, '^(sleep 3135[01]|timeout 31356 )')).toEqual([]);
  });

  it('stops the process tree when the signal aborts', async () => {
    const started = join(dir, 'started');
    const ac = new AbortController();
    const running = conn.exec(`touch ${started}; sleep 31352`, { signal: ac.signal });
    await waitForFile(started);
    ac.abort();
    expect(await running).toMatchObject({ timedOut: false, exitCode: null });
    expect(await livingProcesses(conn, '^sleep 31352')).toEqual([]);
    const before = new AbortController();
    before.abort();
    expect(await conn.exec(`touch ${join(dir, 'never')}`, { signal: before.signal })).toMatchObject({ exitCode: null });
    expect(await conn.exec(`test -e ${join(dir, 'never')}`)).toMatchObject({ exitCode: 1 });
  });

  it('runs as another user through sudo, passing stdin through', async () => {
    const as = await transportFor('local').connect({
      name: 'localhost',
      host: 'localhost',
      transport: 'local',
      config: { 'run-as': user.name },
    });
    const r = await as.exec('id -un; cat', { stdin: 'hello\n' });
    expect(r).toMatchObject({ stdout: `${user.name}\nhello\n`, exitCode: 0 });
    await as.close();
  });
});
