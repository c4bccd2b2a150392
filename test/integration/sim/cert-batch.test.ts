// `puppet cert sign|clean NAME NAME ...` as Puppet 3.7.3 runs them, and the log of every `puppet`
// process a host ran (what a batched CA step is measured by). Puppet 3.7's cert application works
// through the names in order and stops at the first that fails (exit 24, "Error: ..."); the names
// before it are done, the ones after it untouched. `clean` first revokes every name, then destroys
// every name: a name without a serial stops it before anything is destroyed.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInvocations } from '../../support/sim-hosts.js';
import { buildPair, openssl, puppet, serialOf, ssl } from './helpers.js';

let dir: string;
let master: string;

beforeAll(async () => {
  ({ dir, master } = await buildPair());
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A pending request for NAME on the master's CA, as an agent's first contact leaves it. */
function request(name: string): void {
  execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:1024', '-nodes', '-subj', `/CN=${name}`,
    '-keyout', '/dev/null', '-out', ssl(master, `ca/requests/${name}.pem`)], { stdio: 'ignore' });
}

const signed = (name: string) => existsSync(ssl(master, `ca/signed/${name}.pem`));
const pending = (name: string) => existsSync(ssl(master, `ca/requests/${name}.pem`));
const signedLines = (name: string) => [
  `Notice: Signed certificate request for ${name}`,
  `Notice: Removing file Puppet::SSL::CertificateRequest ${name} at '${ssl(master, `ca/requests/${name}.pem`)}'`,
];

describe('puppet cert sign with several names', () => {
  it('signs every name in order in one process', async () => {
    for (const n of ['b1.example.com', 'b2.example.com', 'b3.example.com']) request(n);
    const r = await puppet(master, 'cert', 'sign', 'b1.example.com', 'B2.example.com', 'b3.example.com');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe([...signedLines('b1.example.com'), ...signedLines('b2.example.com'), ...signedLines('b3.example.com'), ''].join('\n'));
    for (const n of ['b1', 'b2', 'b3']) expect(signed(`${n}.example.com`)).toBe(true);
    const serials = ['b1', 'b2', 'b3'].map((n) => serialOf(ssl(master, `ca/signed/${n}.example.com.pem`)));
    expect(serials[1]).toBe(serials[0] + 1);
    expect(serials[2]).toBe(serials[1] + 1);
  });

  it('stops at the first name it cannot sign: the names before it are signed, the ones after it still wait', async () => {
    request('c1.example.com');
    request('c3.example.com');
    const r = await puppet(master, 'cert', 'sign', 'c1.example.com', 'c2.example.com', 'c3.example.com');
    expect(r).toMatchObject({ code: 24, stderr: 'Error: Could not find certificate request for c2.example.com\n' });
    expect(r.stdout).toBe([...signedLines('c1.example.com'), ''].join('\n'));
    expect(signed('c1.example.com')).toBe(true);
    expect([signed('c3.example.com'), pending('c3.example.com')]).toEqual([false, true]);
  });

  it('refuses a request with alt names unless --allow-dns-alt-names, stopping there too', async () => {
    execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:1024', '-nodes', '-subj', '/CN=d1.example.com',
      '-addext', 'subjectAltName=DNS:d1.example.com,DNS:alias.example.com',
      '-keyout', '/dev/null', '-out', ssl(master, 'ca/requests/d1.example.com.pem')], { stdio: 'ignore' });
    const r = await puppet(master, 'cert', 'sign', 'd1.example.com', 'c3.example.com');
    expect(r.code).toBe(24);
    expect(r.stderr).toMatch(/^Error: CSR 'd1\.example\.com' contains subject alternative names \(.*DNS:alias\.example\.com.*\), which are disallowed\./);
    expect([pending('d1.example.com'), pending('c3.example.com')]).toEqual([true, true]);
    const ok = await puppet(master, 'cert', 'sign', '--allow-dns-alt-names', 'd1.example.com', 'c3.example.com');
    expect(ok).toMatchObject({ code: 0, stdout: [...signedLines('d1.example.com'), ...signedLines('c3.example.com'), ''].join('\n') });
  });
});

describe('puppet cert clean with several names', () => {
  it('revokes every name, then removes every name\'s files', async () => {
    const s1 = serialOf(ssl(master, 'ca/signed/b1.example.com.pem'));
    const s2 = serialOf(ssl(master, 'ca/signed/b2.example.com.pem'));
    const r = await puppet(master, 'cert', 'clean', 'b1.example.com', 'b2.example.com');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe([
      `Notice: Revoked certificate with serial ${s1}`,
      `Notice: Revoked certificate with serial ${s2}`,
      `Notice: Removing file Puppet::SSL::Certificate b1.example.com at '${ssl(master, 'ca/signed/b1.example.com.pem')}'`,
      `Notice: Removing file Puppet::SSL::Certificate b2.example.com at '${ssl(master, 'ca/signed/b2.example.com.pem')}'`,
      '',
    ].join('\n'));
    const crl = openssl('crl', '-in', ssl(master, 'ca/ca_crl.pem'), '-noout', '-text');
    for (const s of [s1, s2]) expect(crl).toContain(`Serial Number: ${s.toString(16).toUpperCase().padStart(2, '0')}`);
  });

  it('stops at a pending request never signed (no serial), before destroying anything, as 3.7 does', async () => {
    request('e1.example.com');
    const s3 = serialOf(ssl(master, 'ca/signed/b3.example.com.pem'));
    const r = await puppet(master, 'cert', 'clean', 'b3.example.com', 'e1.example.com');
    expect(r).toMatchObject({ code: 24, stdout: `Notice: Revoked certificate with serial ${s3}\n`, stderr: 'Error: Could not find a serial number for e1.example.com\n' });
    expect([signed('b3.example.com'), pending('e1.example.com')]).toEqual([true, true]);
  });
});

describe('the invocation log', () => {
  it('has one line per puppet process, with its arguments and exit code, from the end of the build on', () => {
    const log = readInvocations(master);
    expect(log.map((i) => [i.exitCode, ...i.args])).toEqual([
      // The agent's build, after the master's, had the master sign its first certificate.
      [0, 'cert', 'sign', 'agent1.example.com'],
      [0, 'cert', 'sign', 'b1.example.com', 'B2.example.com', 'b3.example.com'],
      [24, 'cert', 'sign', 'c1.example.com', 'c2.example.com', 'c3.example.com'],
      [24, 'cert', 'sign', 'd1.example.com', 'c3.example.com'],
      [0, 'cert', 'sign', '--allow-dns-alt-names', 'd1.example.com', 'c3.example.com'],
      [0, 'cert', 'clean', 'b1.example.com', 'b2.example.com'],
      [24, 'cert', 'clean', 'b3.example.com', 'e1.example.com'],
    ]);
    for (const i of log) {
      expect(i.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(i.ms).toBeGreaterThanOrEqual(0);
    }
  });
});
