import { describe, expect, it } from 'vitest';
import type { Target } from '../inventory/types.js';
import { checkProfilePath, loadProfile, profileFor, profileNames } from './profile.js';

function target(transport: 'ssh' | 'winrm', overrides?: Record<string, unknown>, vars: Record<string, unknown> = {}): Target {
  return {
    name: 't', host: 't', alias: [], groups: [], facts: {}, vars: overrides ? { ...vars, profile_overrides: overrides } : vars,
    config: { transport, ssh: {}, winrm: {}, local: {} },
  };
}

describe('the pe37 profile', () => {
  it('hold the procedure’s paths, owners and service orders', () => {
    const pe = profileFor(undefined);
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
    const pe = profileFor(target('ssh', { ssldir: '/sandbox/ssl', dirs: { pgsql: { path: '/sandbox/pg' } } }));
    expect(pe.cadir).toBe('/sandbox/ssl/ca');
    expect((pe.dirs as Record<string, Record<string, string>>).ssl.path).toBe('/sandbox/ssl');
    expect((pe.dirs as Record<string, Record<string, string>>).pgsql).toMatchObject({ path: '/sandbox/pg', owner: 'pe-postgres' });
    expect((pe.backup_paths as string[])[0]).toBe('/sandbox/ssl');
    expect((pe.backup_paths as string[])[4]).toBe('/sandbox/pg');
  });

  it('lay the Windows section over the defaults on WinRM targets', () => {
    const pe = profileFor(target('winrm'));
    expect(pe.ssldir).toBe('C:\\ProgramData\\PuppetLabs\\puppet\\etc\\ssl');
    expect(pe.catalog_dir).toBe('C:\\ProgramData\\PuppetLabs\\puppet\\var\\client_data\\catalog');
    expect(pe.puppet).toMatch(/puppet\.bat$/);
    expect((pe.services as Record<string, unknown>).agent).toBe('pe-puppet');
  });

  it('refuse overrides that refer to each other in a circle', () => {
    expect(() => profileFor(target('ssh', { ssldir: '${profile.cadir}/x' }))).toThrow(/in a circle/);
  });

  it('check the paths plans use', () => {
    expect(checkProfilePath(['dirs', 'puppetdb', 'owner'])).toBeNull();
    expect(checkProfilePath(['backup_paths', 0])).toBeNull();
    expect(checkProfilePath(['dirs', 'puppetdbb'])).toMatch(/profile\.dirs has no key 'puppetdbb' in profiles\/pe37\.yaml/);
    expect(Object.keys(loadProfile('pe37'))).toContain('windows');
  });

  it('is chosen per target by the var profile, and an unknown name or the old var pe is refused with what to do', () => {
    expect(profileNames()).toContain('pe37');
    expect(profileFor(target('ssh', undefined, { profile: 'pe37' })).puppet).toBe('/opt/puppet/bin/puppet');
    expect(() => profileFor(target('ssh', undefined, { profile: 'pe99' }))).toThrow(/there is no profile 'pe99' \(profiles: .*pe37/);
    expect(() => profileFor(target('ssh', undefined, { pe: { backup_dir: '/x' } }))).toThrow(/'pe' is now 'profile_overrides'/);
    expect(() => profileFor(target('ssh', undefined, { profile: { backup_dir: '/x' } }))).toThrow(/must be a profile name/);
  });
});

describe('the puppet7 profile and its layouts', () => {
  it('is the Debian packages’ layout by default, and the all-in-one layout as puppet7/aio', () => {
    expect(profileNames()).toEqual(expect.arrayContaining(['pe37', 'puppet7', 'puppet7/aio']));
    const debian = profileFor(target('ssh', undefined, { profile: 'puppet7' }));
    expect(debian).toMatchObject({ name: 'puppet7', puppet: '/usr/bin/puppet', cadir: '/etc/puppet/puppetserver/ca',
      ssldir: '/var/lib/puppet/ssl', catalog_dir: '/var/cache/puppet/client_data/catalog', ca: { cli: 'puppetserver-ca', bin: '/usr/bin/puppetserver' } });
    expect(debian.backup_paths).toEqual(['/etc/puppet/puppetserver/ca', '/var/lib/puppet/ssl']);
    const aio = profileFor(target('ssh', undefined, { profile: 'puppet7/aio' }));
    expect(aio).toMatchObject({ name: 'puppet7', puppet: '/opt/puppetlabs/bin/puppet', cadir: '/etc/puppetlabs/puppetserver/ca',
      catalog_dir: '/opt/puppetlabs/puppet/cache/client_data/catalog', ca: { bin: '/opt/puppetlabs/bin/puppetserver' } });
    expect(aio.backup_paths).toEqual(['/etc/puppetlabs/puppetserver/ca', '/etc/puppetlabs/puppet/ssl']);
    // An override still wins over the layout.
    expect(profileFor(target('ssh', { cadir: '/srv/ca' }, { profile: 'puppet7/aio' })).backup_paths).toEqual(['/srv/ca', '/etc/puppetlabs/puppet/ssl']);
  });

  it('refuses a layout the file does not have, listing the names there are', () => {
    expect(() => profileFor(target('ssh', undefined, { profile: 'puppet7/rpm' }))).toThrow(/no profile 'puppet7\/rpm' \(profiles: pe37, puppet7, puppet7\/aio\)/);
    expect(() => profileFor(target('ssh', undefined, { profile: 'pe37/aio' }))).toThrow(/no profile 'pe37\/aio'/);
  });
});
