// The verify_master task for real, over SSH: a simulated PE 3.7 master (sim/) is taken through the
// procedure's own commands of Steps 2-4 (new CA, master and pe-internal certs, CRL, owners, the four
// service directories), then verified — ok, read-only — and broken one thing at a time, each time on
// its own copy, checking that exactly the check for that thing fails and is named in the error.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASKS_DIR } from '../../../src/tasks/bundle.js';
import { checkParameters, type Params } from '../../../src/tasks/parameters.js';
import { profileTaskParameters } from '../../../src/profiles/index.js';
import type { Task } from '../../../src/tasks/types.js';
import { ids, SimMaster, snapshot, TaskHarness } from './harness.js';

const INTERNAL = ['pe-internal-classifier', 'pe-internal-dashboard', 'pe-internal-mcollective-servers',
  'pe-internal-peadmin-mcollective-client', 'pe-internal-puppet-console-mcollective-client'];

// Doc Steps 2.2-2.7, 3 and 4, command for command, on a sim host (paths under its root).
const REGENERATE = `set -eu
umask 022
root=$1 cn=$2 alts=$3
puppet=$root/opt/puppet/bin/puppet ssl=$root/etc/puppetlabs/puppet/ssl
pdb=$root/etc/puppetlabs/puppetdb/ssl pg=$root/opt/puppet/var/lib/pgsql/9.2/data/certs
cs=$root/opt/puppet/share/console-services/certs pd=$root/opt/puppet/share/puppet-dashboard/certs
creds() { cp $ssl/certs/$1.pem $2/$1.cert.pem; cp $ssl/public_keys/$1.pem $2/$1.public_key.pem; cp $ssl/private_keys/$1.pem $2/$1.private_key.pem; }
rm -rf $ssl/*
rm -f $root/var/opt/lib/pe-puppet/client_data/catalog/$cn.json
$puppet cert list -a
$puppet cert generate $cn --dns_alt_names=$alts
for n in ${INTERNAL.join(' ')}; do $puppet cert generate $n; done
cp $ssl/ca/ca_crl.pem $ssl/crl.pem
chown -R pe-puppet:pe-puppet $ssl
rm -rf $pdb/*; creds $cn $pdb; chown -R pe-puppetdb:pe-puppetdb $pdb
rm -rf $pg/*; creds $cn $pg; chmod 400 $pg/*; chown pe-postgres:pe-postgres $pg/*
rm -rf $pd/* $cs/*
creds pe-internal-classifier $cs; creds $cn $cs; creds pe-internal-dashboard $cs
chown -R pe-console-services:pe-console-services $cs
creds $cn $pd; creds pe-internal-dashboard $pd
chown -R puppet-dashboard:puppet-dashboard $pd
`;

let h: TaskHarness;
let before: SimMaster; // the master as it stood before the run
let after: SimMaster; // a copy of it, regenerated
let oldFingerprint: string;
const copies: SimMaster[] = [];

const fingerprint = (file: string) =>
  execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', file], { encoding: 'utf8' }).trim().split('=')[1];

beforeAll(async () => {
  h = await TaskHarness.start();
  before = SimMaster.build();
  oldFingerprint = fingerprint(path.join(before.ssldir, 'ca/ca_crt.pem'));
  after = before.copy();
  execFileSync('bash', ['-c', REGENERATE, 'regenerate', after.root, after.certname, after.altNames], { stdio: 'ignore' });
});

afterAll(async () => {
  await h?.stop();
  for (const host of [before, after, ...copies]) host?.remove();
});

/** The service directories of Steps 3-4 on a host, as the master plan describes them. */
function dirs(host: SimMaster) {
  const cn = host.certname;
  return {
    puppetdb: { dir: path.join(host.root, 'etc/puppetlabs/puppetdb/ssl'), certnames: [cn], owner: 'pe-puppetdb', group: 'pe-puppetdb' },
    pgsql: { dir: path.join(host.root, 'opt/puppet/var/lib/pgsql/9.2/data/certs'), certnames: [cn], owner: 'pe-postgres', group: 'pe-postgres', mode: '0400' },
    console: { dir: path.join(host.root, 'opt/puppet/share/console-services/certs'), certnames: ['pe-internal-classifier', cn, 'pe-internal-dashboard'], owner: 'pe-console-services', group: 'pe-console-services' },
    dashboard: { dir: path.join(host.root, 'opt/puppet/share/puppet-dashboard/certs'), certnames: [cn, 'pe-internal-dashboard'], owner: 'puppet-dashboard', group: 'puppet-dashboard' },
  };
}

function params(host: SimMaster, more: Params = {}): Params {
  const p = { puppet: host.puppet, ssldir: host.ssldir, cadir: path.join(host.ssldir, 'ca'), certname: host.certname, expected_alt_names: ['puppet', 'DNS:puppet.example.com'],
    old_ca_fingerprint: oldFingerprint, internal_certs: INTERNAL, copies: Object.values(dirs(host)), ...more };
  const metadataPath = path.join(TASKS_DIR, 'verify_master.json');
  const task: Task = { name: 'verify_master', metadataPath, metadata: JSON.parse(readFileSync(metadataPath, 'utf8')) };
  expect(checkParameters(task, { ...profileTaskParameters(task, undefined, p), ...p })).toEqual([]);
  return p;
}

/** A fresh copy of the regenerated master, for a test that breaks something. */
function broken(): SimMaster {
  const host = after.copy();
  copies.push(host);
  return host;
}

type Check = { name: string; ok: boolean; detail: string };
const failed = (checks: Check[]) => checks.filter((c) => !c.ok).map((c) => c.name);

/** Runs verify_master, which must fail with exactly the checks `names`; returns those checks. */
async function failsWith(p: Params, names: string[]): Promise<Check[]> {
  const err = await h.error('verify_master', p);
  expect(err.kind).toBe('regen/verify-failed');
  expect(err.details.ok).toBe(false);
  expect(failed(err.details.checks)).toEqual(names);
  for (const name of names) expect(err.msg).toContain(`- ${name}: `);
  return err.details.checks.filter((c: Check) => !c.ok);
}

describe('verify_master', () => {
  it('passes after the procedure, with every check named, and changes nothing (no-op too)', async () => {
    const snap = snapshot(after.root);
    const r = await h.ok('verify_master', params(after));
    const newFingerprint = fingerprint(path.join(after.ssldir, 'ca/ca_crt.pem'));
    expect(newFingerprint).not.toBe(oldFingerprint);
    expect(r).toMatchObject({ ok: true, ca_fingerprint: newFingerprint });
    expect(failed(r.checks)).toEqual([]);
    const d = dirs(after);
    expect(r.checks.map((c: Check) => c.name)).toEqual([
      'ca_changed', 'ca_self_signed', 'ca_copy', `cert:${after.certname}`, ...INTERNAL.map((n) => `cert:${n}`),
      'master_sans', 'crl_copy', 'crl_signed', 'ssl_owner',
      ...[d.puppetdb, d.pgsql, d.console, d.dashboard].flatMap(({ dir }) =>
        [`copy_files:${dir}`, `copy_contents:${dir}`, `copy_owner:${dir}`, ...(dir === d.pgsql.dir ? [`copy_mode:${dir}`] : [])]),
      'puppet_settings',
    ]);
    expect(r.checks.find((c: Check) => c.name === 'master_sans').detail).toBe(
      `DNS:${after.certname}, DNS:puppet, DNS:puppet.example.com`);
    const noop = await h.ok('verify_master', params(after), { noop: true });
    expect(noop.ok).toBe(true);
    expect(snapshot(after.root)).toEqual(snap);
  });

  it('fails when the CA did not change (the master before the run, or the same fingerprint)', async () => {
    const untouched = await failsWith(params(before), ['ca_changed']);
    expect(untouched[0].detail).toContain('is still the old one');
    // openssl's own output (prefix, any case) names the same fingerprint.
    const openssl = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', path.join(after.ssldir, 'ca/ca_crt.pem')], { encoding: 'utf8' });
    await failsWith(params(after, { old_ca_fingerprint: openssl.trim().toLowerCase() }), ['ca_changed']);
  });

  it('fails on a stale file in a service directory', async () => {
    const host = broken();
    const { puppetdb } = dirs(host);
    writeFileSync(path.join(puppetdb.dir, 'old-master.example.com.cert.pem'), 'left over\n');
    execFileSync('chown', ['pe-puppetdb:pe-puppetdb', path.join(puppetdb.dir, 'old-master.example.com.cert.pem')]);
    const [check] = await failsWith(params(host), [`copy_files:${puppetdb.dir}`]);
    expect(check.detail).toMatch(/^stale old-master\.example\.com\.cert\.pem: /);
  });

  it('fails on a copy owned by the wrong user', async () => {
    const host = broken();
    const { console } = dirs(host);
    chownSync(path.join(console.dir, 'pe-internal-classifier.private_key.pem'), 0, 0);
    const [check] = await failsWith(params(host), [`copy_owner:${console.dir}`]);
    expect(check.detail).toBe('not pe-console-services:pe-console-services: pe-internal-classifier.private_key.pem (root:root): chown pe-console-services:pe-console-services them');
  });

  it('fails on a copy with the wrong mode', async () => {
    const host = broken();
    const { pgsql } = dirs(host);
    chmodSync(path.join(pgsql.dir, `${host.certname}.private_key.pem`), 0o644);
    const [check] = await failsWith(params(host), [`copy_mode:${pgsql.dir}`]);
    expect(check.detail).toContain(`${host.certname}.private_key.pem (0644)`);
  });

  it('fails on a copy that differs from its source', async () => {
    const host = broken();
    const { dashboard } = dirs(host);
    // Another valid key, same owner and mode: only the bytes give it away.
    const dest = path.join(dashboard.dir, 'pe-internal-dashboard.private_key.pem');
    copyFileSync(path.join(host.ssldir, 'private_keys/pe-internal-classifier.pem'), dest);
    const [check] = await failsWith(params(host), [`copy_contents:${dashboard.dir}`]);
    expect(check.detail).toContain(`pe-internal-dashboard.private_key.pem (differs from ${host.ssldir}/private_keys/pe-internal-dashboard.pem)`);
  });

  it('fails when an expected alt name is missing from the master certificate', async () => {
    const [check] = await failsWith(params(after, { expected_alt_names: ['puppet', 'puppet.example.com', 'puppet.other.lan'] }), ['master_sans']);
    expect(check.detail).toMatch(/^missing DNS:puppet\.other\.lan \(the certificate has: /);
  });

  it('fails on a certificate signed by the old CA', async () => {
    const host = broken();
    const name = 'pe-internal-mcollective-servers';
    for (const sub of ['certs', 'private_keys', 'public_keys']) {
      copyFileSync(path.join(before.ssldir, sub, `${name}.pem`), path.join(host.ssldir, sub, `${name}.pem`));
    }
    const [check] = await failsWith(params(host), [`cert:${name}`]);
    expect(check.detail).toContain('does not verify against');
  });

  it('fails on a file under ssldir not owned by pe-puppet, and on the old CRL', async () => {
    const host = broken();
    const { uid, gid } = ids('pe-puppet');
    copyFileSync(path.join(before.ssldir, 'crl.pem'), path.join(host.ssldir, 'crl.pem'));
    chownSync(path.join(host.ssldir, 'crl.pem'), uid, gid);
    await failsWith(params(host), ['crl_copy', 'crl_signed']);
    chownSync(path.join(host.ssldir, 'certs', 'ca.pem'), 0, gid);
    const checks = await failsWith(params(host), ['crl_copy', 'crl_signed', 'ssl_owner']);
    expect(checks[2].detail).toContain(`${host.ssldir}/certs/ca.pem (root:pe-puppet)`);
  });

  it('refuses malformed parameters before checking anything', async () => {
    const bad = await h.error('verify_master', params(after, { copies: [{ ...dirs(after).puppetdb, owners: 'x' }] }));
    expect(bad).toMatchObject({ kind: 'regen/bad-param' });
    expect(bad.msg).toContain("unknown key 'owners'");
    const missing = await h.error('verify_master', params(after, { copies: [{ dir: dirs(after).puppetdb.dir, certnames: [after.certname] }] }));
    expect(missing.msg).toContain('copies element 1 needs dir, certnames, owner and group');
    const fp = await h.error('verify_master', params(after, { old_ca_fingerprint: 'AB:CD' }));
    expect(fp.msg).toContain('is not a SHA256 fingerprint');
  });
});
