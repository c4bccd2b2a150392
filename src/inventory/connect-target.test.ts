import { describe, expect, it } from 'vitest';
import { load, yaml } from '../../test/inventory/helpers.js';
import { connectTargetOf } from './connect-target.js';

describe('the connect target: the URI folded into the config once, with Bolt precedence', () => {
  const inv = load(yaml`
    config:
      ssh: { user: bob, port: 22, run-as: root }
      winrm: { user: Administrator, password: x, port: 5985, ssl: false }
    targets:
      - ssh://alice@web01.example.com:2222
      - winrms://win01.example.com
      - name: plain.example.com
  `);

  it('lets the URI win over config for user and port, and keeps the rest of the section', () => {
    const [t] = inv.resolve('ssh://alice@web01.example.com:2222');
    expect(connectTargetOf(t)).toEqual({
      name: 'ssh://alice@web01.example.com:2222',
      host: 'web01.example.com',
      transport: 'ssh',
      config: { user: 'alice', port: 2222, 'run-as': 'root' },
    });
  });

  it('turns winrms:// into ssl over the config, and hands over only the target transport section', () => {
    const [t] = inv.resolve('winrms://win01.example.com');
    expect(connectTargetOf(t)).toEqual({
      name: 'winrms://win01.example.com',
      host: 'win01.example.com',
      transport: 'winrm',
      config: { user: 'Administrator', password: 'x', port: 5985, ssl: true },
    });
  });

  it('uses config alone when the URI says nothing, and copies it so a transport cannot change the target', () => {
    const [t] = inv.resolve('plain.example.com');
    const c = connectTargetOf(t);
    expect(c).toMatchObject({ host: 'plain.example.com', transport: 'ssh', config: { user: 'bob', port: 22 } });
    expect(c.config).not.toBe(t.config.ssh);
  });
});
