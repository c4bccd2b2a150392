// `regen demo` as a new, unprivileged user runs it: the built CLI, no root, no SSH, a sandbox of its own.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, type TestUser } from '../support/sshd.js';

const run = promisify(execFile);
const CLI = path.resolve('dist/src/cli/main.js');

describe('regen demo', () => {
  let user: TestUser;
  let sandbox: string;
  let output: { stdout: string; stderr: string };

  beforeAll(async () => {
    user = await createTestUser();
    sandbox = path.join(user.home, 'sandbox');
    output = await run('setpriv', ['--reuid', user.name, '--regid', user.name, '--init-groups', '--',
      process.execPath, CLI, 'demo', '--dir', sandbox, '--agents', '2'],
    { cwd: user.home, env: { PATH: process.env.PATH, HOME: user.home }, maxBuffer: 64 << 20 });
  }, 300_000);

  afterAll(async () => {
    await user?.remove();
  });

  it('regenerates the CA and re-enrolls every agent under it', async () => {
    expect(output.stdout).toContain('What changed:');
    const hosts = path.join(sandbox, 'hosts');
    const newCa = path.join(hosts, 'master.demo.lan/etc/puppetlabs/puppet/ssl/ca/ca_crt.pem');
    const fingerprint = (await run('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', newCa])).stdout.split('=')[1].trim();
    expect(output.stdout).toContain(`now: ${fingerprint}`);
    for (const agent of ['agent1.demo.lan', 'agent2.demo.lan']) {
      const cert = path.join(hosts, agent, `etc/puppetlabs/puppet/ssl/certs/${agent}.pem`);
      const verified = await run('openssl', ['verify', '-CAfile', newCa, cert]);
      expect(verified.stdout.trim()).toBe(`${cert}: OK`);
      expect(output.stdout).toMatch(new RegExp(`${agent}: new certificate [0-9A-F:]{95}`));
    }
  });

  it('leaves every file to the user who ran it, and a log of every step', async () => {
    const uid = Number((await run('id', ['-u', user.name])).stdout.trim());
    const ssl = path.join(sandbox, 'hosts/master.demo.lan/etc/puppetlabs/puppet/ssl');
    for (const entry of readdirSync(ssl, { recursive: true }) as string[]) {
      expect(statSync(path.join(ssl, entry)).uid).toBe(uid);
    }
    const logs = readdirSync(path.join(sandbox, '.regen/logs'));
    expect(logs.some((d) => d.includes('plan-master'))).toBe(true);
    expect(logs.some((d) => d.includes('plan-agents'))).toBe(true);
    const inventory = readFileSync(path.join(sandbox, 'inventory.yaml'), 'utf8');
    expect(inventory).toContain('transport: local');
  });
});
