// The simulated deployment's hosts: each a mount namespace with its own sshd, seeing its own
// PE 3.7 tree at the real paths, reachable over SSH, reaching the master through the network dir.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { sshTransport } from '../../../src/transports/ssh/index.js';
import type { Connection } from '../../../src/transports/types.js';
import { MOUNT_POINTS, startSimDeployment, type SimDeployment } from '../../support/sim-hosts.js';

let sim: SimDeployment;
let agentSsh: Connection;
let masterSsh: Connection;

beforeAll(async () => {
  sim = await startSimDeployment({ agents: 2 });
  [masterSsh, agentSsh] = await Promise.all([sshTransport.connect(sim.master.target), sshTransport.connect(sim.agents[0].target)]);
});

afterAll(async () => {
  await Promise.all([masterSsh?.close(), agentSsh?.close()]);
  await sim?.stop();
});

describe('simulated hosts over SSH', () => {
  it('an agent sees its own ssldir at /etc/puppetlabs/puppet/ssl', async () => {
    const r = await agentSsh.exec('ls /etc/puppetlabs/puppet/ssl/certs; puppet config print certname ssldir');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'agent1.example.com.pem',
      'ca.pem',
      'certname = agent1.example.com',
      'ssldir = /etc/puppetlabs/puppet/ssl',
      '',
    ]);
  });

  it('the master sees the CA and the service certificate directories at their PE paths', async () => {
    const r = await masterSsh.exec(
      'ls /etc/puppetlabs/puppet/ssl/ca/signed /etc/puppetlabs/puppetdb/ssl /opt/puppet/var/lib/pgsql/9.2/data/certs',
    );
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('agent2.example.com.pem');
    expect(r.stdout).toContain('master.example.com.private_key.pem');
  });

  it('an agent run over SSH reaches the master through the network directory', async () => {
    const r = await agentSsh.exec('/opt/puppet/bin/puppet agent -t');
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Info: Caching catalog for agent1.example.com');
    expect(sim.events(sim.master).map((e) => e.kind)).toContain('catalog-compiled');
    expect(sim.events(sim.agents[0]).at(-1)).toMatchObject({ kind: 'agent-run', fields: ['exit=0', 'test'] });
  });

  it('nothing is mounted on the real system: the mount points stay empty outside the namespaces', () => {
    for (const dir of MOUNT_POINTS) expect(readdirSync(dir)).toEqual([]);
    const mounts = readFileSync('/proc/self/mounts', 'utf8');
    for (const dir of MOUNT_POINTS) expect(mounts).not.toContain(` ${dir} `);
  });

  it('exec() runs inside the host, as SSH sessions do', async () => {
    const r = await sim.agents[1].puppet('config', 'print', 'certname');
    expect(r).toMatchObject({ exitCode: 0, stdout: 'agent2.example.com\n' });
  });

  it('writes a Bolt inventory naming every host with its port and key', () => {
    const file = path.join(sim.dir, 'inventory.yaml');
    const inv = parse(sim.inventoryYaml(file));
    expect(existsSync(file)).toBe(true);
    expect(inv.version).toBe(2);
    expect(inv.groups.map((g: any) => g.name)).toEqual(['master', 'agents']);
    expect(inv.groups[1].targets.map((t: any) => t.name)).toEqual(['agent1.example.com', 'agent2.example.com']);
    expect(inv.groups[0].targets[0].uri).toBe(`ssh://127.0.0.1:${sim.master.sshd.port}`);
    expect(readFileSync(inv.config.ssh['known-hosts'], 'utf8').trim().split('\n')).toHaveLength(3);
    expect(sim.dir.startsWith(tmpdir())).toBe(true);
  });

  it('a paused host is unreachable until resumed', async () => {
    const host = sim.agents[1];
    await host.pause();
    await expect(sshTransport.connect({ ...host.target, config: { ...host.target.config, 'connect-timeout': 1 } })).rejects.toThrow();
    host.resume();
    const conn = await sshTransport.connect(host.target);
    expect((await conn.exec('puppet config print certname')).stdout).toBe('agent2.example.com\n');
    await conn.close();
  });

  it('snapshots list every PE file with owner, mode and hash', () => {
    const snap = sim.snapshot(sim.master);
    const byPath = new Map(snap.map((e) => [e.path, e]));
    expect(byPath.get('/etc/puppetlabs/puppet/ssl/ca/ca_key.pem')).toMatchObject({
      type: 'file', mode: '0640', owner: 'pe-puppet', group: 'pe-puppet',
    });
    expect(byPath.get('/opt/puppet/var/lib/pgsql/9.2/data/certs/master.example.com.private_key.pem')).toMatchObject({
      mode: '0400', owner: 'pe-postgres', group: 'pe-postgres',
    });
    expect(byPath.get('/var/opt/lib/pe-puppet/client_data/catalog/master.example.com.json')?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(snap.some((e) => e.path.startsWith('/var/opt/lib/pe-sim'))).toBe(false);
  });
});
