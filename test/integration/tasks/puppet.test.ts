// The Puppet tasks over SSH against a simulated PE 3.7 master (sim/: a Puppet 3.7.3 CLI in bash and
// openssl): facts, service, cert_info, cert_list, and the CA rebuild of Step 2 — clear the ssldir,
// ca_regenerate, cert_generate, cert_sign, cert_clean — checked with openssl on disk; puppet_run's
// exit codes.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimMaster, snapshot, TaskHarness, tempTree } from './harness.js';

let h: TaskHarness;
let sim: SimMaster;
let scratch: string;

beforeAll(async () => {
  h = await TaskHarness.start();
  sim = SimMaster.build();
  scratch = tempTree('puppet');
});

afterAll(async () => {
  await h?.stop();
  sim?.remove();
  if (scratch) execFileSync('rm', ['-rf', scratch]);
});

const fingerprint = (file: string) =>
  execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', file], { encoding: 'utf8' }).trim().split('=')[1];
const sans = (file: string) =>
  execFileSync('openssl', ['x509', '-noout', '-text', '-in', file], { encoding: 'utf8' }).match(/Subject Alternative Name:\s*\n\s*(.*)/)?.[1];
const serviceState = (host: SimMaster, name: string) =>
  readFileSync(path.join(host.root, 'var/opt/lib/pe-sim/services', name), 'utf8').split('\n')[0];

describe('facts, cert_info, cert_list (read-only)', () => {
  it('facts reports Puppet settings, the certificate and CA as openssl reads them, the clock and disk', async () => {
    const before = snapshot(sim.root);
    const f = await h.ok('facts', { puppet: sim.puppet, disk_paths: [sim.root, '/nonexistent/dir'] });
    expect(f).toMatchObject({ certname: sim.certname, dns_alt_names: ['puppet', 'puppet.example.com'], ssldir: sim.ssldir,
      client_datadir: path.join(sim.root, 'var/opt/lib/pe-puppet/client_data'), confdir: path.join(sim.root, 'etc/puppetlabs/puppet'),
      root: true, user: 'root', cert_issued_by_ca: true });
    expect(f.puppet).toMatchObject({ version: '3.7.3', version_string: '3.7.3 (Puppet Enterprise 3.7.1)' });
    expect(f.cert.subject).toBe(`CN=${sim.certname}`);
    expect(f.cert.sans).toEqual(expect.arrayContaining(['DNS:puppet', 'DNS:puppet.example.com', `DNS:${sim.certname}`]));
    expect(f.cert.issuer).toBe(f.ca.subject);
    expect(f.ca.fingerprint).toEqual({ algorithm: 'SHA256', value: fingerprint(path.join(sim.ssldir, 'certs/ca.pem')) });
    expect(Math.abs(f.clock.epoch - Date.now() / 1000)).toBeLessThan(600);
    expect(f.clock.utc).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(f.os.kernel).toBe('Linux');
    expect(f.disk[0].free_bytes).toBeGreaterThan(0);
    expect(f.disk[1].free_bytes).toBeGreaterThan(0); // the nearest existing parent's filesystem
    expect(snapshot(sim.root)).toEqual(before);
  });

  it('cert_info reads a certificate and verifies it against a CA file', async () => {
    const cert = path.join(sim.ssldir, 'certs', `${sim.certname}.pem`);
    const info = await h.ok('cert_info', { certname: sim.certname, ssldir: sim.ssldir, ca_file: path.join(sim.ssldir, 'certs/ca.pem') });
    expect(info).toMatchObject({ path: cert, subject: `CN=${sim.certname}`, expired: false, verify: { ok: true } });
    expect(info.fingerprint.value).toBe(fingerprint(cert));
    expect(info.not_after > info.not_before).toBe(true);
    const own = await h.ok('cert_info', { puppet: sim.puppet });
    expect(own.path).toBe(cert);
    const wrong = await h.ok('cert_info', { path: path.join(sim.ssldir, 'certs/ca.pem'), ca_file: cert });
    expect(wrong.verify.ok).toBe(false);
    expect((await h.error('cert_info', { path: path.join(sim.ssldir, 'private_keys', `${sim.certname}.pem`) })).kind).toBe('regen/not-a-certificate');
  });

  it('cert_list parses every signed certificate with fingerprint and alt names', async () => {
    const list = await h.ok('cert_list', { ca_cli: 'puppet-cert', ca_bin: sim.puppet, cadir: path.join(sim.ssldir, 'ca') });
    const names = list.signed.map((c: any) => c.name).sort();
    expect(names).toEqual([sim.certname, 'pe-internal-classifier', 'pe-internal-dashboard', 'pe-internal-mcollective-servers',
      'pe-internal-peadmin-mcollective-client', 'pe-internal-puppet-console-mcollective-client']);
    const master = list.signed.find((c: any) => c.name === sim.certname);
    expect(master.fingerprint).toEqual({ algorithm: 'SHA256', value: fingerprint(path.join(sim.ssldir, 'ca/signed', `${sim.certname}.pem`)) });
    expect(master.alt_names).toEqual(expect.arrayContaining(['DNS:puppet', 'DNS:puppet.example.com']));
    expect(list).toMatchObject({ pending: [], revoked: [], invalid: [] });
  });
});

describe('service', () => {
  it('stops and starts through puppet resource, reports before/after, and no-op changes nothing', async () => {
    const host = sim.copy();
    const p = { name: 'pe-httpd', puppet: host.puppet };
    expect(await h.ok('service', p)).toEqual({ service: 'pe-httpd', action: 'status', before: 'running', after: 'running', changed: false });
    expect(await h.ok('service', { ...p, action: 'stop' }, { noop: true })).toMatchObject({ before: 'running', after: 'stopped', changed: true, noop: true });
    expect(serviceState(host, 'pe-httpd')).toBe('running');
    expect(await h.ok('service', { ...p, action: 'stop' })).toMatchObject({ before: 'running', after: 'stopped', changed: true });
    expect(serviceState(host, 'pe-httpd')).toBe('stopped');
    expect(await h.ok('service', { ...p, action: 'stop' })).toMatchObject({ before: 'stopped', after: 'stopped', changed: false });
    expect(await h.ok('service', { ...p, action: 'restart' })).toMatchObject({ before: 'stopped', after: 'running', changed: true });
    expect(serviceState(host, 'pe-httpd')).toBe('running');
    const err = await h.error('service', { name: 'pe-nosuch', action: 'start', puppet: host.puppet });
    expect(err.kind).toBe('regen/service-failed');
    expect(err.msg).toContain('unrecognized service');
    host.remove();
  });

  it('acts on several services in their order, and stops at the first that fails, leaving the rest untouched', async () => {
    const host = sim.copy();
    const names = ['pe-httpd', 'pe-activemq', 'pe-puppetdb'];
    const all = await h.ok('service', { names, action: 'stop', puppet: host.puppet });
    expect(all.action).toBe('stop');
    expect(all.services.map((s: any) => [s.service, s.after, s.changed])).toEqual(names.map((n) => [n, 'stopped', true]));
    for (const n of names) expect(serviceState(host, n)).toBe('stopped');
    const err = await h.error('service', { names: ['pe-httpd', 'pe-nosuch', 'pe-activemq'], action: 'start', puppet: host.puppet });
    expect(err.kind).toBe('regen/service-failed');
    expect(err.msg).toMatch(/^start of pe-nosuch failed after pe-httpd \(the rest not touched\)/);
    expect(serviceState(host, 'pe-httpd')).toBe('running');
    expect(serviceState(host, 'pe-activemq')).toBe('stopped');
    expect((await h.error('service', { name: 'pe-httpd', names, puppet: host.puppet })).msg).toContain('not both');
    host.remove();
  });
});

describe('the CA rebuild of Step 2', () => {
  it('clear_dir, ca_regenerate, cert_generate, cert_sign and cert_clean build a new, consistent PKI', async () => {
    const host = sim.copy();
    const ssl = host.ssldir;
    const oldCa = fingerprint(path.join(ssl, 'ca/ca_crt.pem'));
    const p = { puppet: host.puppet, ssldir: ssl };
    // The CA's tasks take the CA's command line, its binary and its directory (ssldir/ca on PE 3.7).
    const caParams = { ca_cli: 'puppet-cert', ca_bin: host.puppet, cadir: path.join(ssl, 'ca') };
    expect((await h.error('ca_regenerate', p)).kind).toBe('regen/ca-exists');
    expect((await h.ok('ca_regenerate', { ...p, allow_existing: true })).created).toBe(false);

    await h.ok('clear_dir', { path: ssl, allowed_roots: [host.root] });
    expect(await h.ok('ca_regenerate', p, { noop: true })).toMatchObject({ created: true, noop: true });
    expect(readdirSync(ssl)).toEqual([]);
    const ca = await h.ok('ca_regenerate', p);
    expect(ca.created).toBe(true);
    const caFile = path.join(ssl, 'ca/ca_crt.pem');
    expect(ca.ca.fingerprint.value).toBe(fingerprint(caFile));
    expect(ca.ca.fingerprint.value).not.toBe(oldCa);

    const gen = await h.ok('cert_generate', { ...p, certname: host.certname, dns_alt_names: 'puppet, puppet.example.com' });
    expect(gen).toMatchObject({ generated: true, dns_alt_names: ['puppet', 'puppet.example.com'] });
    const cert = path.join(ssl, 'certs', `${host.certname}.pem`);
    expect(sans(cert)).toContain('DNS:puppet.example.com');
    execFileSync('openssl', ['verify', '-CAfile', caFile, cert]);
    for (const f of [gen.files.public_key, gen.files.private_key]) expect(existsSync(f)).toBe(true);
    expect((await h.ok('cert_generate', { ...p, certname: 'pe-internal-classifier' }, { noop: true })).noop).toBe(true);
    expect(existsSync(path.join(ssl, 'certs/pe-internal-classifier.pem'))).toBe(false);
    await h.ok('cert_generate', { ...p, certname: 'pe-internal-classifier' });
    expect((await h.error('cert_generate', { ...p, certname: 'pe-internal-classifier' })).kind).toBe('regen/cert-exists');

    // An agent's request arrives; signing it and an already signed name both succeed.
    const csr = path.join(ssl, 'ca/requests/agent1.example.com.pem');
    execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:1024', '-nodes', '-keyout', path.join(scratch, 'agent1.key'),
      '-subj', '/CN=agent1.example.com', '-out', csr], { stdio: 'ignore' });
    const names = ['agent1.example.com', host.certname];
    expect(await h.ok('cert_sign', { ...caParams, certnames: names }, { noop: true })).toMatchObject({ signed: ['agent1.example.com'], noop: true });
    expect(existsSync(csr)).toBe(true);
    // A name with no request fails alone: the others are signed in the same call, each with its own result.
    const missing = await h.error('cert_sign', { ...caParams, certnames: [...names, 'ghost.example.com'] });
    expect(missing).toMatchObject({ kind: 'regen/no-csr', details: { missing: ['ghost.example.com'], signed: ['agent1.example.com'] } });
    expect(missing.msg).toContain('ghost.example.com');
    expect(missing.details.results).toMatchObject({
      'agent1.example.com': { status: 'signed' }, [host.certname]: { status: 'already_signed' },
      'ghost.example.com': { _error: { kind: 'regen/no-csr' } },
    });
    expect(existsSync(csr)).toBe(false);
    expect(await h.ok('cert_sign', { ...caParams, certnames: names })).toMatchObject({ signed: [], already_signed: names });
    const signed = path.join(ssl, 'ca/signed/agent1.example.com.pem');
    execFileSync('openssl', ['verify', '-CAfile', caFile, signed]);

    // A request that arrives while cert_sign waits (wait_seconds) is signed when it lands.
    const late = path.join(ssl, 'ca/requests/agent2.example.com.pem');
    const arrival = setTimeout(() => execFileSync('openssl', ['req', '-new', '-newkey', 'rsa:1024', '-nodes',
      '-keyout', path.join(scratch, 'agent2.key'), '-subj', '/CN=agent2.example.com', '-out', late], { stdio: 'ignore' }), 1500);
    try {
      expect(await h.ok('cert_sign', { ...caParams, certnames: ['agent2.example.com'], wait_seconds: 30 })).toMatchObject({ signed: ['agent2.example.com'], already_signed: [] });
    } finally {
      clearTimeout(arrival);
    }
    execFileSync('openssl', ['verify', '-CAfile', caFile, path.join(ssl, 'ca/signed/agent2.example.com.pem')]);
    expect((await h.error('cert_sign', { ...caParams, certnames: ['ghost.example.com'], wait_seconds: 2 })).msg).toContain('after 2s');
    const list = await h.ok('cert_list', caParams);
    expect(list.signed.map((c: any) => c.name).sort()).toEqual(['agent1.example.com', 'agent2.example.com', host.certname, 'pe-internal-classifier']);

    const cleanNoop = await h.ok('cert_clean', { ...caParams, ssldir: ssl, certnames: ['agent1.example.com', 'nobody.example.com'] }, { noop: true });
    expect(cleanNoop).toMatchObject({ cleaned: [{ name: 'agent1.example.com', files: [signed] }], absent: ['nobody.example.com'] });
    expect(existsSync(signed)).toBe(true);
    await h.ok('cert_clean', { ...caParams, ssldir: ssl, certnames: ['agent1.example.com'] });
    expect(existsSync(signed)).toBe(false);
    expect((await h.ok('cert_list', caParams)).signed.map((c: any) => c.name)).not.toContain('agent1.example.com');
    expect((await h.error('cert_clean', { ...caParams, ssldir: ssl, certnames: ['ca'] })).kind).toBe('regen/bad-param');
    host.remove();
  });

  it('tasks that need a CA refuse where there is none, instead of creating one', async () => {
    const empty = path.join(scratch, 'empty-ssl');
    execFileSync('mkdir', ['-p', empty]);
    for (const task of ['cert_list', 'cert_generate', 'cert_sign', 'cert_clean']) {
      const ca = { ca_cli: 'puppet-cert', ca_bin: sim.puppet, cadir: path.join(empty, 'ca') };
      const err = await h.error(task, { puppet: sim.puppet, ssldir: empty, ...(task !== 'cert_generate' ? ca : {}),
        ...(task === 'cert_generate' ? { certname: 'x' } : { certnames: ['x'] }) });
      expect(err.kind, task).toBe('regen/no-ca');
    }
    expect(readdirSync(empty)).toEqual([]);
  });
});

describe('puppet_run', () => {
  function fakePuppet(name: string, code: number, output: string): string {
    const file = path.join(scratch, name);
    writeFileSync(file, `#!/bin/sh\ntouch "${file}.ran"\nprintf '%s\\n' '${output}'\nexit ${code}\n`);
    chmodSync(file, 0o755);
    return file;
  }

  it('succeeds on exit 0 and 2, on the simulated master too', async () => {
    expect(await h.ok('puppet_run', { puppet: sim.puppet })).toMatchObject({ exit_code: 0, changes: false });
    expect(await h.ok('puppet_run', { puppet: fakePuppet('p2', 2, 'Notice: Applied catalog') })).toMatchObject({ exit_code: 2, changes: true });
  });

  it('explains exit codes 1, 4 and 6 in the error', async () => {
    const one = await h.error('puppet_run', { puppet: fakePuppet('p1', 1, 'Exiting; no certificate found and waitforcert is disabled') });
    expect(one).toMatchObject({ kind: 'regen/puppet-run-failed', details: { exit_code: 1 } });
    expect(one.msg).toContain('cert_sign');
    expect((await h.error('puppet_run', { puppet: fakePuppet('p4', 4, 'Error: boom') })).msg).toContain('some resources failed');
    expect((await h.error('puppet_run', { puppet: fakePuppet('p6', 6, 'Error: boom') })).msg).toContain('made changes but some resources failed');
  });

  it('waits out a run the agent service holds the lock for, up to busy_wait', async () => {
    // Busy for the first call, then a normal run: the retry sees the second answer.
    const file = path.join(scratch, 'pbusy');
    const busy = 'Notice: Run of Puppet configuration client already in progress; skipping  (agent_catalog_run.lock exists)';
    writeFileSync(file, `#!/bin/sh\nif [ -f "${file}.once" ]; then echo 'Notice: Applied catalog'; exit 2; fi\n` +
      `touch "${file}.once"\necho '${busy}'\nexit 1\n`);
    chmodSync(file, 0o755);
    expect(await h.ok('puppet_run', { puppet: file, busy_wait: 30 })).toMatchObject({ exit_code: 2, changes: true });
    const stuck = await h.error('puppet_run', { puppet: fakePuppet('pstuck', 1, busy) });
    expect(stuck.msg).toContain('still in progress after 0s');
  });

  it('runs nothing in no-op mode', async () => {
    const p = fakePuppet('pnoop', 0, 'ran');
    expect(await h.ok('puppet_run', { puppet: p }, { noop: true })).toMatchObject({ noop: true });
    expect(existsSync(`${p}.ran`)).toBe(false);
  });
});
