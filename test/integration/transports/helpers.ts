// Small helpers shared by the transport integration tests.
import { existsSync } from 'node:fs';
import type { Connection } from '../../../src/transports/types.js';

/** Live (non-zombie) processes on the target whose command line matches `pattern`. */
export async function livingProcesses(conn: Connection, pattern: string): Promise<string[]> {
  const r = await conn.exec('ps -eo stat=,args=');
  const re = new RegExp(pattern);
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([stat, ...args]) => stat && !stat.startsWith('Z') && re.test(args.join(' ')))
    .map(([, ...args]) => args.join(' '));
}

/** Waits until a file exists (a command on the target signals that it has started). */
export async function waitForFile(path: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
