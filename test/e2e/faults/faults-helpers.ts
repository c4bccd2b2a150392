// Fault injection for the fault suite: a puppet wrapper on a simulated host that holds (sleeps) on the
// commands the test names, and waits for what the host and the run journal show.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SimHost } from '../../support/sim-hosts.js';
import { HOST_BACKUP_DIR } from '../helpers.js';

/** The wrapper's host path: set it as the profile's `puppet` to inject faults. */
export const FAULTY_PUPPET = '/opt/puppet/bin/puppet-faulty';
/** Host directory of the fault switches: `hold-WORD` holds the commands with argument WORD for N seconds. */
const FAULTS = '/var/opt/lib/regen-faults';

const WRAPPER = `#!/bin/bash
# Test fault injection: with ${FAULTS}/hold-WORD present (holding N), a puppet command with the argument WORD
# first marks ${FAULTS}/reached-WORD, then sleeps N seconds, then runs as usual.
for f in ${FAULTS}/hold-*; do
  [ -e "$f" ] || continue
  w=\${f##*/hold-}
  for a in "$@"; do
    if [ "$a" = "$w" ]; then echo $$ > ${FAULTS}/reached-$w; sleep "$(cat "$f")"; fi
  done
done
exec /opt/puppet/bin/puppet "$@"
`;

export function installFaultyPuppet(host: SimHost): void {
  const file = host.realPath(FAULTY_PUPPET);
  writeFileSync(file, WRAPPER);
  chmodSync(file, 0o755);
  mkdirSync(host.realPath(FAULTS), { recursive: true });
}

/** From now on puppet commands with the argument `word` wait `seconds` on the host (and say they got there). */
export function hold(host: SimHost, word: string, seconds: number): void {
  rmSync(host.realPath(`${FAULTS}/reached-${word}`), { force: true });
  writeFileSync(host.realPath(`${FAULTS}/hold-${word}`), `${seconds}\n`);
}

export function release(host: SimHost, word: string): void {
  rmSync(host.realPath(`${FAULTS}/hold-${word}`), { force: true });
}

export function reached(host: SimHost, word: string): boolean {
  return existsSync(host.realPath(`${FAULTS}/reached-${word}`));
}

export async function waitFor(what: string, ok: () => boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The run journal on the host (DIR/current-run.json), or undefined. */
export function journalOf(host: SimHost): { journal: any } | undefined {
  const file = host.realPath(path.posix.join(HOST_BACKUP_DIR, 'current-run.json'));
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined; // never torn (written by rename), but may vanish between the check and the read
  }
}

export function lockHeld(host: SimHost): boolean {
  return existsSync(host.realPath(path.posix.join(HOST_BACKUP_DIR, 'regen.lock', 'owner.json')));
}

/**
 * Processes of this host running the faulty wrapper or a task of regen. The simulated hosts share the pid
 * space; each host's sshd, and so every task it runs (orphans too), lives in the host's own mount namespace,
 * which tells them apart from other hosts' (and other test files') processes.
 */
export function leftovers(host: SimHost): string[] {
  const ns = namespaceOf(readFileSync(path.join(host.sshd.dir, 'sshd.pid'), 'utf8').trim());
  const out: string[] = [];
  for (const pid of readdirNumbers('/proc')) {
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
    } catch {
      continue;
    }
    const ours = cmd.includes('puppet-faulty') || /\/regen\.[0-9a-f]{8}\.[A-Za-z0-9]{8}\//.test(cmd);
    if (ours && namespaceOf(String(pid)) === ns) out.push(`${pid} ${cmd}`);
  }
  return out;
}

function namespaceOf(pid: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

function readdirNumbers(dir: string): number[] {
  return readdirSync(dir).filter((n) => /^\d+$/.test(n)).map(Number);
}
