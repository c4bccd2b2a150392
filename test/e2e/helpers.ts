// Shared helpers of the end-to-end tests: the built CLI (dist/) run as a user runs it, the run's
// state directory, and openssl/stat questions asked inside a simulated host.
//
//   const run = await regen(['plan', 'master', '-i', inv, '--yes', '--format', 'json'], { stateDir });
//   run.code, run.stdout, run.stderr, run.json
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { BUNDLE_ROOT } from '../../src/tasks/bundle.js';
import type { SimDeployment, SimHost, SnapshotEntry } from '../support/sim-hosts.js';

export const CLI = path.join(BUNDLE_ROOT, 'dist', 'src', 'cli', 'main.js');
/** Hook and test timeout of the files that run whole plans. */
export const E2E_TIMEOUT_MS = 300_000;

/** Every src/**.ts with a dist/src/**.js older than it (or missing). */
function staleSources(): string[] {
  const stale: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) walk(file);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
        const out = path.join(BUNDLE_ROOT, 'dist', path.relative(BUNDLE_ROOT, file)).replace(/\.ts$/, '.js');
        if (!existsSync(out) || statSync(out).mtimeMs < statSync(file).mtimeMs) stale.push(file);
      }
    }
  };
  walk(path.join(BUNDLE_ROOT, 'src'));
  return stale;
}

/**
 * Makes sure dist/ is built from the current sources (`npm test` builds first; a bare `npx vitest run`
 * may not have). Test files run in parallel, so one builds under a lock and the others wait for it.
 */
export async function ensureBuilt(): Promise<void> {
  if (staleSources().length === 0) return;
  const lock = path.join(BUNDLE_ROOT, 'dist', '.e2e-build.lock');
  mkdirSync(path.dirname(lock), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 300_000) throw new Error(`e2e: ${lock} held for 5 minutes; remove it if no build is running`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (staleSources().length === 0) return;
    const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: BUNDLE_ROOT, encoding: 'utf8' });
    // tsc emits despite type errors; only a build that left sources unbuilt stops the tests.
    if (staleSources().length > 0) throw new Error(`e2e: building the CLI failed:\n${r.stdout}${r.stderr}`);
  } finally {
    rmdirSync(lock);
  }
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON when it is (--format json). */
  json: any;
}

/** Runs `regen ARGS` (node dist/src/cli/main.js) in `cwd`, with its state in `stateDir` unless ARGS name one. */
export function regen(args: string[], opts: { stateDir: string; cwd?: string }): Promise<CliRun> {
  return startRegen(args, opts).done;
}

/** Starts `regen ARGS` and returns its process (to signal it) and what it printed once it ended. */
export function startRegen(args: string[], opts: { stateDir: string; cwd?: string }): { child: ChildProcess; done: Promise<CliRun> } {
  const argv = [CLI, ...args, ...(args.includes('--state-dir') ? [] : ['--state-dir', opts.stateDir])];
  const child = spawn(process.execPath, argv, {
    cwd: opts.cwd ?? opts.stateDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  const done = new Promise<CliRun>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c) => (stdout += c));
    child.stderr!.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      let json: unknown;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code: code ?? (signal ? -1 : null), stdout, stderr, json });
    });
  });
  return { child, done };
}

/** A message for expect(): everything the CLI printed. */
export const said = (r: CliRun) => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

export function tempDir(label: string): string {
  return mkdtempSync(path.join(tmpdir(), `regen-e2e-${label}-`));
}

/** Runs a command inside the host; fails the test with its output when it exits non-zero. */
export async function sh(host: SimHost, command: string): Promise<string> {
  const r = await host.exec(command);
  if (r.exitCode !== 0) throw new Error(`on ${host.name}: '${command}' exited ${r.exitCode}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

// ---- the deployment's inventory ----

/**
 * Where regen's backups go on each host: the PE 3.7 default (plans/pe37-defaults.yaml), inside each
 * simulated host's private /var/opt/lib. The e2e inventories still set it explicitly, so that a change of
 * the default can never make every host write into the test machine's own directory, where agents backing
 * up in the same second (same `uname -n`) would collide on one archive name.
 */
export const HOST_BACKUP_DIR = '/var/opt/lib/regen/backups';

export interface InventoryOptions {
  /** `vars.profile_overrides` per target name: overrides of the profile's values (profiles/pe37.yaml). */
  profile?: Record<string, Record<string, unknown>>;
  /** Seconds to wait for an SSH handshake (an unreachable host fails after this). */
  connectTimeout?: number;
}

/** Writes the deployment's Bolt inventory v2 to `file` with the e2e settings; returns the file. */
export function writeInventory(sim: SimDeployment, file: string, opts: InventoryOptions = {}): string {
  const inv = parse(sim.inventoryYaml(file));
  if (opts.connectTimeout !== undefined) inv.config.ssh['connect-timeout'] = opts.connectTimeout;
  // Inventory vars merge one level deep, so each target gets its whole `profile_overrides` map.
  for (const group of inv.groups) {
    for (const t of group.targets) t.vars = { profile_overrides: { backup_dir: HOST_BACKUP_DIR, ...opts.profile?.[t.name] } };
  }
  writeFileSync(file, stringify(inv));
  return file;
}

// ---- files and certificates, read from the host's tree on the real file system ----

/** openssl, run locally on real paths. */
export function openssl(...args: string[]): string {
  return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function fingerprintOf(certFile: string): string {
  return openssl('x509', '-noout', '-fingerprint', '-sha256', '-in', certFile).trim().replace(/^.*Fingerprint=/i, '');
}

export function serialOf(certFile: string): string {
  return openssl('x509', '-noout', '-serial', '-in', certFile).trim().replace(/^serial=/, '');
}

/** The DNS names of a certificate's subjectAltName, sorted. */
export function sansOf(certFile: string): string[] {
  const text = openssl('x509', '-noout', '-text', '-in', certFile);
  const line = text.split('\n').findIndex((l) => l.includes('X509v3 Subject Alternative Name'));
  if (line < 0) return [];
  return [...text.split('\n')[line + 1].matchAll(/DNS:([^,\s]+)/g)].map((m) => m[1]).sort();
}

/** `openssl verify -CAfile ca cert`: true when the certificate chains to that CA. */
export function chainsTo(caFile: string, certFile: string): boolean {
  try {
    return openssl('verify', '-CAfile', caFile, certFile).trim() === `${certFile}: OK`;
  } catch {
    return false;
  }
}

/** The public key of a certificate or of a private key, PEM (to check that they match). */
export function publicKeyOf(file: string, kind: 'cert' | 'key'): string {
  return kind === 'cert' ? openssl('x509', '-noout', '-pubkey', '-in', file) : openssl('pkey', '-pubout', '-in', file);
}

export const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The snapshot entries of some host directories, keyed by host path. */
export function entriesOf(sim: SimDeployment, host: SimHost, dirs: readonly string[]): Map<string, SnapshotEntry> {
  return new Map(sim.snapshot(host, dirs).map((e) => [e.path, e]));
}

/** The file names directly inside a host directory, sorted. */
export function namesIn(host: SimHost, dir: string): string[] {
  return readdirSync(host.realPath(dir)).sort();
}

/** Every `service` event of a host's log as "NAME FROM->TO". */
/** The PE 3.7 profile's service orders (doc Steps 1 and 5). */
export const STOP_ORDER = ['pe-puppet', 'pe-puppetserver', 'pe-activemq', 'pe-mcollective', 'pe-puppetdb', 'pe-postgresql', 'pe-console-services', 'pe-httpd'];
export const START_ORDER = ['pe-puppetserver', 'pe-postgresql', 'pe-puppetdb', 'pe-console-services', 'pe-httpd', 'pe-activemq', 'pe-mcollective', 'pe-puppet'];

export function serviceEvents(sim: SimDeployment, host: SimHost): string[] {
  return sim.events(host).filter((e) => e.kind === 'service').map((e) => `${e.fields[0]} ${e.fields[1]}->${e.fields[2]}`);
}

/** A service's state as the host's puppet reports it (`puppet resource service NAME`). */
export async function serviceState(host: SimHost, name: string): Promise<string> {
  const r = await host.puppet('resource', 'service', name);
  const m = /ensure => '(\w+)'/.exec(r.stdout);
  if (r.exitCode !== 0 || !m) throw new Error(`puppet resource service ${name} on ${host.name}: ${r.stdout}${r.stderr}`);
  return m[1];
}
