import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load, problems, yaml } from '../../test/inventory/helpers.js';

const source = yaml`
  targets: [control.example.com]
  groups:
    - name: master
      targets:
        - name: puppet.example.com
          alias: [puppetmaster]
    - name: agents
      groups:
        - name: linux_agents
          targets:
            - { name: web01.example.com, alias: [web01] }
            - { name: web02.example.com, alias: [web02] }
            - db01.example.com
        - name: windows_agents
          targets:
            - { name: win-web03.example.com, alias: [iis] }
`;
const names = (spec: string | string[], cwd?: string) => load(source, { cwd }).resolve(spec).map((t) => t.name);

describe('target specs', () => {
  it('expands a group name to its targets and those of its subgroups, in file order', () => {
    expect(names('agents')).toEqual(['web01.example.com', 'web02.example.com', 'db01.example.com', 'win-web03.example.com']);
  });

  it('has the built-in group all', () => {
    expect(names('all')).toEqual([
      'control.example.com', 'puppet.example.com', 'web01.example.com', 'web02.example.com', 'db01.example.com', 'win-web03.example.com',
    ]);
  });

  it('accepts target names and aliases, case-insensitively as host names are', () => {
    expect(names('puppetmaster')).toEqual(['puppet.example.com']);
    expect(names('WEB01.example.com,iis')).toEqual(['web01.example.com', 'win-web03.example.com']);
  });

  it('splits comma and space separated lists, and lists given as arrays', () => {
    expect(names('master, web02 db01.example.com')).toEqual(['puppet.example.com', 'web02.example.com', 'db01.example.com']);
    expect(names(['master', 'web02'])).toEqual(['puppet.example.com', 'web02.example.com']);
  });

  it('matches globs against target names and aliases (as Bolt, not group names)', () => {
    expect(names('web*')).toEqual(['web01.example.com', 'web02.example.com']);
    expect(names('*web0*')).toEqual(['web01.example.com', 'web02.example.com', 'win-web03.example.com']);
    expect(problems(() => names('mail*'))[0]).toMatch(/^\(target spec\): no target name or alias matches 'mail\*'/);
    expect(problems(() => names('*_agents'))).toEqual([
      "(target spec): no target name or alias matches '*_agents' (as in Bolt, globs match targets, not groups); " +
        'matching groups: linux_agents, windows_agents',
    ]);
  });

  it('removes duplicates, keeping the first position', () => {
    expect(names('web02,linux_agents,web02.example.com,master')).toEqual([
      'web02.example.com', 'web01.example.com', 'db01.example.com', 'puppet.example.com',
    ]);
  });

  it('reads @file: one spec per line, # comments and blank lines ignored', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regen-spec-'));
    writeFileSync(join(dir, 'targets.txt'), '# the ones that failed\nweb02\n\n  db01.example.com  # retry\nmaster\n');
    expect(names('@targets.txt', dir)).toEqual(['web02.example.com', 'db01.example.com', 'puppet.example.com']);
    expect(names(`iis,@${join(dir, 'targets.txt')}`)).toEqual([
      'win-web03.example.com', 'web02.example.com', 'db01.example.com', 'puppet.example.com',
    ]);
  });

  it('reports unknown names in @file with their line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'regen-spec-'));
    writeFileSync(join(dir, 'targets.txt'), 'web01\nwbe02\n');
    expect(problems(() => names('@targets.txt,@missing.txt', dir))).toEqual([
      "(target spec): cannot read target list 'missing.txt': no such file",
      "targets.txt:2: no group, target or alias is named 'wbe02'; near matches: web02. " +
        'To reach a host that is not in the inventory, give its full DNS name or a URI (ssh://host, winrm://host)',
    ]);
  });

  it('rejects an unknown name listing near matches, every unknown name at once', () => {
    expect(problems(() => names('agnets,mastr,web01'))).toEqual([
      "(target spec): no group, target or alias is named 'agnets'; near matches: agents. " +
        'To reach a host that is not in the inventory, give its full DNS name or a URI (ssh://host, winrm://host)',
      "(target spec): no group, target or alias is named 'mastr'; near matches: master. " +
        'To reach a host that is not in the inventory, give its full DNS name or a URI (ssh://host, winrm://host)',
    ]);
  });

  it('creates targets from host names and URIs not in the inventory', () => {
    expect(names('new.example.com,ssh://admin@10.1.2.3:2222,winrms://win9.example.com')).toEqual([
      'new.example.com', 'ssh://admin@10.1.2.3:2222', 'winrms://win9.example.com',
    ]);
    expect(problems(() => names('ftp://x.example.com'))[0]).toContain("unsupported transport 'ftp'");
  });

  it('rejects an empty spec', () => {
    expect(problems(() => names(' , '))).toEqual(['(target spec): no targets given']);
  });
});
