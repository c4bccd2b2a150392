// inventory.example.yaml is what admins copy: it must satisfy Bolt's schema and regen's loader.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { describeTarget } from './describe.js';
import { loadInventory } from './inventory.js';
import { schemaPath as schemaFile } from '../../test/support/schemas.js';

const examplePath = fileURLToPath(new URL('../../inventory.example.yaml', import.meta.url));
const schemaPath = schemaFile('bolt-inventory.schema.json');

/**
 * The shared copy of Bolt's schema has two defects that make it reject every inventory: it refers
 * to `#/definitions/_plugin` without defining it, and its top-level `additionalProperties: false`
 * sits beside a `oneOf` instead of beside the `properties` it should allow. Both are repaired here,
 * in memory, the way Bolt's published schema has them; everything else is checked as shipped.
 */
function boltSchema(): object {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
  schema.definitions._plugin ??= {
    type: 'object',
    required: ['_plugin'],
    properties: { _plugin: { type: 'string' } },
  };
  if (schema.additionalProperties === false && !schema.properties) {
    const allowed = Object.keys(schema.oneOf[0].properties);
    schema.properties = Object.fromEntries(allowed.map((k) => [k, true]));
  }
  return schema;
}

describe('inventory.example.yaml', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('uri', (s: string) => URL.canParse(s));
  const validate = ajv.compile(boltSchema());

  it("validates against Bolt's inventory schema", () => {
    const ok = validate(parse(readFileSync(examplePath, 'utf8')));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the repaired schema still rejects what Bolt rejects', () => {
    expect(validate({ version: 2, colour: 'blue' })).toBe(false);
    expect(validate({ groups: [{ targets: ['a.example.com'] }] })).toBe(false);
    expect(validate({ config: { ssh: { port: 'twenty' } } })).toBe(false);
    expect(validate({ targets: [{ uri: 'not a uri' }] })).toBe(false);
  });

  it('loads with regen and describes a PE 3.7 site', async () => {
    const env = { REGEN_SUDO_PASSWORD: 'sudo-secret', REGEN_WINRM_PASSWORD: 'winrm-secret' };
    const inv = await loadInventory(examplePath, { env });
    expect(inv.groupNames()).toEqual(['all', 'master', 'agents', 'linux_agents', 'windows_agents']);

    const [master] = inv.resolve('master');
    expect(master.config.transport).toBe('ssh');
    expect(master.config.ssh).toMatchObject({ user: 'admin', 'run-as': 'root', 'sudo-password': 'sudo-secret', 'host-key-check': true });

    const agents = inv.resolve('agents');
    expect(agents.map((t) => [t.name, t.config.transport])).toEqual([
      ['web01.example.com', 'ssh'],
      ['web02.example.com', 'ssh'],
      ['db01.example.com', 'ssh'],
      ['legacy-app.example.com', 'ssh'],
      ['win-iis01.example.com', 'winrm'],
      ['win-sql01.example.com', 'winrm'],
    ]);
    const legacy = describeTarget(inv.resolve('legacy')[0]);
    expect(legacy).toMatchObject({ host: '10.20.0.15', config: { user: 'root', port: 2222 } });
    expect(master.vars).toEqual({ profile: 'pe37', profile_overrides: { backup_dir: '/var/opt/lib/regen/backups' } });

    const sql = describeTarget(inv.resolve('sql01')[0]);
    expect(sql.config).toEqual({
      user: 'Administrator', password: '[redacted]', ssl: true, 'ssl-verify': true, port: 5986,
      cacert: '/etc/pki/tls/certs/winrm-ca.pem', 'connect-timeout': 15,
    });
    expect(sql.groups).toEqual(['all', 'agents', 'windows_agents']);
  });
});
