// The ledger task over SSH against a simulated PE 3.7 master: every certificate the CA signed, with the
// serial, fingerprint, alt names and expiry openssl reads, written beside the backup archive; the puppetserver
// path reads signed/ when the server is stopped; a missing archive or an empty CA fails, a no-op writes nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimMaster, TaskHarness, tempTree } from './harness.js';

let h: TaskHarness;
let sim: SimMaster;
let scratch: string;
let archive: string;
const AGENT = 'agent1.example.com';
const INTERNAL = ['pe-internal-classifier', 'pe-internal-dashboard', 'pe-internal-mcollective-servers', 'pe-internal-peadmin-mcollective-client', 'pe-internal-puppet-console-mcollective-client'];

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8' }).trim();
const cadir = () => path.join(sim.ssldir, 'ca');
const params = (extra: Record<string, unknown> = {}) => ({
  ca_cli: 'puppet-cert', ca_bin: sim.puppet, cadir: cadir(), backup: archive, certname: sim.certname, internal_certs: INTERNAL, ...extra,
});

beforeAll(async () => {
  h = await TaskHarness.start();
  sim = SimMaster.build();
  execFileSync(sim.puppet, ['cert', 'generate', AGENT], { stdio: 'ignore' });
  scratch = tempTree('ledger');
  archive = path.join(scratch, 'regen-master-certs-host-20261206T120000Z.tar.gz');
  writeFileSync(archive, 'not a real archive: the ledger only needs it to exist');
});

afterAll(async () => {
  await h?.stop();
  sim?.remove();
  if (scratch) execFileSync('rm', ['-rf', scratch]);
});

describe('ledger', () => {
  it('records every signed certificate as openssl reads it, beside the archive, and returns the same', async () => {
    const value = await h.ok('ledger', params());
    const file = archive.replace(/\.tar\.gz$/, '.ledger.json');
    expect(value.ledger).toBe(file);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written.certs).toEqual(value.certs);
    expect(value).toMatchObject({ source: 'cli', count: 7, agents: 1, server: sim.certname });
    const agent = value.certs.find((c: { certname: string }) => c.certname === AGENT);
    const pem = path.join(cadir(), 'signed', `${AGENT}.pem`);
    expect(agent).toMatchObject({ state: 'signed', role: 'agent', serial: openssl('x509', '-noout', '-serial', '-in', pem).replace(/^serial=/, '') });
    expect(agent.fingerprint).toBe(openssl('x509', '-noout', '-fingerprint', '-sha256', '-in', pem).split('=')[1]);
    expect(new Date(agent.not_after).getTime()).toBe(new Date(openssl('x509', '-noout', '-enddate', '-in', pem).replace(/^notAfter=/, '')).getTime());
    const master = value.certs.find((c: { role: string }) => c.role === 'server');
    expect(master.alt_names).toEqual(expect.arrayContaining(['DNS:puppet', 'DNS:puppet.example.com']));
    expect(value.certs.filter((c: { role: string }) => c.role === 'internal').map((c: { certname: string }) => c.certname).sort()).toEqual(INTERNAL);
    const lines = readFileSync(path.join(cadir(), 'inventory.txt'), 'utf8').trim().split('\n');
    expect(value.inventory).toHaveLength(lines.length);
    expect(value.inventory.map((l: { certname: string }) => l.certname)).toContain(AGENT);
    expect(value.ca_fingerprint).toBe(openssl('x509', '-noout', '-fingerprint', '-sha256', '-in', path.join(cadir(), 'ca_crt.pem')).split('=')[1]);
  });

  it('with puppetserver stopped, reads the CA\'s signed/ directory instead of `puppetserver ca list`', async () => {
    const stopped = path.join(scratch, 'puppetserver');
    writeFileSync(stopped, '#!/bin/sh\necho "Error: could not connect to https://localhost:8140" >&2\nexit 1\n', { mode: 0o755 });
    const value = await h.ok('ledger', params({ ca_cli: 'puppetserver-ca', ca_bin: stopped }));
    expect(value).toMatchObject({ source: 'cadir', count: 7, agents: 1 });
    expect(value.certs.map((c: { certname: string }) => c.certname).sort()).toEqual([AGENT, sim.certname, ...INTERNAL].sort());
  });

  it('no-op: reports what it would record and writes nothing', async () => {
    const other = path.join(scratch, 'other.tar.gz');
    writeFileSync(other, 'x');
    const value = await h.ok('ledger', params({ backup: other }), { noop: true });
    expect(value).toMatchObject({ noop: true, count: 7 });
    expect(existsSync(path.join(scratch, 'other.ledger.json'))).toBe(false);
  });

  it('fails without the backup archive, and on a CA that lists nothing, writing no ledger', async () => {
    const missing = path.join(scratch, 'missing.tar.gz');
    expect(await h.error('ledger', params({ backup: missing }))).toMatchObject({ kind: 'regen/not-found' });
    const empty = path.join(scratch, 'empty-ca');
    mkdirSync(path.join(empty, 'signed'), { recursive: true });
    writeFileSync(path.join(empty, 'ca_crt.pem'), readFileSync(path.join(cadir(), 'ca_crt.pem')));
    const stopped = path.join(scratch, 'puppetserver');
    const e = await h.error('ledger', params({ ca_cli: 'puppetserver-ca', ca_bin: stopped, cadir: empty }));
    expect(e.kind).toBe('regen/empty-ledger');
    expect(e.msg).toContain(empty);
    expect(readdirSync(scratch).filter((f) => f.endsWith('.ledger.json'))).toEqual([path.basename(archive).replace(/\.tar\.gz$/, '.ledger.json')]);
  });
});
