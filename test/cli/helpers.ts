// Helpers for the CLI tests: run the built `regen` as a user would, write inventories for a test sshd.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sshd } from '../support/sshd.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli/main.js ARGS` and resolves with its exit code and output (never rejects on exit code). */
export function regen(args: string[], options: { cwd?: string; env?: Record<string, string>; cli?: string } = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [options.cli ?? CLI, ...args],
      { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env }, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (err as { code?: unknown }).code : 0;
        if (typeof code !== 'number') return fail(err);
        done({ code, stdout, stderr });
      },
    );
  });
}

/** Parses the one JSON document `--format json` prints. */
export function json(result: CliResult): { items: Item[]; target_count: number; elapsed_ms: number } & Record<string, unknown> {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
}

export interface Item {
  target: string;
  action: string;
  object: string;
  status: string;
  value: Record<string, unknown> & { _error?: { kind: string; msg: string; details?: Record<string, unknown> } };
}

export function itemFor(doc: { items: Item[] }, target: string): Item {
  const item = doc.items.find((i) => i.target === target);
  if (!item) throw new Error(`no item for ${target} in ${JSON.stringify(doc.items)}`);
  return item;
}

/** The `ssh:` config block reaching `sshd` as root with its key and known_hosts, as inventory YAML lines. */
export function sshConfigYaml(sshd: Sshd, overrides: Record<string, string | number> = {}, indent = '    '): string {
  const config: Record<string, string | number> = {
    user: sshd.user,
    port: sshd.port,
    'private-key': sshd.privateKeyPath,
    'known-hosts': sshd.knownHostsPath,
    ...overrides,
  };
  return Object.entries(config).map(([k, v]) => `${indent}${k}: ${JSON.stringify(v)}`).join('\n');
}

export function writeInventory(dir: string, name: string, yaml: string): string {
  const file = join(dir, name);
  writeFileSync(file, yaml);
  return file;
}

/** A loopback port nothing listens on (bound, then released). */
export function closedPort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => done(port));
    });
  });
}

/** Every regular file under `dir`, recursively, with its contents. */
export function filesUnder(dir: string): Array<{ path: string; text: string }> {
  if (!existsSync(dir)) return [];
  const out: Array<{ path: string; text: string }> = [];
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push({ path: p, text: readFileSync(p, 'latin1') });
  }
  return out;
}

/** Sorted names inside a directory (dotfiles included). */
export function entries(dir: string): string[] {
  return readdirSync(dir).sort();
}
