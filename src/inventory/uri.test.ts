import { describe, expect, it } from 'vitest';
import { looksLikeHost, parseTargetUri } from './uri.js';

describe('target URIs', () => {
  it('reads transport, user, password, host and port', () => {
    expect(parseTargetUri('ssh://adm%40corp:p%3Ass@Puppet.example.com:2222')).toEqual({
      transport: 'ssh', user: 'adm@corp', password: 'p:ss', host: 'Puppet.example.com', port: 2222,
      safe: 'ssh://adm%40corp@Puppet.example.com:2222',
    });
    expect(parseTargetUri('winrms://win01.example.com')).toEqual({
      transport: 'winrm', ssl: true, host: 'win01.example.com', safe: 'winrms://win01.example.com',
    });
    expect(parseTargetUri('local://control')).toEqual({ transport: 'local', host: 'control', safe: 'local://control' });
  });

  it('leaves the transport to config for a bare host', () => {
    expect(parseTargetUri('root@10.0.0.5:22')).toEqual({ user: 'root', host: '10.0.0.5', port: 22, safe: 'root@10.0.0.5:22' });
    expect(parseTargetUri('[fd00::5]:2222')).toEqual({ host: '[fd00::5]', port: 2222, safe: '[fd00::5]:2222' });
  });

  it('rejects what cannot be a target', () => {
    expect(parseTargetUri('telnet://web')).toEqual({
      error: "unsupported transport 'telnet' in 'telnet://web'; regen supports ssh://, winrm://, winrms:// and local://",
    });
    // Bolt's other transports are accepted here; such a target fails when regen connects to it.
    expect(parseTargetUri('docker://web')).toEqual({ foreign: 'docker', host: 'web', safe: 'docker://web' });
    expect(parseTargetUri('host:99999')).toEqual({ error: "cannot parse target URI 'host:99999' (expected [transport://][user@]host[:port])" });
    expect(parseTargetUri('ssh://host:0')).toEqual({ error: "target URI 'ssh://host:0' has port 0; expected 1-65535" });
    expect(parseTargetUri('ssh://host/tmp')).toMatchObject({ error: expect.stringContaining('has a path') });
    expect(parseTargetUri('ssh://')).toEqual({ error: "target URI 'ssh://' has no host" });
  });

  it('tells host names from group-like words', () => {
    expect(['web01.example.com', '10.0.0.1', 'root@web', 'web:22', 'localhost'].every(looksLikeHost)).toBe(true);
    expect(['agents', 'web01', 'linux_agents'].some(looksLikeHost)).toBe(false);
  });
});
