import { describe, expect, it } from 'vitest';
import { load, yaml } from '../../test/inventory/helpers.js';

// Bolt's rules (lib/bolt/inventory/group.rb): top level < groups (subgroup over parent, first
// sibling group over later ones) < the target's own entry < the target's URI.
describe('precedence: which config, vars and facts a target ends up with', () => {
  const inventory = load(yaml`
    config:
      ssh: { user: top, port: 22, connect-timeout: 30 }
    vars: { site: lon, role: unknown }
    facts: { os: { family: RedHat, release: "6" } }
    groups:
      - name: linux
        config:
          ssh: { user: linux }
        vars: { role: agent, ntp: [a, b] }
        groups:
          - name: web
            config:
              ssh: { user: web, port: 2200 }
            vars: { ntp: [c] }
            targets:
              - name: web01.example.com
                config:
                  ssh: { port: 2201 }
                vars: { role: frontend }
                facts: { os: { release: "7" } }
              - web02.example.com
      - name: backup
        config:
          ssh: { user: backup, run-as: root }
        targets: [web01.example.com, db01.example.com]
  `);
  const [web01, web02, db01] = inventory.resolve('web01.example.com,web02.example.com,db01.example.com');

  it("gives the target's own entry the last word", () => {
    expect(web01.config.ssh.port).toBe(2201);
    expect(web01.vars.role).toBe('frontend');
  });

  it('lets a subgroup override its parent group, and groups override the top level', () => {
    expect(web02.config.ssh).toEqual({ user: 'web', port: 2200, 'connect-timeout': 30 });
    expect(web02.vars).toEqual({ site: 'lon', role: 'agent', ntp: ['c'] });
  });

  it('lets the group written first win when a target is in several groups', () => {
    // web01 is in linux/web (written first) and in backup: linux/web's user wins,
    // but backup still adds what the earlier groups do not set.
    expect(web01.config.ssh).toEqual({ user: 'web', port: 2201, 'connect-timeout': 30, 'run-as': 'root' });
    expect(db01.config.ssh).toEqual({ user: 'backup', port: 22, 'connect-timeout': 30, 'run-as': 'root' });
  });

  it('deep-merges facts, replaces vars one level deep', () => {
    expect(web01.facts).toEqual({ os: { family: 'RedHat', release: '7' } });
    expect(web02.vars.ntp).toEqual(['c']);
  });

  it('lists groups outermost first', () => {
    expect(web01.groups).toEqual(['all', 'linux', 'web', 'backup']);
    expect(db01.groups).toEqual(['all', 'backup']);
  });

  it('lets a group list a target defined elsewhere by its name or alias', () => {
    const inv = load(yaml`
      groups:
        - name: linux
          targets: [{ name: web01.example.com, alias: [web01] }]
        - name: frontends
          config: { ssh: { run-as: nginx } }
          targets: [web01]
    `);
    const [web01] = inv.resolve('frontends');
    expect([web01.name, web01.groups, web01.config.ssh]).toEqual(['web01.example.com', ['all', 'linux', 'frontends'], { 'run-as': 'nginx' }]);
  });

  it('lets an earlier branch win even over a deeper later one', () => {
    const inv = load(yaml`
      groups:
        - name: first
          config: { ssh: { user: first } }
          targets: [h.example.com]
        - name: outer
          groups:
            - name: inner
              config: { ssh: { user: inner } }
              targets: [h.example.com]
    `);
    expect(inv.resolve('h.example.com')[0].config.ssh.user).toBe('first');
  });

  it("merges a target's entries from several groups: subgroup entry over parent, first sibling over later", () => {
    const inv = load(yaml`
      targets:
        - name: h.example.com
          config: { ssh: { user: top, port: 1 } }
      groups:
        - name: a
          targets:
            - name: h.example.com
              config: { ssh: { user: a } }
        - name: b
          targets:
            - name: h.example.com
              config: { ssh: { user: b, run-as: root } }
    `);
    expect(inv.resolve('h.example.com')[0].config.ssh).toEqual({ user: 'a', port: 1, 'run-as': 'root' });
  });
});

describe('URIs and transports', () => {
  const inv = load(yaml`
    config:
      transport: ssh
      ssh: { user: admin, port: 22 }
      winrm: { user: Administrator, ssl: false }
    groups:
      - name: windows
        config: { transport: winrm }
        targets:
          - win01.example.com
          - { name: win02, uri: "winrms://win02.example.com:5987" }
      - name: misc
        targets:
          - "ssh://root:s3cret@db.example.com:2222"
          - "local://control"
          - localhost
          - name: bastion
            uri: 10.0.0.1
  `);

  it('takes the transport from config, default ssh', () => {
    const [win01, bastion] = inv.resolve('win01.example.com,bastion');
    expect([win01.config.transport, win01.host]).toEqual(['winrm', 'win01.example.com']);
    expect([bastion.config.transport, bastion.host, bastion.config.ssh.user]).toEqual(['ssh', '10.0.0.1', 'admin']);
  });

  it('lets winrms:// mean WinRM over HTTPS, overriding config', () => {
    const [win02] = inv.resolve('win02');
    expect(win02).toMatchObject({ name: 'win02', uri: 'winrms://win02.example.com:5987', host: 'win02.example.com' });
    expect(win02.config.winrm).toEqual({ user: 'Administrator', ssl: true, port: 5987 });
  });

  it('takes user, password and port from the URI over any config, and keeps the password out of the name', () => {
    const [db] = inv.resolve('ssh://root@db.example.com:2222');
    expect(db.name).toBe('ssh://root@db.example.com:2222');
    expect(db.uri).toBe('ssh://root@db.example.com:2222');
    expect(db.config.ssh).toEqual({ user: 'root', password: 's3cret', port: 2222 });
  });

  it('uses the local transport for local:// and for the name localhost, unless config says otherwise', () => {
    const [control] = inv.resolve('local://control');
    expect([control.config.transport, control.host]).toEqual(['local', 'control']);
    const [localhost] = load('targets: [localhost]').resolve('localhost');
    expect([localhost.config.transport, localhost.host]).toEqual(['local', 'localhost']);
    // As in Bolt, localhost's default is the weakest setting: this inventory's top-level
    // `transport: ssh` applies to it too.
    expect(inv.resolve('localhost')[0].config.transport).toBe('ssh');
  });

  it('creates targets named in a spec but absent from the inventory, with the top-level config', () => {
    const [t] = inv.resolve('winrm://new.example.com');
    expect(t).toMatchObject({ name: 'winrm://new.example.com', host: 'new.example.com', groups: ['all'] });
    expect(t.config.transport).toBe('winrm');
    expect(t.config.winrm).toEqual({ user: 'Administrator', ssl: false });
  });
});
