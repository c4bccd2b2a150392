// What the simulated PE hosts (sim-hosts.ts) and the real Puppet hosts (real-puppet.ts) share: a
// command run inside a host's namespaces, and the Bolt inventory that reaches their sshd's.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Sshd } from './sshd.js';

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/** Runs CMD ARGS with STDIN (or none), collecting its output. */
export function runCommand(cmd: string, args: string[], stdin?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ stdout, stderr, exitCode }));
    child.stdin.end(stdin ?? '');
  });
}

/** The pid of a host's sshd: the process whose namespaces are the host's. */
export function sshdPidOf(sshd: Sshd): number {
  return Number(readFileSync(path.join(sshd.dir, 'sshd.pid'), 'utf8').trim());
}

/** Runs a shell command inside the namespaces of process PID (a host's sshd), locally. */
export function execIn(pid: number, namespaces: Array<'mount' | 'uts'>, command: string, stdin?: string): Promise<CommandResult> {
  return runCommand('nsenter', [...namespaces.map((n) => `--${n}`), '--target', String(pid), '--', '/bin/sh', '-c', command], stdin);
}

/**
 * Writes a Bolt inventory v2 to `file` with the groups `master` and `agents`, each host reached as root
 * at its sshd with its key, host keys checked against `knownHostsPath`; returns its text.
 */
export function writeHostsInventory(file: string, groups: { master: HostEntry[]; agents: HostEntry[] }, knownHostsPath: string,
  vars?: Record<string, unknown>): string {
  const entry = (h: HostEntry) => ({
    name: h.name,
    uri: `ssh://${h.sshd.host}:${h.sshd.port}`,
    config: { ssh: { 'private-key': h.sshd.privateKeyPath } },
  });
  const text = stringify({
    version: 2,
    groups: [
      { name: 'master', targets: groups.master.map(entry) },
      { name: 'agents', targets: groups.agents.map(entry) },
    ],
    ...(vars ? { vars } : {}),
    config: { transport: 'ssh', ssh: { user: 'root', 'host-key-check': true, 'known-hosts': knownHostsPath } },
  });
  writeFileSync(file, text);
  return text;
}

export interface HostEntry {
  name: string;
  sshd: Sshd;
}
