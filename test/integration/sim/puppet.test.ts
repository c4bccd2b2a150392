// The fake Puppet 3.7.3 is faithful: its outputs are Puppet's, and the PKI it leaves on disk is a
// real one (checked with openssl): self-signed CA, chains, SANs, serials, inventory, CRL.
// The tests run in order on one master + agent pair, as an administrator would.
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPair, certText, events, fingerprintOf, openssl, puppet, serialOf, sh, ssl, verify } from './helpers.js';

let dir: string;
let master: string;
let agent: string;
const FP = '\\(SHA256\\) (?:[0-9A-F]{2}:){31}[0-9A-F]{2}';

beforeAll(async () => {
  ({ dir, master, agent } = await buildPair());
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('puppet --version and config print', () => {
  it('reports PE 3.7.1 with Puppet 3.7.3, or the version the sim is told', async () => {
    expect((await puppet(master, '--version')).stdout).toBe('3.7.3 (Puppet Enterprise 3.7.1)\n');
    const r = await sh(path.join(master, 'opt/puppet/bin/puppet'), ['--version'], { REGEN_SIM_VERSION: '4.10.0' });
    expect(r.stdout).toBe('4.10.0 (Puppet Enterprise 3.7.1)\n');
  });

  it('prints one value bare, several as key = value, from [main] unless --section', async () => {
    expect((await puppet(master, 'config', 'print', 'certname')).stdout).toBe('master.example.com\n');
    expect((await puppet(master, 'config', 'print', 'ssldir', 'client_datadir')).stdout).toBe(
      `ssldir = ${master}/etc/puppetlabs/puppet/ssl\nclient_datadir = ${master}/var/opt/lib/pe-puppet/client_data\n`,
    );
    // PE 3.7 keeps dns_alt_names in [master]: plain `config print` does not see them.
    expect((await puppet(master, 'config', 'print', 'dns_alt_names')).stdout).toBe('\n');
    expect((await puppet(master, 'config', 'print', 'dns_alt_names', '--section', 'master')).stdout).toBe(
      'puppet,puppet.example.com\n',
    );
    expect((await puppet(agent, 'config', 'print', 'server')).stdout).toBe('master.example.com\n');
  });
});

describe('the CA and certificates on disk', () => {
  it('has a self-signed CA with CA:TRUE and Puppet 3 key usages, named as PE names it', () => {
    const ca = ssl(master, 'ca/ca_crt.pem');
    const text = certText(ca);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toMatch(/Subject: CN = "Puppet CA generated on master\.example\.com at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000"/);
    expect(openssl('x509', '-in', ca, '-noout', '-issuer').replace('issuer', 'subject')).toBe(
      openssl('x509', '-in', ca, '-noout', '-subject'),
    );
    expect(verify(ca, ca)).toBe('OK');
    expect(serialOf(ca)).toBe(1);
    expect(readFileSync(ssl(master, 'ca/ca_key.pem'), 'utf8')).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
  });

  it('signs the master cert with its alt names and the five pe-internal certs, all chaining to the CA', () => {
    const ca = ssl(master, 'ca/ca_crt.pem');
    const crl = ssl(master, 'ca/ca_crl.pem');
    const text = certText(ssl(master, 'certs/master.example.com.pem'));
    expect(text).toMatch(/Subject Alternative Name:\s+DNS:master\.example\.com, DNS:puppet, DNS:puppet\.example\.com/);
    expect(text).toMatch(/Extended Key Usage: critical\s+TLS Web Server Authentication, TLS Web Client Authentication/);
    expect(text).toContain('Puppet Ruby/OpenSSL Internal Certificate');
    for (const name of ['master.example.com', 'pe-internal-classifier', 'pe-internal-dashboard', 'pe-internal-mcollective-servers',
      'pe-internal-peadmin-mcollective-client', 'pe-internal-puppet-console-mcollective-client', 'agent1.example.com']) {
      expect(verify(ca, ssl(master, `ca/signed/${name}.pem`), crl), name).toBe('OK');
    }
    expect(verify(ca, ssl(agent, 'certs/agent1.example.com.pem'))).toBe('OK');
  });

  it('numbers serials in order, in the serial file and the inventory', () => {
    const inventory = readFileSync(ssl(master, 'ca/inventory.txt'), 'utf8').trim().split('\n');
    expect(inventory[0]).toMatch(/^0x0001 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dUTC \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dUTC \/CN=Puppet CA generated on/);
    expect(inventory.map((l) => l.split(' ')[0])).toEqual(['0x0001', '0x0002', '0x0003', '0x0004', '0x0005', '0x0006', '0x0007', '0x0008']);
    expect(inventory.slice(1).map((l) => l.replace(/^(\S+ ){3}/, ''))).toEqual(['/CN=master.example.com', '/CN=pe-internal-classifier',
      '/CN=pe-internal-dashboard', '/CN=pe-internal-mcollective-servers', '/CN=pe-internal-peadmin-mcollective-client',
      '/CN=pe-internal-puppet-console-mcollective-client', '/CN=agent1.example.com']);
    expect(serialOf(ssl(master, 'ca/signed/agent1.example.com.pem'))).toBe(8);
    expect(readFileSync(ssl(master, 'ca/serial'), 'utf8')).toBe('0009\n');
  });

  it('keeps PE owners and Puppet modes, and the service copies of Steps 3-4', () => {
    const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8);
    expect(mode(ssl(master))).toBe('771');
    expect(mode(ssl(master, 'ca'))).toBe('770');
    expect(mode(ssl(master, 'private_keys'))).toBe('750');
    expect(mode(ssl(master, 'ca/ca_key.pem'))).toBe('640');
    expect(mode(ssl(master, 'ca/ca_crl.pem'))).toBe('644');
    const pg = path.join(master, 'opt/puppet/var/lib/pgsql/9.2/data/certs');
    expect(readdirSync(pg).map((f) => mode(path.join(pg, f)))).toEqual(['400', '400', '400']);
    const copy = readFileSync(path.join(master, 'etc/puppetlabs/puppetdb/ssl/master.example.com.private_key.pem'));
    expect(copy.equals(readFileSync(ssl(master, 'private_keys/master.example.com.pem')))).toBe(true);
    expect(readdirSync(path.join(master, 'opt/puppet/share/console-services/certs'))).toHaveLength(9);
  });
});

describe('puppet cert', () => {
  it('lists every certificate in Puppet 3.7 format, names padded to one column', async () => {
    const r = await puppet(master, 'cert', 'list', '--all');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(7); // the CA itself is not listed
    const width = '"pe-internal-puppet-console-mcollective-client"'.length;
    for (const line of lines) expect(line).toMatch(new RegExp(`^\\+ "[^"]+" {1,${width}}${FP}`));
    expect(lines.find((l) => l.includes('"master.example.com"'))).toMatch(
      new RegExp(`^\\+ "master.example.com" +${FP} \\(alt names: "DNS:master.example.com", "DNS:puppet", "DNS:puppet.example.com"\\)$`),
    );
    expect((await puppet(master, 'cert', 'list')).stdout).toBe('');
  });

  it('refuses to sign what was never requested, as Puppet does', async () => {
    const r = await puppet(master, 'cert', 'sign', 'nosuch.example.com');
    expect(r).toMatchObject({ code: 24, stdout: '', stderr: 'Error: Could not find certificate request for nosuch.example.com\n' });
    expect((await puppet(master, 'cert', 'sign', '--all')).stderr).toBe('Error: No waiting certificate requests to sign\n');
  });

  it('generates, then cleans: revokes into the CRL and removes the files', async () => {
    const at = (rel: string) => ssl(master, rel);
    const gen = await puppet(master, 'cert', 'generate', 'revokeme');
    expect(gen.stdout).toBe([
      'Notice: revokeme has a waiting certificate request',
      'Notice: Signed certificate request for revokeme',
      `Notice: Removing file Puppet::SSL::CertificateRequest revokeme at '${at('ca/requests/revokeme.pem')}'`,
      `Notice: Removing file Puppet::SSL::CertificateRequest revokeme at '${at('certificate_requests/revokeme.pem')}'`,
      '',
    ].join('\n'));
    expect(serialOf(at('certs/revokeme.pem'))).toBe(9);
    const clean = await puppet(master, 'cert', 'clean', 'revokeme');
    expect(clean.stdout).toBe([
      'Notice: Revoked certificate with serial 9',
      `Notice: Removing file Puppet::SSL::Certificate revokeme at '${at('ca/signed/revokeme.pem')}'`,
      `Notice: Removing file Puppet::SSL::Certificate revokeme at '${at('certs/revokeme.pem')}'`,
      `Notice: Removing file Puppet::SSL::Key revokeme at '${at('private_keys/revokeme.pem')}'`,
      '',
    ].join('\n'));
    expect(existsSync(at('public_keys/revokeme.pem'))).toBe(false);
    const crl = openssl('crl', '-in', at('ca/ca_crl.pem'), '-noout', '-text');
    expect(crl).toMatch(/CRL Number:\s+1\n/);
    expect(crl).toMatch(/Serial Number: 09\s+Revocation Date: .*\s+CRL entry extensions:\s+X509v3 CRL Reason Code:\s+Key Compromise/);
    expect(openssl('crl', '-in', at('ca/ca_crl.pem'), '-noout', '-CAfile', at('ca/ca_crt.pem'), '-verify').trim()).toBe('');
    const missing = await puppet(master, 'cert', 'clean', 'never-signed');
    expect(missing).toMatchObject({ code: 24, stderr: 'Error: Could not find a serial number for never-signed\n' });
  });

  it('shows a revoked certificate with "-" and the reason', async () => {
    await puppet(master, 'cert', 'generate', 'gone');
    expect((await puppet(master, 'cert', 'revoke', 'gone')).stdout).toBe('Notice: Revoked certificate with serial 10\n');
    const line = (await puppet(master, 'cert', 'list', '--all')).stdout.split('\n').find((l) => l.includes('"gone"'));
    expect(line).toMatch(new RegExp(`^- "gone" +${FP} \\(certificate revoked\\)$`));
    expect(verify(ssl(master, 'ca/ca_crt.pem'), ssl(master, 'ca/signed/gone.pem'), ssl(master, 'ca/ca_crl.pem'))).toContain('certificate revoked');
  });
});

describe('puppet resource service', () => {
  it('stops and starts like Puppet, logging every request in order', async () => {
    const stop = await puppet(master, 'resource', 'service', 'pe-httpd', 'ensure=stopped');
    expect(stop.stdout).toBe("Notice: /Service[pe-httpd]/ensure: ensure changed 'running' to 'stopped'\nservice { 'pe-httpd':\n  ensure => 'stopped',\n}\n");
    expect((await puppet(master, 'resource', 'service', 'pe-httpd', 'ensure=stopped')).stdout).toBe("service { 'pe-httpd':\n  ensure => 'stopped',\n}\n");
    expect((await puppet(master, 'resource', 'service', 'pe-httpd')).stdout).toBe("service { 'pe-httpd':\n  ensure => 'stopped',\n  enable => 'true',\n}\n");
    await puppet(master, 'resource', 'service', 'pe-httpd', 'ensure=running');
    expect(events(master).filter((e) => e[0] === 'service')).toEqual([
      ['service', 'pe-httpd', 'running', 'stopped'],
      ['service', 'pe-httpd', 'stopped', 'stopped'],
      ['service', 'pe-httpd', 'stopped', 'running'],
    ]);
  });

  it('fails on an unknown service with Puppet\'s errors (and, as Puppet 3.7, exit 0)', async () => {
    const r = await puppet(master, 'resource', 'service', 'pe-nosuch', 'ensure=running');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Error: /Service[pe-nosuch]/ensure: change from stopped to running failed: Could not start Service[pe-nosuch]");
    expect(r.stdout).toBe("service { 'pe-nosuch':\n  ensure => 'stopped',\n}\n");
  });
});

describe('regenerating the CA and re-enrolling an agent', () => {
  let oldCa: string;

  it('recreates the CA on `cert list -a` after the ssldir is emptied', async () => {
    oldCa = fingerprintOf(ssl(master, 'ca/ca_crt.pem'));
    for (const e of readdirSync(ssl(master))) rmSync(ssl(master, e), { recursive: true });
    const r = await puppet(master, 'cert', 'list', '-a');
    expect(r).toMatchObject({ code: 0, stdout: 'Notice: Signed certificate request for ca\n', stderr: '' });
    expect(fingerprintOf(ssl(master, 'ca/ca_crt.pem'))).not.toBe(oldCa);
    expect(readFileSync(ssl(master, 'ca/serial'), 'utf8')).toBe('0002\n');
    expect(existsSync(ssl(master, 'certs/ca.pem'))).toBe(false);
    const gen = await puppet(master, 'cert', 'generate', 'master.example.com', '--dns_alt_names=puppet,puppet.example.com');
    expect(gen.code).toBe(0);
    expect(readFileSync(ssl(master, 'certs/ca.pem'), 'utf8')).toBe(readFileSync(ssl(master, 'ca/ca_crt.pem'), 'utf8'));
  });

  it('an agent still trusting the old CA cannot run', async () => {
    const r = await puppet(agent, 'agent', '-t');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error: Could not retrieve catalog from remote server: SSL_connect returned=1 errno=0 state=SSLv3 read server certificate B: certificate verify failed: \[.* for \/CN=master\.example\.com\]$/m);
  });

  it('starting pe-puppet on a cleaned agent submits a CSR; once signed, a run fetches the new cert', async () => {
    await puppet(agent, 'resource', 'service', 'pe-puppet', 'ensure=stopped');
    rmSync(ssl(agent), { recursive: true });
    rmSync(path.join(agent, 'var/opt/lib/pe-puppet/client_data/catalog/agent1.example.com.json'));
    await puppet(agent, 'resource', 'service', 'pe-puppet', 'ensure=running');
    expect(events(agent).slice(-3)).toEqual([
      ['service', 'pe-puppet', 'stopped', 'running'],
      ['csr-submitted', 'agent1.example.com'],
      ['agent-run', 'exit=1', 'daemon'],
    ]);
    const pending = await puppet(master, 'cert', 'list');
    expect(pending.stdout).toMatch(new RegExp(`^  "agent1.example.com" ${FP}\\n$`));
    expect((await puppet(agent, 'agent', '-t')).stdout).toBe('Exiting; no certificate found and waitforcert is disabled\n');

    const sign = await puppet(master, 'cert', 'sign', 'agent1.example.com');
    expect(sign.stdout).toBe('Notice: Signed certificate request for agent1.example.com\n'
      + `Notice: Removing file Puppet::SSL::CertificateRequest agent1.example.com at '${ssl(master, 'ca/requests/agent1.example.com.pem')}'\n`);
    const run = await puppet(agent, 'agent', '--test');
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('Info: Caching certificate for agent1.example.com\nInfo: Caching certificate_revocation_list for ca\n');
    expect(verify(ssl(master, 'ca/ca_crt.pem'), ssl(agent, 'certs/agent1.example.com.pem'), ssl(agent, 'crl.pem'))).toBe('OK');
    expect(fingerprintOf(ssl(agent, 'certs/ca.pem'))).toBe(fingerprintOf(ssl(master, 'ca/ca_crt.pem')));
    expect(existsSync(path.join(agent, 'var/opt/lib/pe-puppet/client_data/catalog/agent1.example.com.json'))).toBe(true);
    expect((await puppet(agent, 'agent', '-t')).code).toBe(0);
  });

  it('reports failed resources with exit 4 (6 with changes) when the sim is told to', async () => {
    const bin = path.join(agent, 'opt/puppet/bin/puppet');
    const r = await sh(bin, ['agent', '-t'], { REGEN_SIM_AGENT_FAILURES: 'yes' });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('Error: /Stage[main]/Main/Node[default]/Exec[regen-sim-failure]/returns: change from notrun to 0 failed');
    rmSync(path.join(agent, 'var/opt/lib/pe-puppet/client_data/catalog/agent1.example.com.json'));
    expect((await sh(bin, ['agent', '-t'], { REGEN_SIM_AGENT_FAILURES: 'yes' })).code).toBe(6);
  });

  it('a run while pe-puppetserver is stopped fails as a refused connection', async () => {
    await puppet(master, 'resource', 'service', 'pe-puppetserver', 'ensure=stopped');
    const r = await puppet(agent, 'agent', '-t');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: Could not retrieve catalog from remote server: Connection refused - connect(2)\n'
      + 'Warning: Not using cache on failed catalog\nError: Could not retrieve catalog; skipping run\n');
  });
});
