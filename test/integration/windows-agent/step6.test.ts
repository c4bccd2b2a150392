// Step 6 of the procedure on a Windows agent, task by task, over regen's WinRM transport to
// a simulated agent whose pe-puppet service submits its CSR to a simulated PE 3.7 master.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUPPET_BAT } from '../../support/windows-agent-sim.js';
import { CLIENT_DATADIR, Site, SSLDIR, type WindowsHost } from './helpers.js';

const CERTNAME = 'win1.example.com';
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('Step 6 on a Windows agent over WinRM', () => {
  let site: Site;
  let win: WindowsHost;
  let facts: Record<string, any>;
  let backup: Record<string, any>;
  beforeAll(async () => {
    site = new Site();
    win = await site.agent(CERTNAME, { stopHangs: ['pe-mcollective'] });
  });
  afterAll(async () => {
    await site?.close();
  });

  it('facts: discovers certname, paths and the current certificate from puppet.bat', async () => {
    const run = await win.run('facts');
    expect(run.exitCode).toBe(0);
    facts = run.out;
    expect(facts).toMatchObject({
      certname: CERTNAME,
      ssldir: SSLDIR,
      client_datadir: CLIENT_DATADIR,
      confdir: 'C:\\ProgramData\\PuppetLabs\\puppet\\etc',
      hostcert: `${SSLDIR}\\certs\\${CERTNAME}.pem`,
      puppet: { path: PUPPET_BAT, version: '3.7.3' },
      os: { kernel: 'windows', id: 'windows' },
      cert_issued_by_ca: true,
      elevated: true,
      alt_names_list: [],
      alt_names_to_keep: '',
    });
    expect(facts.cert.subject).toBe(`CN=${CERTNAME}`);
    expect(facts.ca.subject).toBe(facts.cert.issuer);
    expect(facts.cert.fingerprint.value).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it('backup: copies the ssl dir with a manifest and verifies it', async () => {
    const run = await win.run('backup', { paths: [SSLDIR] });
    expect(run.exitCode).toBe(0);
    backup = run.out;
    expect(backup).toMatchObject({ paths: [SSLDIR], verified: true, format: 'directory' });
    expect(backup.archive).toMatch(/^C:\\ProgramData\\PuppetLabs\\regen\\backups\\regen-backup-win1-\d{8}T\d{6}Z$/);
    const manifest = readFileSync(win.file(backup.manifest), 'utf8');
    const key = `${SSLDIR}\\private_keys\\${CERTNAME}.pem`;
    const line = manifest.split('\r\n').find((l) => l.startsWith(`${key}\t`));
    expect(line?.split('\t')[4]).toBe(sha256(win.file(key)));
    expect(sha256(win.file(`${backup.archive}\\C\\ProgramData\\PuppetLabs\\puppet\\etc\\ssl\\private_keys\\${CERTNAME}.pem`))).toBe(sha256(win.file(key)));
  });

  it('service: stops pe-puppet', async () => {
    const run = await win.run('service', { name: 'pe-puppet', action: 'stop' });
    expect(run).toMatchObject({ exitCode: 0, out: { service: 'pe-puppet', before: 'running', after: 'stopped', changed: true } });
    expect(win.agent.serviceState('pe-puppet')).toBe('stopped');
  });

  it('service: a hung pe-mcollective stop fails clearly and is only killed with force_kill', async () => {
    const hung = await win.run('service', { name: 'pe-mcollective', action: 'stop', timeout: 1 });
    expect(hung.exitCode).toBe(1);
    expect(hung.out._error).toMatchObject({ kind: 'regen/service-hung', details: { service: 'pe-mcollective', state: 'stoppending', timeout: 1 } });
    expect(hung.out._error.msg).toContain('force_kill=true');
    expect(win.agent.serviceState('pe-mcollective')).toBe('stoppending');

    const forced = await win.run('service', { name: 'pe-mcollective', action: 'stop', timeout: 1, force_kill: true });
    expect(forced.exitCode).toBe(0);
    expect(forced.out).toMatchObject({ before: 'stoppending', after: 'stopped', forced: true, changed: true });
    expect(forced.out.killed_pid).toBe(hung.out._error.details.pid);
    expect(win.agent.serviceState('pe-mcollective')).toBe('stopped');
  });

  it('clear_dir: no-op lists what would go and keeps it; then empties the ssl dir', async () => {
    const cert = win.file(`${SSLDIR}\\certs\\${CERTNAME}.pem`);
    const dry = await win.run('clear_dir', { path: SSLDIR }, true);
    expect(dry).toMatchObject({ exitCode: 0, out: { noop: true, path: SSLDIR } });
    expect(dry.out.removed).toContain(`${SSLDIR}\\certs\\${CERTNAME}.pem`);
    expect(existsSync(cert)).toBe(true);

    const run = await win.run('clear_dir', { path: SSLDIR });
    expect(run.exitCode).toBe(0);
    expect(run.out.count).toBe(dry.out.count);
    expect(existsSync(cert)).toBe(false);
    expect(existsSync(win.file(SSLDIR))).toBe(true);
  });

  it('remove_file: removes the cached catalog, and a second run finds it gone', async () => {
    const catalog = `${CLIENT_DATADIR}\\catalog\\${CERTNAME}.json`;
    expect(existsSync(win.file(catalog))).toBe(true);
    const run = await win.run('remove_file', { path: catalog });
    expect(run).toMatchObject({ exitCode: 0, out: { path: catalog, type: 'file', removed: true } });
    expect(existsSync(win.file(catalog))).toBe(false);
    expect((await win.run('remove_file', { path: catalog })).out).toMatchObject({ type: 'absent', removed: false });
  });

  it('service start submits a new CSR to the master; puppet_run waits for the signature, then succeeds', async () => {
    // The master forgets the old certificate (a new CA would have none of them).
    site.master('cert', 'clean', CERTNAME);
    const start = await win.run('service', { name: 'pe-puppet', action: 'start' });
    expect(start).toMatchObject({ exitCode: 0, out: { before: 'stopped', after: 'running' } });
    expect(existsSync(path.join(site.masterRoot, `etc/puppetlabs/puppet/ssl/ca/requests/${CERTNAME}.pem`))).toBe(true);

    const unsigned = await win.run('puppet_run');
    expect(unsigned.exitCode).toBe(1);
    expect(unsigned.out._error).toMatchObject({ kind: 'regen/puppet-run-failed', details: { exit_code: 1, reason: 'waiting-for-cert' } });

    site.master('cert', 'sign', CERTNAME);
    const run = await win.run('puppet_run');
    expect(run.exitCode).toBe(0);
    expect([0, 2]).toContain(run.out.exit_code);

    const info = await win.run('cert_info', { ca_file: `${SSLDIR}\\certs\\ca.pem`, expected_ca_fingerprint: facts.ca.fingerprint.value });
    expect(info.exitCode).toBe(0);
    expect(info.out).toMatchObject({ path: `${SSLDIR}\\certs\\${CERTNAME}.pem`, subject: `CN=${CERTNAME}`, verify: { ok: true } });
    expect(info.out.fingerprint.value).not.toBe(facts.cert.fingerprint.value);
    const wrong = await win.run('cert_info', { certname: CERTNAME, ssldir: SSLDIR, expected_ca_fingerprint: info.out.fingerprint.value });
    expect(wrong.out._error).toMatchObject({ kind: 'regen/wrong-ca', details: { ca_file: `${SSLDIR}\\certs\\ca.pem` } });
  });

  it('restore: puts the backed-up ssl dir back exactly, removing what came since', async () => {
    const dry = await win.run('restore', { archive: backup.archive }, true);
    expect(dry).toMatchObject({ exitCode: 0, out: { noop: true, paths: [SSLDIR] } });
    expect(dry.out.restored).toContain(`${SSLDIR}\\certs\\${CERTNAME}.pem`);
    const run = await win.run('restore', { archive: backup.archive });
    expect(run).toMatchObject({ exitCode: 0, out: { verified: true } });
    const back = await win.run('cert_info', { certname: CERTNAME, ssldir: SSLDIR });
    expect(back.out.fingerprint.value).toBe(facts.cert.fingerprint.value);
    expect((await win.run('restore', { archive: backup.archive }, true)).out).toMatchObject({ removed: [], restored: [] });
  });
});
