import { describe, expect, it } from 'vitest';
import { load, problems, yaml } from '../../test/inventory/helpers.js';
import { redactConfig, secretValues } from './config.js';
import { describeTarget } from './describe.js';
import { ttyPrompt } from './plugins.js';

const source = yaml`
  groups:
    - name: master
      targets: [puppet.example.com]
      config:
        ssh:
          user: admin
          run-as: root
          sudo-password:
            _plugin: env_var
            var: REGEN_SUDO_PASSWORD
          port:
            _plugin: env_var
            var: REGEN_SSH_PORT
            default: "22"
    - name: windows
      config:
        transport: winrm
        winrm:
          password:
            _plugin: prompt
            message: WinRM password for Administrator
      vars:
        db_password: { _plugin: env_var, var: DB_PASSWORD, optional: true }
      targets: [win1.example.com, win2.example.com]
`;

describe('_plugin: env_var', () => {
  it('reads the variable when the target is resolved, with its default and type', () => {
    const inv = load(source, { env: { REGEN_SUDO_PASSWORD: 'hunter2' } });
    const [master] = inv.resolve('master');
    expect(master.config.ssh).toEqual({ user: 'admin', 'run-as': 'root', 'sudo-password': 'hunter2', port: 22 });
  });

  it('fails clearly when the variable is not set, naming where it is used', () => {
    expect(problems(() => load(source).resolve('master'))).toEqual([
      'inventory.yaml:9:11: groups[0].config.ssh.sudo-password: environment variable REGEN_SUDO_PASSWORD is not set ' +
        "(export it, or give the plugin a 'default' or 'optional: true') (env_var REGEN_SUDO_PASSWORD)",
    ]);
  });

  it('checks the value against the key it sets', () => {
    const env = { REGEN_SUDO_PASSWORD: 'x', REGEN_SSH_PORT: 'ssh' };
    expect(problems(() => load(source, { env }).resolve('master'))).toEqual([
      "inventory.yaml:12:11: groups[0].config.ssh.port: expected an integer 1-65535, got 'ssh' (from env_var REGEN_SSH_PORT)",
    ]);
  });

  it('leaves an optional unset variable out', () => {
    const [win] = load(source, { prompt: () => 'pw' }).resolve('win1.example.com');
    expect(win.vars).toEqual({});
  });

  it('is checked when the inventory loads', () => {
    const bad = yaml`
      config:
        ssh:
          password: { _plugin: env_var, name: X }
          user: { _plugin: vault, path: secret/ssh }
    `;
    expect(problems(() => load(bad))).toEqual([
      "inventory.yaml:3:35: config.ssh.password.name: unknown env_var parameter 'name'; expected one of: var, default, optional",
      "inventory.yaml:3:17: config.ssh.password: the env_var plugin needs 'var'",
      "inventory.yaml:4:13: config.ssh.user._plugin: Bolt plugin 'vault' is not implemented by regen; regen implements the env_var, prompt and yaml plugins only (it talks to no inventory service): write the targets or values into the inventory, for example from the output of 'bolt inventory show --targets all --detail' where Bolt runs, or keep them in another YAML file included with { _plugin: yaml, filepath: FILE }",
    ]);
  });
});

describe('_plugin: prompt', () => {
  it('asks only for the targets selected, and once per reference', () => {
    const asked: string[] = [];
    const inv = load(source, { env: { REGEN_SUDO_PASSWORD: 'x' }, prompt: (m) => (asked.push(m), 'w1nrm') });
    inv.resolve('master');
    expect(asked).toEqual([]);
    const wins = inv.resolve('windows');
    expect(wins.map((t) => t.config.winrm.password)).toEqual(['w1nrm', 'w1nrm']);
    expect(asked).toEqual(['WinRM password for Administrator']);
  });

  it('does not resolve secrets of a transport the target does not use', () => {
    const inv = load(yaml`
      config:
        winrm: { password: { _plugin: prompt, message: never asked } }
      targets: [linux.example.com]
    `, { prompt: () => { throw new Error('prompted'); } });
    expect(inv.resolve('linux.example.com')[0].config.winrm).toEqual({});
  });

  it('fails with a clear message when standard input is not a terminal', () => {
    // As under cron or CI, whether or not these tests themselves run in a terminal.
    const wasTTY = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
    Object.defineProperty(process.stdin, 'isTTY', { value: false, configurable: true });
    let found: string[];
    try {
      found = problems(() => load(source, { prompt: ttyPrompt }).resolve('win1.example.com'));
    } finally {
      if (wasTTY) Object.defineProperty(process.stdin, 'isTTY', wasTTY);
      else delete (process.stdin as { isTTY?: boolean }).isTTY;
    }
    expect(found).toEqual([
      "inventory.yaml:20:11: groups[1].config.winrm.password: cannot prompt for 'WinRM password for Administrator': " +
        'standard input is not a terminal. Run regen interactively, or give the secret with { _plugin: env_var, var: NAME } instead ' +
        "(prompt 'WinRM password for Administrator')",
    ]);
  });
});

describe('showing targets without their secrets', () => {
  it('redacts passwords, sudo passwords, key data and vars from plugins', () => {
    const inv = load(yaml`
      targets:
        - name: db.example.com
          uri: ssh://root:pa55@db.example.com
          config:
            ssh:
              sudo-password: { _plugin: env_var, var: SUDO }
              private-key: { key-data: "-----BEGIN OPENSSH PRIVATE KEY-----" }
              run-as: postgres
            winrm: { user: Administrator }
          vars:
            api_token: { _plugin: env_var, var: TOKEN }
            certname: db01
          facts: { os: { family: RedHat } }
    `, { env: { SUDO: 'sud0', TOKEN: 't0ken' } });
    const [db] = inv.resolve('db.example.com');
    const shown = describeTarget(db);
    expect(shown).toEqual({
      name: 'db.example.com',
      uri: 'ssh://root@db.example.com',
      transport: 'ssh',
      host: 'db.example.com',
      alias: [],
      groups: ['all'],
      config: { user: 'root', password: '[redacted]', 'sudo-password': '[redacted]', 'private-key': { 'key-data': '[redacted]' }, 'run-as': 'postgres' },
      vars: { api_token: '[redacted]', certname: 'db01' },
      facts: { os: { family: 'RedHat' } },
    });
    expect(JSON.stringify(shown)).not.toMatch(/pa55|sud0|t0ken|BEGIN/);
    // The target itself keeps the values the transports need.
    expect(db.config.ssh['sudo-password']).toBe('sud0');
    expect(db.vars.api_token).toBe('t0ken');
    // And lists them all for the run log to redact.
    expect(secretValues(db).sort()).toEqual(['-----BEGIN OPENSSH PRIVATE KEY-----', 'pa55', 'sud0', 't0ken']);
  });
});

describe('redactConfig', () => {
  it('returns a copy of any config with every secret replaced', () => {
    const config = {
      transport: 'ssh' as const,
      ssh: { user: 'admin', password: 'a', 'sudo-password': 'b', 'private-key': { 'key-data': 'c' } },
      winrm: { user: 'Administrator', password: 'd' },
      local: { 'sudo-password': 'e', tmpdir: '/tmp' },
    };
    expect(redactConfig(config)).toEqual({
      transport: 'ssh',
      ssh: { user: 'admin', password: '[redacted]', 'sudo-password': '[redacted]', 'private-key': { 'key-data': '[redacted]' } },
      winrm: { user: 'Administrator', password: '[redacted]' },
      local: { 'sudo-password': '[redacted]', tmpdir: '/tmp' },
    });
    expect(config.ssh.password).toBe('a');
    expect(redactConfig({ 'private-key': '~/.ssh/id_ed25519' })).toEqual({ 'private-key': '~/.ssh/id_ed25519' });
  });
});
