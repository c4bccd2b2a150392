// Proves the WS-Management test server faithful: pywinrm, an independent client that works
// against real Windows hosts, runs commands on it over Basic and NTLM, HTTP and HTTPS.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWsmanServer, type WsmanServer } from '../../support/wsman-server/index.js';
import { makeTestPki, type TestPki } from '../../support/wsman-server/tls.js';

const DRIVER = fileURLToPath(new URL('./pywinrm_driver.py', import.meta.url));
const USERS = { vagrant: 'Pa55 w0rd&<é>' };

interface Job {
  url: string;
  user: string;
  password: string;
  transport: 'basic' | 'ntlm';
  ca?: string;
  steps: ({ cmd: string; args?: string[] } | { cmd: string; stdin: string })[];
}
type Outcome = { results?: { stdout: string; stderr: string; status: number }[]; error?: string; message?: string };

// ntlm_auth hashes with hashlib's MD4, which OpenSSL 3 keeps in its legacy provider: load it
// for the driver only (as pywinrm users on OpenSSL 3 systems must).
const OPENSSL_CONF =
  'openssl_conf = init\n[init]\nproviders = providers\n[providers]\ndefault = on\nlegacy = on\n[on]\nactivate = 1\n';
let opensslConfPath = '';

function pywinrm(job: Job): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, OPENSSL_CONF: opensslConfPath };
    const child = execFile('/usr/bin/python3', [DRIVER], { timeout: 60_000, env }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`pywinrm driver failed: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout) as Outcome);
    });
    child.stdin!.end(JSON.stringify(job));
  });
}

const STEPS: Job['steps'] = [
  { cmd: 'echo', args: ['hello', 'world'] },
  { cmd: 'exit', args: ['3'] },
  { cmd: 'repeat 7 ab ; echo é中😀 ; echoerr oops' },
  { cmd: 'sleep 2500 ; echo after the silence' },
  { cmd: 'cat', stdin: 'line 1\r\n"quotes" & | < > ^ %PATH%\r\n' },
];

function expectResults(outcome: Outcome): void {
  expect(outcome.error).toBeUndefined();
  const [echo, exit, split, silent, stdin] = outcome.results!;
  expect(echo).toEqual({ stdout: 'hello world\r\n', stderr: '', status: 0 });
  expect(exit.status).toBe(3);
  expect(split).toEqual({ stdout: `${'ab'.repeat(7)}é中😀\r\n`, stderr: 'oops\r\n', status: 0 });
  expect(silent).toEqual({ stdout: 'after the silence\r\n', stderr: '', status: 0 });
  expect(stdin).toEqual({ stdout: 'line 1\r\n"quotes" & | < > ^ %PATH%\r\n', stderr: '', status: 0 });
}

describe('WS-Management test server driven by pywinrm', () => {
  let http: WsmanServer;
  let https: WsmanServer;
  let pki: TestPki;
  beforeAll(async () => {
    pki = makeTestPki();
    opensslConfPath = join(pki.dir, 'openssl-legacy.cnf');
    writeFileSync(opensslConfPath, OPENSSL_CONF);
    // 1 s operation timeout: the 2.5 s silent command draws w:TimedOut faults that pywinrm must ride out.
    const common = { users: USERS, operationTimeoutMs: 1000, chunkBytes: 5 };
    http = await startWsmanServer({ ...common, allowUnencrypted: true });
    https = await startWsmanServer({ ...common, tls: { key: pki.key, cert: pki.cert } });
  });
  afterAll(async () => {
    await http?.stop();
    await https?.stop();
    pki?.remove();
  });

  it('runs commands over NTLM on plain HTTP with message encryption', async () => {
    const before = http.log.length;
    expectResults(await pywinrm({ url: http.url, user: 'vagrant', password: USERS.vagrant, transport: 'ntlm', steps: STEPS }));
    const seen = http.log.slice(before);
    expect(seen.filter((e) => e.kind === 'Create').every((e) => e.encrypted && e.scheme === 'ntlm')).toBe(true);
    expect(seen.some((e) => e.kind === 'Receive' && e.fault === 'w:TimedOut')).toBe(true);
    expect(seen.filter((e) => e.kind === 'Signal').every((e) => e.signalCode?.endsWith('/signal/terminate'))).toBe(true);
    expect(seen.filter((e) => e.kind === 'Delete')).toHaveLength(STEPS.length);
    expect(http.openShells).toBe(0);
  });

  it('runs commands over Basic on plain HTTP when the server allows unencrypted traffic', async () => {
    expectResults(await pywinrm({ url: http.url, user: 'vagrant', password: USERS.vagrant, transport: 'basic', steps: STEPS }));
  });

  it('runs commands over NTLM on HTTPS, with channel bindings checked against the certificate', async () => {
    const before = https.log.length;
    const job: Job = { url: https.url, user: 'vagrant', password: USERS.vagrant, transport: 'ntlm', ca: pki.caCertPath, steps: STEPS };
    expectResults(await pywinrm(job));
    expect(https.log.slice(before).some((e) => e.kind === 'auth' && e.status === 200 && e.scheme === 'ntlm')).toBe(true);
  });

  it('runs commands over Basic on HTTPS', async () => {
    const job: Job = { url: https.url, user: 'vagrant', password: USERS.vagrant, transport: 'basic', ca: pki.caCertPath, steps: STEPS.slice(0, 2) };
    const outcome = await pywinrm(job);
    expect(outcome.results?.map((r) => r.status)).toEqual([0, 3]);
  });

  it.each(['ntlm', 'basic'] as const)('refuses a wrong password over %s with HTTP 401', async (transport) => {
    const outcome = await pywinrm({ url: https.url, user: 'vagrant', password: 'wrong', transport, ca: pki.caCertPath, steps: STEPS.slice(0, 1) });
    expect(outcome.error).toBe('InvalidCredentialsError');
    expect(https.log.some((e) => e.kind === 'auth' && e.status === 401 && /wrong password/.test(e.error ?? ''))).toBe(true);
  });
});
