import { describe, expect, it } from 'vitest';
import { load, problems, yaml } from '../../test/inventory/helpers.js';

describe('loading an inventory: every problem reported with file:line:col and key path', () => {
  it('reads a valid inventory', () => {
    const inv = load(yaml`
      version: 2
      groups:
        - name: agents
          targets:
            - web01.example.com
            - name: db01
              uri: ssh://root@db01.example.com:2222
              alias: [db]
    `);
    expect(inv.groupNames()).toEqual(['all', 'agents']);
    expect(inv.targetNames()).toEqual(['web01.example.com', 'db01']);
  });

  it('follows YAML anchors, so shared settings can be written once', () => {
    const inv = load(yaml`
      groups:
        - name: east
          config: &linux { ssh: { user: admin, run-as: root } }
          targets: [e1.example.com]
        - name: west
          config: *linux
          targets: [w1.example.com]
    `);
    expect(inv.resolve('w1.example.com')[0].config.ssh).toEqual({ user: 'admin', 'run-as': 'root' });
  });

  it('accepts an empty file as an empty inventory', () => {
    expect(load('').targetNames()).toEqual([]);
  });

  it('rejects a bad type with what was expected', () => {
    const source = yaml`
      version: 2
      groups:
        - name: master
          targets: [puppet.example.com]
        - name: agents
          targets:
            - web01.example.com
            - name: web02.example.com
              config:
                ssh:
                  port: twenty
    `;
    expect(problems(() => load(source))).toEqual([
      "inventory.yaml:11:19: groups[1].targets[1].config.ssh.port: expected an integer 1-65535, got 'twenty'",
    ]);
  });

  it('collects every error, not only the first', () => {
    const source = yaml`
      version: 3
      colour: blue
      config:
        transport: telnet
        ssh:
          prot: 22
          host-key-check: maybe
          connect-timeout: 0
        winrm:
          ssl: yes
          auth: kerberos
        local:
          tmpdir: tmp
    `;
    expect(problems(() => load(source))).toEqual([
      'inventory.yaml:2:1: colour: unknown key \'colour\'; expected one of: version, targets, groups, config, vars, facts',
      'inventory.yaml:1:10: version: expected 2, got 3',
      "inventory.yaml:4:14: config.transport: expected one of ssh, winrm, local (or Bolt's docker, jail, lxd, pcp, podman, remote, which regen does not run), got 'telnet'",
      "inventory.yaml:6:5: config.ssh.prot: unknown key 'prot' (did you mean 'port' or 'file-protocol'?); expected one of: host, user, port, password, private-key, host-key-check, known-hosts, run-as, sudo-password, connect-timeout, max-channels, tmpdir, proxyjump",
      "inventory.yaml:7:21: config.ssh.host-key-check: expected true, false or 'accept-new', got 'maybe'",
      'inventory.yaml:8:22: config.ssh.connect-timeout: expected an integer 1-3600 (seconds), got 0',
      "inventory.yaml:10:10: config.winrm.ssl: expected true or false, got 'yes'",
      "inventory.yaml:11:11: config.winrm.auth: expected 'basic' or 'ntlm', got 'kerberos'",
      "inventory.yaml:13:13: config.local.tmpdir: expected an absolute path (starting with '/'), got 'tmp'",
    ]);
  });

  it('accepts every supported config key', () => {
    const inv = load(yaml`
      config:
        ssh:
          user: admin
          port: 2222
          password: secret
          private-key: { key-data: "-----BEGIN OPENSSH PRIVATE KEY-----" }
          host-key-check: accept-new
          known-hosts: /etc/regen/known_hosts
          run-as: root
          sudo-password: secret
          connect-timeout: 10
          max-channels: 8
          tmpdir: /var/tmp
        winrm: { user: Administrator, password: x, port: 5986, ssl: true, ssl-verify: false, cacert: /ca.pem, connect-timeout: 5, auth: basic }
        local: { run-as: root, sudo-password: x, tmpdir: /tmp }
      targets: [a.example.com]
    `);
    const [t] = inv.resolve('a.example.com');
    expect(t.config.ssh).toMatchObject({ port: 2222, 'host-key-check': 'accept-new', 'max-channels': 8 });
    expect(t.config.winrm).toMatchObject({ auth: 'basic', ssl: true, 'ssl-verify': false });
  });

  it('reports missing required fields', () => {
    const source = yaml`
      groups:
        - targets: [a.example.com]
        - name: agents
          targets:
            - alias: [lonely]
            - name: b.example.com
              config:
                ssh:
                  private-key: {}
    `;
    expect(problems(() => load(source))).toEqual([
      "inventory.yaml:2:5: groups[0]: missing required key 'name' (every group needs a name)",
      "inventory.yaml:5:9: groups[1].targets[0]: a target needs a 'name' or a 'uri'",
      "inventory.yaml:9:26: groups[1].targets[1].config.ssh.private-key: expected 'key-data' with the private key's contents",
    ]);
  });

  it('checks names, aliases and URIs', () => {
    const source = yaml`
      groups:
        - name: Web Servers
        - name: agents
          targets:
            - name: "bad name"
            - name: ok.example.com
              alias: [Not-Valid, fine]
            - docker://container1
            - 42
    `;
    expect(problems(() => load(source))).toEqual([
      "inventory.yaml:2:11: groups[0].name: expected a group name: a string without spaces or commas, got 'Web Servers'",
      "inventory.yaml:5:15: groups[1].targets[0].name: expected a target name of printable ASCII without spaces, got 'bad name'",
      'inventory.yaml:9:9: groups[1].targets[3]: expected a target (a URI string or a map), got 42',
    ]);
  });

  it('keeps the last of duplicate keys (as Bolt) and rejects duplicate groups, targets in one group and name clashes', () => {
    const source = yaml`
      groups:
        - name: web
          name: web2
          targets:
            - name: a.example.com
              alias: [db]
            - a.example.com
        - name: db
          targets:
            - name: b.example.com
              alias: [db, web]
        - name: web
        - name: c
          targets:
            - name: all
    `;
    expect(problems(() => load(source))).toEqual([
      "inventory.yaml:11:17: groups[1].targets[0].alias: alias 'db' already refers to target 'a.example.com' (line 6)",
      "inventory.yaml:7:9: groups[0].targets[1]: target 'a.example.com' is already listed in this group at line 5",
      "inventory.yaml:15:9: 'all' is the built-in group of every target; it cannot name a target or alias",
      "inventory.yaml:6:17: alias 'db' has the same name as the group defined at line 8",
      "inventory.yaml:11:21: alias 'web' has the same name as the group defined at line 12",
    ]);
  });

  it('rejects a target defined twice with different URIs', () => {
    const source = yaml`
      groups:
        - name: one
          targets: [{ name: app, uri: app1.example.com }]
        - name: two
          targets: [{ name: app, uri: app2.example.com }]
    `;
    expect(problems(() => load(source))).toEqual([
      "inventory.yaml:5:15: groups[1].targets[0]: target 'app' is defined at line 3 with another uri ('app1.example.com' vs 'app2.example.com')",
    ]);
  });

  it('explains version 1 and warns about Bolt-only keys', () => {
    const source = yaml`
      version: 1
      features: [puppet-agent]
      groups:
        - name: old
          nodes: [a.example.com]
    `;
    expect(problems(() => load(source))).toEqual([
      "inventory.yaml:1:10: version: expected 2, got 1 (version 1 inventories are not supported; migrate with 'bolt project migrate')",
      "inventory.yaml:5:5: groups[0].nodes: 'nodes' is inventory version 1; version 2 calls it 'targets'",
    ]);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problems(() => load('groups:\n  - name: [unclosed\n'))).toHaveLength(1);
    expect(problems(() => load('groups:\n  - name: [unclosed\n'))[0]).toMatch(/^inventory\.yaml:\d+:\d+: invalid YAML: /);
  });

  it('never echoes a secret in an error', () => {
    const source = yaml`
      config:
        ssh:
          password: 123456
    `;
    expect(problems(() => load(source))).toEqual(['inventory.yaml:3:15: config.ssh.password: expected a string, got a number']);
  });
});
