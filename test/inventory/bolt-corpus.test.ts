// Bolt inventories written from Bolt's documented schema (bolt-corpus/*.yaml, every key of the schema at
// least once): each loads with exactly the expected warnings; broken ones are refused with file:line.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { connectTargetOf, formatIssue, InventoryError, loadInventory, type Issue } from '../../src/inventory/index.js';
import { BOLT_DATA_KEYS, BOLT_TRANSPORT_OPTIONS, BOLT_TRANSPORTS, IGNORED } from '../../src/inventory/bolt-schema.js';
import { ConnectionPool } from '../../src/runner/connections.js';
import { TransportError } from '../../src/transports/types.js';
import { readSchema } from '../support/schemas.js';

const DIR = resolve(fileURLToPath(new URL('.', import.meta.url)), 'bolt-corpus');
const ENV = { REGEN_CORPUS_MASTER: 'root@master.example.com' };
const short = (i: Issue) => formatIssue({ ...i, file: i.file.startsWith(DIR) ? i.file.slice(DIR.length + 1) : i.file });
const load = (file: string) => loadInventory(join(DIR, file), { env: ENV });

async function refusal(file: string): Promise<string[]> {
  try {
    await load(file);
  } catch (e) {
    if (e instanceof InventoryError) return e.issues.map(short);
    throw e;
  }
  throw new Error(`${file} loaded, but it should be refused`);
}

const ignored = (file: string, lines: Array<[number, number, string]>) => lines.map(([l, c, p]) => `${file}:${l}:${c}: ${p}: ${IGNORED}`);

describe('Bolt inventory corpus', () => {
  it('lists every key of Bolt inventory schema, as bolt-schema.ts does', () => {
    const schema = readSchema('bolt-inventory.schema.json') as { definitions: Record<string, any> };
    const config = schema.definitions.config.oneOf[0].properties;
    expect(config.transport.oneOf[0].enum).toEqual([...BOLT_TRANSPORTS]);
    for (const t of BOLT_TRANSPORTS) expect([...BOLT_TRANSPORT_OPTIONS[t]].sort()).toEqual(Object.keys(config[t].oneOf[0].properties).sort());
    expect([...BOLT_DATA_KEYS].sort()).toEqual(Object.keys(schema.definitions).filter((k) => k !== 'config').concat('config').sort());

    // Every key appears in the corpus at least once (as a key of a config section of that transport, or of a data level).
    const seen = new Set<string>();
    const walk = (v: unknown, at: string) => {
      if (Array.isArray(v)) v.forEach((x) => walk(x, at));
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) {
        seen.add(`${at}${k}`);
        walk(x, (BOLT_TRANSPORTS as readonly string[]).includes(k) && at === 'config.' ? `${k}.` : k === 'config' ? 'config.' : '');
      }
    };
    const files = ['ssh.yaml', 'winrm-local.yaml', 'foreign.yaml', 'composed.yaml', 'parts/agents.yaml'];
    for (const f of files) walk(parse(readFileSync(join(DIR, f), 'utf8'), { uniqueKeys: false }), '');
    walk({ config: parse(readFileSync(join(DIR, 'parts/config.yaml'), 'utf8')) }, '');
    const missing = [
      ...BOLT_DATA_KEYS.filter((k) => !seen.has(k)),
      ...BOLT_TRANSPORTS.flatMap((t) => BOLT_TRANSPORT_OPTIONS[t].filter((k) => !seen.has(`${t}.${k}`)).map((k) => `${t}.${k}`)),
      ...BOLT_TRANSPORTS.filter((t) => !seen.has(`config.${t}`)),
    ];
    expect(missing).toEqual([]);
    expect(readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort()).toEqual(['composed.yaml', 'foreign.yaml', 'ssh.yaml', 'winrm-local.yaml']);
  });

  it('ssh.yaml: honours what regen can use, warns once for each other ssh option', async () => {
    const inv = await load('ssh.yaml');
    expect(inv.warnings.map(short)).toEqual(
      ignored('ssh.yaml', [
        [15, 5, 'config.ssh.cleanup'], [16, 5, 'config.ssh.disconnect-timeout'], [17, 5, 'config.ssh.encryption-algorithms'],
        [18, 5, 'config.ssh.extensions'], [19, 5, 'config.ssh.host-key-algorithms'], [20, 5, 'config.ssh.interpreters'],
        [21, 5, 'config.ssh.kex-algorithms'], [22, 5, 'config.ssh.load-config'], [23, 5, 'config.ssh.login-shell'],
        [24, 5, 'config.ssh.mac-algorithms'], [26, 5, 'config.ssh.run-as-command'],
        [27, 5, 'config.ssh.script-dir'], [28, 5, 'config.ssh.sudo-executable'], [29, 5, 'config.ssh.tty'],
        [30, 5, 'config.ssh.batch-mode'], [31, 5, 'config.ssh.copy-command'], [32, 5, 'config.ssh.native-ssh'], [33, 5, 'config.ssh.ssh-command'],
      ]),
    );
    expect(inv.groupNames()).toEqual(['all', 'Linux_Agents']);
    const [agent, web] = inv.resolve('Linux_Agents');
    expect(agent.config.ssh).toEqual({
      user: 'deploy', port: 2222, password: 'hunter2', 'private-key': '~/.ssh/id_ed25519', 'host-key-check': true,
      'connect-timeout': 20, 'run-as': 'root', 'sudo-password': 'hunter3', tmpdir: '/var/tmp', proxyjump: 'jump.example.com',
    });
    // Bolt's `host` names the host of a target written as a name only; a uri's host wins over it.
    expect([agent.host, web.host, connectTargetOf(web).host]).toEqual(['agent1.example.com', '10.0.0.7', '10.0.0.7']);
  });

  it('winrm-local.yaml: every winrm and local option accepted, the unused ones warned about', async () => {
    const inv = await load('winrm-local.yaml');
    const w = (l: number, k: string) => [l, 9, `groups[0].config.winrm.${k}`] as [number, number, string];
    const loc = (l: number, k: string) => [l, 9, `groups[1].config.local.${k}`] as [number, number, string];
    expect(inv.warnings.map(short)).toEqual(
      ignored('winrm-local.yaml', [
        w(15, 'basic-auth-only'), w(16, 'cleanup'), w(17, 'extensions'), w(18, 'file-protocol'), w(19, 'host'), w(20, 'interpreters'),
        w(21, 'realm'), w(22, 'smb-port'), w(23, 'tmpdir'),
        loc(32, 'bundled-ruby'), loc(33, 'cleanup'), loc(34, 'extensions'), loc(35, 'interpreters'), loc(36, 'run-as-command'), loc(37, 'sudo-executable'),
      ]),
    );
    const [win, control] = inv.resolve('all');
    expect(win.config.winrm).toEqual({
      user: 'Administrator', password: 'hunter2', port: 5986, ssl: true, 'ssl-verify': true, cacert: '/etc/ssl/ca.pem', 'connect-timeout': 30,
    });
    expect(control.config.local).toEqual({ 'run-as': 'root', 'sudo-password': 'hunter3', tmpdir: '/var/tmp' });
  });

  it("foreign.yaml: Bolt's other transports, features, plugin_hooks, any group name, duplicate keys", async () => {
    const inv = await load('foreign.yaml');
    expect(inv.warnings.map(short)).toEqual([
      ...ignored('foreign.yaml', [
        [3, 1, 'name'], [4, 1, 'features'], [5, 1, 'plugin_hooks'],
        [8, 3, 'config.docker'], [9, 3, 'config.jail'], [10, 3, 'config.lxd'], [11, 3, 'config.pcp'], [12, 3, 'config.podman'],
        [13, 3, 'config.remote'], [14, 3, 'config.bundled-ruby'], [17, 5, 'groups[0].features'], [18, 5, 'groups[0].plugin_hooks'],
      ]),
      'foreign.yaml:26:9: groups[0].targets[0].vars: duplicate key: this one is used and the one at line 25 is ignored, as Bolt does',
      ...ignored('foreign.yaml', [[21, 9, 'groups[0].targets[0].features'], [22, 9, 'groups[0].targets[0].plugin_hooks']]),
    ]);
    expect(inv.groupNames()).toEqual(['all', 'Web-Servers.eu', 'containers']);
    const [web] = inv.resolve('Web1');
    expect([web.name, web.vars.role, web.unsupportedTransport]).toEqual(['web1.example.com', 'api', undefined]);

    // Targets of Bolt's other transports load and show; they fail when regen connects to them, not before.
    const [app, pcp] = inv.resolve('containers');
    expect([app.unsupportedTransport, pcp.unsupportedTransport]).toEqual(['docker', 'pcp']);
    let connected = 0;
    const pool = new ConnectionPool(async () => {
      connected++;
      throw new Error('not reached');
    });
    const err = await pool.get(app).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).message).toBe("target app1 uses Bolt's docker transport, which regen does not run");
    expect((err as TransportError).hint).toContain('give app1 an ssh:// or winrm:// uri');
    expect(connected).toBe(0);
  });

  it('composed.yaml: the yaml plugin reads files relative to the inventory; env_var gives a uri', async () => {
    const inv = await load('composed.yaml');
    expect(inv.warnings.map(short)).toEqual([`parts/agents.yaml:8:9: groups[0].targets[1].config.ssh.tty: ${IGNORED}`]);
    expect(inv.groupNames()).toEqual(['all', 'agents', 'master']);
    const [a1, a2, master] = inv.resolve('all');
    expect([a1.name, a2.name, a2.host, a2.config.ssh]).toEqual(['agent1.example.com', 'agent2', 'agent2.example.com', { user: 'root', 'host-key-check': 'accept-new' }]);
    expect([master.name, master.host, master.config.ssh.user]).toEqual(['puppet-master', 'master.example.com', 'root']);
    await expect(loadInventory(join(DIR, 'composed.yaml'), { env: {} })).rejects.toThrow(
      'composed.yaml:10:11: groups[1].targets[0].uri: environment variable REGEN_CORPUS_MASTER is not set',
    );
  });

  it('refuses a key in no Bolt schema (a typo) with its suggestion, the Bolt key beside it only warned about', async () => {
    expect(await refusal('broken/typo.yaml')).toEqual([
      "broken/typo.yaml:4:5: config.ssh.private_key: unknown key 'private_key' (did you mean 'private-key'?); expected one of: " +
        'host, user, port, password, private-key, host-key-check, known-hosts, run-as, sudo-password, connect-timeout, max-channels, tmpdir, proxyjump',
    ]);
  });

  it('refuses plugins regen does not implement, naming each and what to do', async () => {
    const got = await refusal('broken/plugins.yaml');
    expect(got.map((l) => l.replace(/ is not implemented by regen; .*/, ' …'))).toEqual([
      "broken/plugins.yaml:5:9: groups[0].targets[0]: Bolt plugin 'terraform' …",
      "broken/plugins.yaml:11:7: groups[1].targets: Bolt plugin 'puppetdb' …",
      "broken/plugins.yaml:13:5: groups[2]: Bolt plugin 'container_inventory' …",
      `broken/plugins.yaml:15:5: yaml plugin: cannot read ${DIR}/broken/parts/missing.yaml: no such file (filepath is relative to the inventory's directory, ${DIR}/broken)`,
      expect.stringMatching(/^broken\/parts\/bad\.yaml:\d+:\d+: invalid YAML: /),
    ]);
    expect(got[0]).toContain("write the targets or values into the inventory, for example from the output of 'bolt inventory show --targets all --detail'");
  });
});
