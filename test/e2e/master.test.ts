// `regen plan master` end to end, over SSH, on a simulated PE 3.7 master: the dry run changes nothing
// and shows every state-changing step; the real run leaves exactly the doc's files (Steps 2-4), owners
// and modes, in the doc's service order, under a new CA, with the SANs kept and a backup of the five
// directories; `regen plan restore` then puts the master back byte for byte.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { PLANS_DIR, TASKS_DIR } from '../../src/tasks/bundle.js';
import { startSimDeployment, type SimDeployment, type SimHost, type SnapshotEntry } from '../support/sim-hosts.js';
import {
  chainsTo, E2E_TIMEOUT_MS, ensureBuilt, entriesOf, fingerprintOf, HOST_BACKUP_DIR, namesIn, publicKeyOf, regen, said, sansOf,
  serviceEvents, sha256, tempDir, writeInventory, type CliRun,
} from './helpers.js';

// Whole plans run in hooks and tests: generous guards for a loaded 2-core machine (not assertions).
vi.setConfig({ testTimeout: E2E_TIMEOUT_MS, hookTimeout: E2E_TIMEOUT_MS });

const CERTNAME = 'master.example.com';
const ALT_NAMES_IN_CONF = ['puppet', 'puppet.example.com'];
/** In the old certificate but no longer in puppet.conf: the new certificate must keep it too. */
const EXTRA_SAN = 'puppetmaster.example.com';
const INTERNAL = [
  'pe-internal-classifier', 'pe-internal-dashboard', 'pe-internal-mcollective-servers',
  'pe-internal-peadmin-mcollective-client', 'pe-internal-puppet-console-mcollective-client',
];
const SSL = '/etc/puppetlabs/puppet/ssl';
const PUPPETDB = '/etc/puppetlabs/puppetdb/ssl';
const PGSQL = '/opt/puppet/var/lib/pgsql/9.2/data/certs';
const CONSOLE = '/opt/puppet/share/console-services/certs';
const DASHBOARD = '/opt/puppet/share/puppet-dashboard/certs';
/** Doc Step 2.1, in its order. */
const FIVE_DIRS = [SSL, PUPPETDB, CONSOLE, DASHBOARD, PGSQL];
const CATALOG = `/var/opt/lib/pe-puppet/client_data/catalog/${CERTNAME}.json`;
const STALE = 'stale.old-master.example.com.cert.pem';
const STOP_ORDER = ['pe-puppet', 'pe-puppetserver', 'pe-activemq', 'pe-mcollective', 'pe-puppetdb', 'pe-postgresql', 'pe-console-services', 'pe-httpd'];
const START_ORDER = ['pe-puppetserver', 'pe-postgresql', 'pe-puppetdb', 'pe-console-services', 'pe-httpd', 'pe-activemq', 'pe-mcollective', 'pe-puppet'];

/** Doc Steps 3-4: each directory, the credentials copied into it, and their owner (and mode). */
const COPIES = [
  { dir: PUPPETDB, certnames: [CERTNAME], owner: 'pe-puppetdb', recursive: true },
  { dir: PGSQL, certnames: [CERTNAME], owner: 'pe-postgres', recursive: false, mode: '0400' },
  { dir: CONSOLE, certnames: ['pe-internal-classifier', CERTNAME, 'pe-internal-dashboard'], owner: 'pe-console-services', recursive: true },
  { dir: DASHBOARD, certnames: [CERTNAME, 'pe-internal-dashboard'], owner: 'puppet-dashboard', recursive: true },
];
const KINDS = [['cert', 'certs'], ['public_key', 'public_keys'], ['private_key', 'private_keys']] as const;

let sim: SimDeployment;
let master: SimHost;
let dir: string;
let inventory: string;
let before: SnapshotEntry[];
let eventsBefore: string[];
let oldCaFile: string;
let oldCaFingerprint: string;
let catalogVersionBefore: number;
/** The backup archive the master run reported (a path on the master). */
let archive: string | undefined;

const real = (p: string) => master.realPath(p);
const within = (entries: SnapshotEntry[], dirs: readonly string[]) =>
  entries.filter((e) => dirs.some((d) => e.path === d || e.path.startsWith(`${d}/`)));
const catalogVersion = () => JSON.parse(readFileSync(real(CATALOG), 'utf8')).data.version as number;

beforeAll(async () => {
  await ensureBuilt();
  sim = await startSimDeployment({ agents: 0, keyLength: 1024, dnsAltNames: [...ALT_NAMES_IN_CONF, EXTRA_SAN] });
  master = sim.master;
  // puppet.conf forgets one alt name the current certificate has.
  const conf = real('/etc/puppetlabs/puppet/puppet.conf');
  const text = readFileSync(conf, 'utf8');
  const edited = text.replace(/dns_alt_names = .*/, `dns_alt_names = ${ALT_NAMES_IN_CONF.join(',')}`);
  expect(edited).not.toBe(text);
  writeFileSync(conf, edited);
  // Leftovers of an earlier install in the four service directories: the doc's `rm -rf DIR/*` removes them.
  for (const d of [PUPPETDB, PGSQL, CONSOLE, DASHBOARD]) writeFileSync(path.join(real(d), STALE), 'old\n', { mode: 0o600 });
  dir = tempDir('master');
  inventory = writeInventory(sim, path.join(dir, 'inventory.yaml'));
  oldCaFile = path.join(dir, 'old_ca.pem');
  copyFileSync(real(`${SSL}/ca/ca_crt.pem`), oldCaFile);
  oldCaFingerprint = fingerprintOf(oldCaFile);
  catalogVersionBefore = catalogVersion();
  before = sim.snapshot(master);
  eventsBefore = readFileSync(real('/var/opt/lib/pe-sim/events.log'), 'utf8').split('\n');
});

afterAll(async () => {
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('regen plan master --dry-run', () => {
  let run: CliRun;
  beforeAll(async () => {
    run = await regen(['plan', 'master', '-i', inventory, '--dry-run'], { stateDir: dir });
  });

  it('succeeds without --yes and changes nothing on the master', () => {
    expect(run.code, said(run)).toBe(0);
    expect(sim.snapshot(master)).toEqual(before);
    expect(readFileSync(real('/var/opt/lib/pe-sim/events.log'), 'utf8').split('\n')).toEqual(eventsBefore);
    expect(existsSync(real(HOST_BACKUP_DIR))).toBe(false);
  });

  it('lists every state-changing step of the plan with its evaluated parameters', () => {
    const plan = parse(readFileSync(path.join(PLANS_DIR, 'master.yaml'), 'utf8'));
    const readOnly = (task: string) => JSON.parse(readFileSync(path.join(TASKS_DIR, `${task}.json`), 'utf8')).extensions?.regen?.read_only === true;
    const changing = plan.steps.filter((s: any) => s.task && !readOnly(s.task));
    expect(changing.length).toBeGreaterThan(25);
    const lines = run.stdout.split('\n');
    const shown = new Map<string, Record<string, unknown>>();
    for (const step of changing) {
      const prefix = `${step.name} on ${CERTNAME}: would run ${step.task} `;
      const line = lines.find((l) => l.trim().startsWith(prefix));
      expect(line, `no "would run" line for ${step.name}\n${run.stdout}`).toBeDefined();
      const params = JSON.parse(line!.trim().slice(prefix.length));
      for (const key of Object.keys(step.parameters ?? {})) expect(params, `${step.name}.${key}`).toHaveProperty(key);
      expect(JSON.stringify(params)).not.toContain('${');
      shown.set(step.name, params);
    }
    // The read-only pre-flight ran for real instead.
    expect(lines.some((l) => /^\s*(facts|preflight) on .*would run/.test(l))).toBe(false);
    expect(shown.get('backup')).toMatchObject({ paths: FIVE_DIRS, backup_dir: HOST_BACKUP_DIR });
    expect(shown.get('clear_ssl')).toMatchObject({ path: SSL });
    expect(shown.get('remove_cached_catalog')).toMatchObject({ path: CATALOG });
    expect(shown.get('generate_master_cert')).toMatchObject({ certname: CERTNAME });
    expect(String(shown.get('generate_master_cert')!.dns_alt_names).split(',').sort()).toEqual([...ALT_NAMES_IN_CONF, EXTRA_SAN].sort());
    expect(shown.get('chown_pgsql_certs')).toMatchObject({ path: PGSQL, owner: 'pe-postgres', group: 'pe-postgres', contents: true });
    expect(shown.get('chmod_pgsql_certs')).toMatchObject({ path: PGSQL, mode: '0400' });
    expect(shown.get('stop_services')).toMatchObject({ names: ['pe-puppet', 'pe-puppetserver', 'pe-activemq', 'pe-mcollective', 'pe-puppetdb', 'pe-postgresql', 'pe-console-services', 'pe-httpd'], action: 'stop' });
  });
});

describe('regen plan master --yes --format json', () => {
  let run: CliRun;
  let result: any;
  const ca = () => real(`${SSL}/ca/ca_crt.pem`);

  beforeAll(async () => {
    run = await regen(['plan', 'master', '-i', inventory, '--yes', '--format', 'json'], { stateDir: dir });
    result = run.json;
    archive = result?.return?.backup;
  });

  it('succeeds, every step reported successful on the master, and returns the verification checks', () => {
    expect(run.code, said(run)).toBe(0);
    expect(result).toMatchObject({ plan: 'master', status: 'success', dry_run: false, failed_targets: [] });
    const plan = parse(readFileSync(path.join(PLANS_DIR, 'master.yaml'), 'utf8'));
    expect(result.steps).toHaveLength(plan.steps.length);
    for (const step of result.steps) {
      expect(step.status, step.name).toBe('success');
      if (step.kind === 'task') expect(step.targets.map((t: any) => [t.target, t.status]), step.name).toEqual([[CERTNAME, 'success']]);
    }
    const ret = result.return;
    expect(ret.certname).toBe(CERTNAME);
    expect(ret.old_ca_fingerprint).toBe(oldCaFingerprint);
    expect(ret.new_ca_fingerprint).toBe(fingerprintOf(ca()));
    expect(ret.backup).toBe(result.steps.find((s: any) => s.name === 'backup').targets[0].value.archive);
    expect(ret.checks.length).toBeGreaterThan(10);
    for (const check of ret.checks) expect(check, check.name).toMatchObject({ ok: true });
    const names = ret.checks.map((c: any) => c.name);
    expect(names).toEqual(expect.arrayContaining(['ca_changed', 'master_sans', 'ssl_owner', ...COPIES.map((c) => `copy_files:${c.dir}`)]));
  });

  it('stopped the eight services in the doc\'s Step 1 order, then started them in its Step 5 order', () => {
    expect(serviceEvents(sim, master)).toEqual([
      ...STOP_ORDER.map((s) => `${s} running->stopped`),
      ...START_ORDER.map((s) => `${s} stopped->running`),
    ]);
  });

  it('made a new CA, and every certificate of the master chains to it and not to the old one', () => {
    const fp = fingerprintOf(ca());
    expect(fp).not.toBe(oldCaFingerprint);
    expect(readFileSync(real(`${SSL}/certs/ca.pem`))).toEqual(readFileSync(ca()));
    expect(readFileSync(real(`${SSL}/crl.pem`))).toEqual(readFileSync(real(`${SSL}/ca/ca_crl.pem`)));
    const certs = [
      ...[CERTNAME, ...INTERNAL].map((n) => real(`${SSL}/certs/${n}.pem`)),
      ...namesIn(master, `${SSL}/ca/signed`).map((n) => real(`${SSL}/ca/signed/${n}`)),
      ...COPIES.flatMap((c) => c.certnames.map((n) => real(`${c.dir}/${n}.cert.pem`))),
    ];
    for (const cert of certs) {
      expect(chainsTo(ca(), cert), cert).toBe(true);
      expect(chainsTo(oldCaFile, cert), cert).toBe(false);
    }
    for (const n of [CERTNAME, ...INTERNAL]) {
      expect(publicKeyOf(real(`${SSL}/private_keys/${n}.pem`), 'key'), n).toBe(publicKeyOf(real(`${SSL}/certs/${n}.pem`), 'cert'));
    }
  });

  it('kept the master\'s SANs: certname, puppet.conf\'s dns_alt_names and the old certificate\'s extra name', () => {
    expect(sansOf(real(`${SSL}/certs/${CERTNAME}.pem`))).toEqual([CERTNAME, ...ALT_NAMES_IN_CONF, EXTRA_SAN].sort());
  });

  it('left exactly the doc\'s Step 2 files in the ssldir, all pe-puppet:pe-puppet', () => {
    const all = [CERTNAME, ...INTERNAL].map((n) => `${n}.pem`).sort();
    expect(namesIn(master, `${SSL}/certs`)).toEqual(['ca.pem', ...all].sort());
    expect(namesIn(master, `${SSL}/private_keys`)).toEqual(all);
    expect(namesIn(master, `${SSL}/public_keys`)).toEqual(all);
    expect(namesIn(master, `${SSL}/ca/signed`)).toEqual(all);
    for (const e of sim.snapshot(master, [SSL])) expect(`${e.path} ${e.owner}:${e.group}`).toBe(`${e.path} pe-puppet:pe-puppet`);
  });

  it('filled the PuppetDB, PostgreSQL, console-services and dashboard directories with exactly the doc\'s copies', () => {
    const entries = entriesOf(sim, master, [SSL, ...COPIES.map((c) => c.dir)]);
    const old = new Map(before.map((e) => [e.path, e]));
    for (const c of COPIES) {
      const expected = c.certnames.flatMap((n) => KINDS.map(([kind]) => `${n}.${kind}.pem`)).sort();
      expect(namesIn(master, c.dir), c.dir).toEqual(expected);
      expect(namesIn(master, c.dir)).not.toContain(STALE);
      for (const n of c.certnames) {
        for (const [kind, sub] of KINDS) {
          const copy = entries.get(`${c.dir}/${n}.${kind}.pem`)!;
          const source = entries.get(`${SSL}/${sub}/${n}.pem`)!;
          expect(copy.sha256, copy.path).toBe(source.sha256);
          expect(`${copy.path} ${copy.owner}:${copy.group}`).toBe(`${copy.path} ${c.owner}:${c.owner}`);
          // cp as root gives the copy its source's mode; the doc then chmods the PostgreSQL ones to 400.
          expect(`${copy.path} ${copy.mode}`).toBe(`${copy.path} ${c.mode ?? source.mode}`);
        }
      }
      // chown -R changes the directory too; PostgreSQL's `chown ... certs/*` only its files.
      const dirEntry = entries.get(c.dir)!;
      const dirOwner = c.recursive ? `${c.owner}:${c.owner}` : `${old.get(c.dir)!.owner}:${old.get(c.dir)!.group}`;
      expect(`${dirEntry.owner}:${dirEntry.group} ${dirEntry.mode}`).toBe(`${dirOwner} ${old.get(c.dir)!.mode}`);
    }
    expect(entries.get(`${PGSQL}/${CERTNAME}.private_key.pem`)).toMatchObject({ mode: '0400', owner: 'pe-postgres', group: 'pe-postgres' });
  });

  it('removed the cached catalog before regenerating, and the final Puppet run cached a new one', () => {
    const removal = result.steps.find((s: any) => s.name === 'remove_cached_catalog').targets[0].value;
    expect(removal).toMatchObject({ path: CATALOG, removed: true });
    expect(catalogVersion()).toBeGreaterThan(catalogVersionBefore);
    const events = sim.events(master);
    const lastStart = events.map((e) => e.kind).lastIndexOf('service');
    const after = events.slice(lastStart + 1);
    // The agent's first run without a cached catalog reports changes (exit 2); the doc's Puppet run is the last.
    expect(after.filter((e) => e.kind === 'catalog-compiled').every((e) => e.fields[0] === CERTNAME)).toBe(true);
    expect(events.at(-1)).toMatchObject({ kind: 'agent-run' });
    expect(['exit=0 test', 'exit=2 test']).toContain(events.at(-1)!.fields.join(' '));
    expect(after.some((e) => e.kind === 'agent-run' && e.fields[0] === 'exit=2')).toBe(true);
    expect(sim.snapshot(master, [CATALOG])[0]).toMatchObject({ owner: 'root', mode: '0640' });
  });

  it('backed up the five directories as they were, in one verified archive with its manifest', () => {
    expect(path.dirname(archive!)).toBe(HOST_BACKUP_DIR);
    const value = result.steps.find((s: any) => s.name === 'backup').targets[0].value;
    expect(value).toMatchObject({ verified: true, paths: FIVE_DIRS });
    expect(existsSync(real(value.manifest))).toBe(true);
    expect(sha256(real(archive!))).toBe(value.sha256);
    const out = tempDir('archive');
    try {
      execFileSync('tar', ['-C', out, '-xzpf', real(archive!), '--numeric-owner']);
      const byPath = (a: SnapshotEntry, b: SnapshotEntry) => a.path.localeCompare(b.path);
      const extracted = sim.snapshot({ ...master, root: out }, FIVE_DIRS).sort(byPath);
      expect(extracted).toEqual(within(before, FIVE_DIRS).sort(byPath));
      expect(readdirSync(out)).toEqual(['etc', 'opt']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe('regen plan restore', () => {
  it('puts the master back byte for byte: contents, owners and modes as before the run', async () => {
    expect(archive, 'the master run reported no backup').toMatch(/\.tar\.gz$/);
    expect(sim.snapshot(master)).not.toEqual(before);
    const run = await regen(['plan', 'restore', '-i', inventory, '--yes', '-t', 'master', `archive=${archive}`], { stateDir: dir });
    expect(run.code, said(run)).toBe(0);
    const now = sim.snapshot(master);
    // Everything the procedure touched is back. The cached catalog is not part of the doc's backup:
    // it is the one Puppet cached since.
    expect(within(now, ['/etc/puppetlabs', '/opt/puppet'])).toEqual(within(before, ['/etc/puppetlabs', '/opt/puppet']));
    const others = (s: SnapshotEntry[]) => within(s, ['/var/opt/lib']).filter((e) => e.path !== CATALOG);
    expect(others(now)).toEqual(others(before));
    expect(fingerprintOf(real(`${SSL}/ca/ca_crt.pem`))).toBe(oldCaFingerprint);
    expect(existsSync(path.join(real(PUPPETDB), STALE))).toBe(true);
  });
});
