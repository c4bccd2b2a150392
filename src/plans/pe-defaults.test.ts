import { describe, expect, it } from 'vitest';
import type { Target } from '../inventory/types.js';
import { checkPePath, loadPeDefaults, peFor } from './pe-defaults.js';

function target(transport: 'ssh' | 'winrm', pe?: Record<string, unknown>): Target {
  return {
    name: 't', host: 't', alias: [], groups: [], facts: {}, vars: pe ? { pe } : {},
    config: { transport, ssh: {}, winrm: {}, local: {} },
  };
}

describe('PE 3.7 defaults', () => {
  it('hold the procedure’s paths, owners and service orders', () => {
    const pe = peFor(undefined);
    expect(pe.puppet).toBe('/opt/puppet/bin/puppet');
    expect(pe.cadir).toBe('/etc/puppetlabs/puppet/ssl/ca');
    expect(pe.catalog_dir).toBe('/var/opt/lib/pe-puppet/client_data/catalog');
    expect(pe.backup_paths).toEqual([
      '/etc/puppetlabs/puppet/ssl', '/etc/puppetlabs/puppetdb/ssl', '/opt/puppet/share/console-services/certs',
      '/opt/puppet/share/puppet-dashboard/certs', '/opt/puppet/var/lib/pgsql/9.2/data/certs',
    ]);
    expect((pe.services as Record<string, string[]>).stop_order[0]).toBe('pe-puppet');
    expect((pe.services as Record<string, string[]>).start_order[0]).toBe('pe-puppetserver');
    expect((pe.dirs as Record<string, Record<string, string>>).pgsql).toEqual({
      path: '/opt/puppet/var/lib/pgsql/9.2/data/certs', owner: 'pe-postgres', group: 'pe-postgres', file_mode: '0400',
    });
    expect(pe.internal_certs).toHaveLength(5);
  });

  it('follow an overridden root path through every value derived from it', () => {
    const pe = peFor(target('ssh', { ssldir: '/sandbox/ssl', dirs: { pgsql: { path: '/sandbox/pg' } } }));
    expect(pe.cadir).toBe('/sandbox/ssl/ca');
    expect((pe.dirs as Record<string, Record<string, string>>).ssl.path).toBe('/sandbox/ssl');
    expect((pe.dirs as Record<string, Record<string, string>>).pgsql).toMatchObject({ path: '/sandbox/pg', owner: 'pe-postgres' });
    expect((pe.backup_paths as string[])[0]).toBe('/sandbox/ssl');
    expect((pe.backup_paths as string[])[4]).toBe('/sandbox/pg');
  });

  it('lay the Windows section over the defaults on WinRM targets', () => {
    const pe = peFor(target('winrm'));
    expect(pe.ssldir).toBe('C:\\ProgramData\\PuppetLabs\\puppet\\etc\\ssl');
    expect(pe.catalog_dir).toBe('C:\\ProgramData\\PuppetLabs\\puppet\\var\\client_data\\catalog');
    expect(pe.puppet).toMatch(/puppet\.bat$/);
    expect((pe.services as Record<string, unknown>).agent).toBe('pe-puppet');
  });

  it('refuse overrides that refer to each other in a circle', () => {
    expect(() => peFor(target('ssh', { ssldir: '${pe.cadir}/x' }))).toThrow(/in a circle/);
  });

  it('check the paths plans use', () => {
    expect(checkPePath(['dirs', 'puppetdb', 'owner'])).toBeNull();
    expect(checkPePath(['backup_paths', 0])).toBeNull();
    expect(checkPePath(['dirs', 'puppetdbb'])).toMatch(/pe\.dirs has no key 'puppetdbb'/);
    expect(Object.keys(loadPeDefaults())).toContain('windows');
  });
});
