// The SSH transport against a real OpenSSH sshd on loopback: output, stdin, decoding,
// channel bounds, timeouts and aborts that kill the remote process tree.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnection, sshTransport } from '../../../src/transports/ssh/index.js';
import type { Connection } from '../../../src/transports/types.js';
import { sshTarget, startSshd, type Sshd } from '../../support/sshd.js';
import { livingProcesses, waitForFile } from './helpers.js';

let sshd: Sshd;
let conn: Connection;
let scratch: string;

beforeAll(async () => {
  sshd = await startSshd();
  conn = await sshTransport.connect(sshTarget(sshd));
  scratch = mkdtempSync(join(tmpdir(), 'regen-ssh-exec-'));
});

afterAll(async () => {
  await conn?.close();
  await sshd?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('ssh exec', () => {
  it('returns stdout, stderr and the exit code, and a non-zero exit is not an error', async () => {
    const r = await conn.exec('echo out; echo err >&2; exit 3');
    expect(r).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 3, timedOut: false });
    expect(conn.shell).toBe('posix');
    const ok = await conn.exec('id -un');
    expect(ok.stdout).toBe('root\n');
    expect(ok.exitCode).toBe(0);
  });

  it('delivers 5 MB of stdin intact', async () => {
    const data = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919 + (i >> 11)) & 0xff;
    const r = await conn.exec('f=$(mktemp); cat > "$f"; sha256sum < "$f" | cut -d" " -f1; wc -c < "$f"; rm -f "$f"', { stdin: data });
    const sum = createHash('sha256').update(data).digest('hex');
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([sum, String(data.length)]);
  });

  it('decodes multi-byte UTF-8 split across output chunks', async () => {
    // € is \342\202\254: its bytes arrive in two separate writes (two SSH data packets).
    const split = await conn.exec("printf '\\342\\202'; sleep 0.2; printf '\\254\\n'; printf '\\360\\237' >&2; sleep 0.2; printf '\\230\\200' >&2");
    expect(split.stdout).toBe('€\n');
    expect(split.stderr).toBe('😀');
    const big = await conn.exec("i=0; while [ $i -lt 20000 ]; do printf 'a€😀ß'; i=$((i+1)); done");
    expect(big.stdout).toBe('a€😀ß'.repeat(20000));
  });

  it('runs 30 concurrent execs on one connection with at most max-channels open', async () => {
    const bounded = (await sshTransport.connect(sshTarget(sshd, { 'max-channels': 4 }))) as SshConnection;
    try {
      const dir = join(scratch, 'running');
      // Each command counts the commands running at the same moment through marker files.
      const cmd = `mkdir -p ${dir}; touch ${dir}/$$; ls ${dir} | wc -l; sleep 0.2; rm ${dir}/$$`;
      const results = await Promise.all(Array.from({ length: 30 }, () => bounded.exec(cmd)));
      expect(results.every((r) => r.exitCode === 0)).toBe(true);
      const seen = results.map((r) => Number(r.stdout.trim()));
      expect(Math.max(...seen)).toBeLessThanOrEqual(4);
      expect(bounded.limiter.peak).toBeGreaterThan(1);
      expect(bounded.limiter.peak).toBeLessThanOrEqual(4);
    } finally {
      await bounded.close();
    }
  });

  it('adapts to an sshd whose MaxSessions is below max-channels', async () => {
    const strict = await startSshd({ maxSessions: 2 });
    const c = (await sshTransport.connect(sshTarget(strict))) as SshConnection;
    try {
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => c.exec(`sleep 0.1; echo ${i}`)));
      expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 6 }, (_, i) => `${i}\n`));
    } finally {
      await c.close();
      await strict.stop();
    }
  });

  it('stops the whole remote process tree when the timeout passes', async () => {
    const started = join(scratch, 'timeout-started');
    const r = await conn.exec(`touch ${started}; sleep 31337 & timeout 31336 sleep 31338; echo never`, { timeoutMs: 1000 });
    expect(r.timedOut).toBe(true);
    expect(existsSync(started)).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.stdout).not.toContain('never');
    expect(await livingProcesses(conn, '^(sleep 3133[78]|timeout 31336 )')).toEqual([]);
  });

  it('stops the remote process tree when the signal aborts', async () => {
    const started = join(scratch, 'abort-started');
    const ac = new AbortController();
    const running = conn.exec(`touch ${started}; sleep 31339; echo never`, { signal: ac.signal });
    await waitForFile(started);
    expect(await livingProcesses(conn, '^sleep 31339')).toHaveLength(1);
    ac.abort();
    const r = await running;
    expect(r).toMatchObject({ exitCode: null, timedOut: false });
    expect(await livingProcesses(conn, '^sleep 31339')).toEqual([]);
  });

  it('drops a queued exec whose signal aborts before a channel is free, without running it', async () => {
    const one = await sshTransport.connect(sshTarget(sshd, { 'max-channels': 2 }));
    try {
      const busy = join(scratch, 'queue-busy');
      const release = join(scratch, 'queue-release');
      const never = join(scratch, 'queue-never');
      const holder = one.exec(`touch ${busy}; while [ ! -e ${release} ]; do sleep 0.05; done`);
      await waitForFile(busy);
      const ac = new AbortController();
      const queued = one.exec(`touch ${never}`, { signal: ac.signal });
      ac.abort();
      expect(await queued).toMatchObject({ exitCode: null, timedOut: false });
      await conn.exec(`touch ${release}`);
      expect((await holder).exitCode).toBe(0);
      expect((await one.exec(`test -e ${never}`)).exitCode).toBe(1);
    } finally {
      await one.close();
    }
  });

  it('keeps a secret written on stdin out of the process list', async () => {
    const secret = `s3cret-${Date.now()}`;
    const started = join(scratch, 'secret-started');
    const release = join(scratch, 'secret-release');
    const holder = conn.exec(`read -r s; touch ${started}; while [ ! -e ${release} ]; do sleep 0.05; done; echo "\${#s}"`, {
      stdin: `${secret}\n`,
    });
    await waitForFile(started);
    const ps = await conn.exec('ps -eo args');
    await conn.exec(`touch ${release}`);
    expect(ps.stdout).toContain(`while [ ! -e ${release} ]`);
    expect(ps.stdout).not.toContain(secret);
    expect((await holder).stdout).toBe(`${secret.length}\n`);
  });
});
