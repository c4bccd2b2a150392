// Bolt's ssh options regen honours, from an inventory file to a real sshd: `host` for a target written
// as a name only, and `proxyjump` (the session tunnelled through a jump host's sshd).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectTargetOf, loadInventory } from '../../../src/inventory/index.js';
import { sshTransport } from '../../../src/transports/ssh/index.js';
import { TransportError } from '../../../src/transports/types.js';
import { startSshd, type Sshd } from '../../support/sshd.js';

let target: Sshd;
let jump: Sshd;
let closedJump: Sshd;

beforeAll(async () => {
  [target, jump, closedJump] = await Promise.all([startSshd(), startSshd(), startSshd({ extraConfig: ['AllowTcpForwarding no'] })]);
  // One known_hosts and one client key for all three, as an admin's ~/.ssh would have.
  const known = [target, jump, closedJump].map((d) => readFileSync(d.knownHostsPath, 'utf8')).join('');
  writeFileSync(join(target.dir, 'all_known_hosts'), known);
  for (const d of [jump, closedJump]) writeFileSync(join(d.dir, 'authorized_keys'), readFileSync(`${target.privateKeyPath}.pub`));
});

afterAll(async () => {
  await Promise.all([target?.stop(), jump?.stop(), closedJump?.stop()]);
});

function inventory(ssh: Record<string, unknown>, name = 'agent'): string {
  const file = join(target.dir, `inventory-${Math.random().toString(36).slice(2)}.yaml`);
  const config = { user: 'root', 'private-key': target.privateKeyPath, 'known-hosts': join(target.dir, 'all_known_hosts'), ...ssh };
  writeFileSync(file, JSON.stringify({ version: 2, targets: [{ name, config: { ssh: config } }] }));
  return file;
}

async function run(file: string, command: string) {
  const inv = await loadInventory(file);
  expect(inv.warnings).toEqual([]);
  const conn = await sshTransport.connect(connectTargetOf(inv.resolve('all')[0]) as never);
  try {
    return await conn.exec(command);
  } finally {
    await conn.close();
  }
}

const logins = (d: Sshd) => (readFileSync(join(d.dir, 'sshd.log'), 'utf8').match(/Accepted publickey/g) ?? []).length;

describe('Bolt ssh options over a real sshd', () => {
  it('host: a target written as a name connects to the host the option names', async () => {
    const r = await run(inventory({ host: '127.0.0.1', port: target.port }), 'echo "$SSH_CONNECTION"');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim().split(' ')[2]).toBe('127.0.0.1');
    expect(r.stdout.trim().split(' ')[3]).toBe(String(target.port));
  });

  it('proxyjump: the session runs through the jump host', async () => {
    const before = [logins(jump), logins(target)];
    const r = await run(inventory({ host: '127.0.0.1', port: target.port, proxyjump: `root@127.0.0.1:${jump.port}` }), 'echo through');
    expect([r.exitCode, r.stdout]).toEqual([0, 'through\n']);
    expect([logins(jump) - before[0], logins(target) - before[1]]).toEqual([1, 1]);
  });

  it('proxyjump through a jump host that forbids forwarding fails naming both and what to check', async () => {
    const file = inventory({ host: '127.0.0.1', port: target.port, proxyjump: `ssh://root@127.0.0.1:${closedJump.port}` });
    const err = await run(file, 'true').then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).message).toContain(`proxyjump root@127.0.0.1:${closedJump.port} could not open a tunnel to 127.0.0.1:${target.port}`);
    expect((err as TransportError).hint).toContain('AllowTcpForwarding');
  });
});
