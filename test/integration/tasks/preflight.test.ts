// The preflight task for real: over SSH against a simulated PE 3.7 master (sim/), read-only, passing on
// a healthy master and naming the failed check on a wrong Puppet version (and passing it with force as
// a warning), a missing backup path, a backup_dir inside the backed-up paths, no CA; and, run as a
// non-root user through the local transport's run-as (sudo), failing on root. Also the metadata of the
// two read-only plan checks, preflight and verify_master (Bolt's schema, regen's read_only extension).
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_ROOT, FILES_DIR, TASKS_DIR } from '../../../src/tasks/bundle.js';
import { buildInvocation } from '../../../src/tasks/invocation.js';
import { resolveImplementation, validateMetadata } from '../../../src/tasks/load.js';
import { checkParameters, withDefaults, type Params } from '../../../src/tasks/parameters.js';
import { profileTaskParameters } from '../../../src/profiles/index.js';
import type { Task } from '../../../src/tasks/types.js';
import { localTransport } from '../../../src/transports/local.js';
import { SimMaster, snapshot, sourcedLibraries, TaskHarness, tempTree } from './harness.js';
import { readSchema } from '../../support/schemas.js';

let h: TaskHarness;
let sim: SimMaster;
let scratch: string;

/** One task's metadata, read alone (the whole bundle may hold other engineers' work in progress). */
function taskOf(name: string): Task {
  const metadataPath = path.join(TASKS_DIR, `${name}.json`);
  return { name, metadataPath, metadata: JSON.parse(readFileSync(metadataPath, 'utf8')) };
}

beforeAll(async () => {
  h = await TaskHarness.start();
  sim = SimMaster.build();
  scratch = tempTree('preflight');
});

afterAll(async () => {
  await h?.stop();
  sim?.remove();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** The doc's five directories (Step 2.1) on a sim host, and the parameters the master plan passes. */
const backupPaths = (host: SimMaster) => ['etc/puppetlabs/puppet/ssl', 'etc/puppetlabs/puppetdb/ssl',
  'opt/puppet/share/console-services/certs', 'opt/puppet/share/puppet-dashboard/certs',
  'opt/puppet/var/lib/pgsql/9.2/data/certs'].map((p) => path.join(host.root, p));
const params = (host: SimMaster, more: Params = {}): Params => {
  const p = { puppet: host.puppet, ssldir: host.ssldir, backup_dir: path.join(host.root, 'var/lib/regen/backups'),
    backup_paths: backupPaths(host), ...more };
  expect(checkParameters(taskOf('preflight'), { ...profileTaskParameters(taskOf('preflight'), undefined, p), ...p })).toEqual([]);
  return p;
};
type Check = { name: string; ok: boolean; detail: string };
const failed = (checks: Check[]) => checks.filter((c) => !c.ok).map((c) => c.name);
const checkNamed = (checks: Check[], name: string) => checks.find((c) => c.name === name)!;

/** A copy of the sim master whose fake puppet reports VERSION (sim.conf version=). */
function withVersion(version: string): SimMaster {
  const host = sim.copy();
  appendFileSync(path.join(host.root, 'var/opt/lib/pe-sim/sim.conf'), `version=${version}\n`);
  return host;
}

describe('preflight', () => {
  it('passes on a PE 3.7 master, reports every check and changes nothing, in no-op mode too', async () => {
    const before = snapshot(sim.root);
    const r = await h.ok('preflight', params(sim));
    expect(r.ok).toBe(true);
    expect(r.checks.map((c: Check) => c.name)).toEqual(
      ['root', 'puppet_version', 'ca', 'backup_paths', 'backup_dir', 'disk_space', 'clock']);
    expect(failed(r.checks)).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.puppet_version).toBe('3.7.3');
    expect(checkNamed(r.checks, 'puppet_version').detail).toContain('3.7.3');
    // The five directories hold well over 30 files of a few hundred bytes to 1 KB each, as tar stores them.
    expect(r.backup_bytes).toBeGreaterThan(30 * 1024);
    expect(r.backup_bytes).toBeLessThan(1024 * 1024);
    expect(r.free_bytes).toBeGreaterThan(2 * r.backup_bytes + 10 * 1024 * 1024);
    expect(checkNamed(r.checks, 'disk_space').detail).toContain(`${2 * r.backup_bytes + 10485760} needed`);
    const noop = await h.ok('preflight', params(sim), { noop: true });
    expect(failed(noop.checks)).toEqual([]);
    expect(snapshot(sim.root)).toEqual(before);
  });

  it('fails on a Puppet version outside supported_versions, naming the check and force', async () => {
    const host = withVersion('4.2.0');
    try {
      const err = await h.error('preflight', params(host));
      expect(err.kind).toBe('regen/preflight-failed');
      expect(failed(err.details.checks)).toEqual(['puppet_version']);
      expect(err.details.ok).toBe(false);
      expect(err.details.puppet_version).toBe('4.2.0');
      expect(err.msg).toContain('- puppet_version: Puppet 4.2.0 is not a supported version (3.7, 3.8)');
      expect(err.msg).toContain('force=true');

      const forced = await h.ok('preflight', params(host, { force: true }));
      expect(failed(forced.checks)).toEqual([]);
      expect(checkNamed(forced.checks, 'puppet_version').detail).toContain('accepted because force=true');
      expect(forced.warnings).toHaveLength(1);
      expect(forced.warnings[0]).toContain('Puppet 4.2.0');

      const widened = await h.ok('preflight', params(host, { supported_versions: ['3.7', '4.2'] }));
      expect(widened.warnings).toEqual([]);
    } finally {
      host.remove();
    }
  });

  it('does not take 3.70 for 3.7', async () => {
    const host = withVersion('3.70.1');
    try {
      expect(failed((await h.error('preflight', params(host))).details.checks)).toEqual(['puppet_version']);
    } finally {
      host.remove();
    }
  });

  it('fails when a backup path is missing, naming it', async () => {
    const gone = path.join(sim.root, 'opt/puppet/share/no-such-certs');
    const err = await h.error('preflight', params(sim, { backup_paths: [...backupPaths(sim), gone] }));
    expect(failed(err.details.checks)).toEqual(['backup_paths']);
    expect(checkNamed(err.details.checks, 'backup_paths').detail).toContain(`missing: ${gone}`);
    expect(err.msg).toContain(`- backup_paths: missing: ${gone}`);
  });

  it('fails when backup_dir lies inside a directory the procedure clears', async () => {
    const inside = path.join(sim.ssldir, 'backups');
    const err = await h.error('preflight', params(sim, { backup_dir: inside }));
    expect(failed(err.details.checks)).toEqual(['backup_dir']);
    expect(checkNamed(err.details.checks, 'backup_dir').detail).toContain(`inside ${sim.ssldir}`);
  });

  it('fails when the backup would not fit, with 2 x its size + 10 MB free', async () => {
    // A sparse file: a few bytes on disk, but tar would store (and the backup verify) all of it.
    const big = path.join(scratch, 'big');
    mkdirSync(big);
    execFileSync('truncate', ['-s', '15T', path.join(big, 'sparse.img')]);
    const err = await h.error('preflight', params(sim, { backup_paths: [...backupPaths(sim), big] }));
    expect(failed(err.details.checks)).toEqual(['disk_space']);
    expect(err.details.backup_bytes).toBeGreaterThan(15 * 2 ** 40);
    expect(checkNamed(err.details.checks, 'disk_space').detail).toContain(
      `${2 * err.details.backup_bytes + 10485760} needed (2 x the backup's ${err.details.backup_bytes} bytes + 10 MB): free some space`);
  });

  it('fails on a host without a CA (not the CA master)', async () => {
    const ssldir = path.join(scratch, 'agent-ssl');
    mkdirSync(path.join(ssldir, 'certs'), { recursive: true });
    writeFileSync(path.join(ssldir, 'certs', 'ca.pem'), 'not the CA\n');
    const err = await h.error('preflight', params(sim, { ssldir }));
    expect(failed(err.details.checks)).toEqual(['ca']);
    expect(err.msg).toContain(`there is no CA at ${ssldir}/ca/ca_crt.pem`);
  });

  it('refuses bad parameters before checking anything', async () => {
    expect((await h.error('preflight', params(sim, { ssldir: 'relative/ssl' }))).kind).toBe('regen/guard');
    const err = await h.error('preflight', params(sim, { supported_versions: ['3.x'] }));
    expect(err.kind).toBe('regen/bad-param');
  });
});

describe('preflight as a non-root user', () => {
  /** Runs preflight through the invocation builder and the local transport as `nobody` (sudo -u nobody). */
  async function runAsNobody(p: Params): Promise<{ exitCode: number | null; value: Record<string, any> }> {
    const task = taskOf('preflight');
    const invocation = buildInvocation(resolveImplementation(task, 'posix'), withDefaults(task, { ...profileTaskParameters(task, undefined, p), ...p }));
    const conn = await localTransport.connect({ name: 'local', host: 'localhost', transport: 'local', config: { 'run-as': 'nobody' } });
    try {
      const r = await conn.exec(invocation.command, { stdin: invocation.stdin, timeoutMs: 60_000 });
      return { exitCode: r.exitCode, value: JSON.parse(r.stdout) };
    } finally {
      await conn.close();
    }
  }

  it('fails the root check, and with require_root=false passes it with a warning', async () => {
    chmodSync(path.dirname(sim.root), 0o755); // let nobody reach the sim's puppet
    const r = await runAsNobody(params(sim));
    expect(r.exitCode).toBe(1);
    expect(r.value._error.kind).toBe('regen/preflight-failed');
    const root = checkNamed(r.value._error.details.checks, 'root');
    expect(root).toMatchObject({ ok: false });
    expect(root.detail).toMatch(/^running as nobody \(uid \d+\), not root/);
    expect(r.value._error.msg).toContain('- root: running as nobody');
    // nobody still runs puppet, but cannot read the CA (mode 0640, pe-puppet).
    expect(checkNamed(r.value._error.details.checks, 'puppet_version')).toMatchObject({ ok: true });

    const relaxed = await runAsNobody(params(sim, { require_root: false }));
    const details = relaxed.value._error?.details ?? relaxed.value;
    expect(checkNamed(details.checks, 'root')).toMatchObject({ ok: true });
    expect(checkNamed(details.checks, 'root').detail).toMatch(/^running as nobody .*root not required/);
    expect(details.warnings[0]).toContain('not running as root');
  });
});

describe('preflight and verify_master metadata', () => {
  const schema = readSchema('puppet-task.schema.json');
  delete schema.$schema;
  const validate = new Ajv({ strict: false }).compile(schema);

  for (const name of ['preflight', 'verify_master']) {
    it(`${name}: Bolt schema and loader rules, read-only, typed and described parameters, its libraries`, () => {
      const meta = taskOf(name).metadata as Record<string, any>;
      expect(validate(meta), JSON.stringify(validate.errors)).toBe(true);
      expect(validateMetadata(meta, TASKS_DIR)).toEqual([]);
      expect(meta.extensions).toEqual({ regen: { read_only: true } });
      expect(meta.supports_noop).toBe(true);
      expect(meta.input_method).toBe('environment');
      for (const [param, spec] of Object.entries<Record<string, unknown>>(meta.parameters)) {
        expect(param).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(typeof spec.type).toBe('string');
        expect(String(spec.description).length, param).toBeGreaterThan(20);
      }
      const script = readFileSync(path.join(TASKS_DIR, `${name}.sh`), 'utf8');
      expect(script.startsWith('#!/bin/sh\n')).toBe(true);
      const sourced = sourcedLibraries(script);
      expect(meta.implementations).toEqual([{ name: `${name}.sh`, requirements: ['shell'], files: sourced }]);
      expect(sourced).toContain('regen/files/verify.sh');
      // Every `param NAME DEFAULT` line of the script falls back to the documented default.
      const declared = new Set<string>();
      for (const [, kind, param, expr] of script.matchAll(/^param(_list|_bool)? ([a-z_]+) (.+)$/gm)) {
        declared.add(param);
        const value = execFileSync('dash', ['-c', `PT__installdir=/nonexistent; . "$1/task.sh"; . "$1/json.sh"; . "$1/params.sh"; printf '%s' ${expr}`,
          'sh', FILES_DIR], { encoding: 'utf8' });
        const fallback = kind === '_list' ? (value === '' ? undefined : JSON.parse(value)) : kind === '_bool' ? value === 'true' : value;
        expect(fallback === '' ? undefined : fallback, `${name}.${param}`).toEqual(meta.parameters[param].default);
      }
      expect([...declared].sort()).toEqual(Object.keys(meta.parameters).sort());
    });
  }

  it('has scripts that parse under dash and bash --posix', () => {
    for (const file of [path.join(TASKS_DIR, 'preflight.sh'), path.join(TASKS_DIR, 'verify_master.sh'), path.join(FILES_DIR, 'verify.sh')]) {
      execFileSync('dash', ['-n', file]);
      execFileSync('bash', ['--posix', '-n', file]);
    }
  });
});
