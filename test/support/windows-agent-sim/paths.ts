// The simulated Windows agent's disks, and the path guards of files/task.ps1 on them.
// The agent is a host built by sim/build-host.sh (POSIX layout under ROOT); Windows paths map:
//   C:\ProgramData\PuppetLabs\puppet\etc  <->  ROOT/etc/puppetlabs/puppet   (confdir, ssldir)
//   C:\ProgramData\PuppetLabs\puppet\var  <->  ROOT/var/opt/lib/pe-puppet   (vardir, client_data)
//   X:\anything else                      <->  ROOT/windows/X/anything/else
// so the fake puppet CLI and the simulated tasks see the same files.
import { existsSync, lstatSync, statfsSync } from 'node:fs';
import path from 'node:path';
import { fail } from './runtime.js';

export const PROGRAMDATA_PUPPETLABS = 'C:\\ProgramData\\PuppetLabs';

const MOUNTS: Array<[string, string]> = [
  [`${PROGRAMDATA_PUPPETLABS}\\puppet\\etc`, 'etc/puppetlabs/puppet'],
  [`${PROGRAMDATA_PUPPETLABS}\\puppet\\var`, 'var/opt/lib/pe-puppet'],
];

export class WindowsDisk {
  constructor(readonly root: string) {}

  /** Where a normalised Windows path lives on this machine. */
  toHost(win: string): string {
    for (const [prefix, posix] of MOUNTS) {
      if (win.toLowerCase() === prefix.toLowerCase()) return path.join(this.root, posix);
      if (win.toLowerCase().startsWith(`${prefix.toLowerCase()}\\`)) {
        return path.join(this.root, posix, ...win.slice(prefix.length + 1).split('\\'));
      }
    }
    return path.join(this.root, 'windows', win[0].toUpperCase(), ...win.slice(3).split('\\').filter(Boolean));
  }

  /** The Windows path of a file on this machine (what the fake puppet prints, mapped back). */
  toWindows(host: string): string {
    for (const [prefix, posix] of MOUNTS) {
      const base = path.join(this.root, posix);
      if (host === base) return prefix;
      if (host.startsWith(`${base}/`)) return `${prefix}\\${host.slice(base.length + 1).split('/').join('\\')}`;
    }
    const drives = path.join(this.root, 'windows');
    if (host.startsWith(`${drives}/`)) {
      const [drive, ...rest] = host.slice(drives.length + 1).split('/');
      return `${drive}:\\${rest.join('\\')}`;
    }
    throw new Error(`the simulated Windows agent has no drive for ${host}`);
  }

  isLink(win: string): boolean {
    try {
      return lstatSync(this.toHost(win)).isSymbolicLink();
    } catch {
      return false;
    }
  }

  /** IO.DriveInfo.AvailableFreeSpace of the drive holding the path. */
  freeBytes(win: string): number {
    let host = this.toHost(win);
    while (!existsSync(host)) host = path.dirname(host);
    const s = statfsSync(host);
    return s.bavail * s.bsize;
  }
}

function guard(param: string, p: string, rule: string, why: string, roots?: string[]): never {
  fail('regen/guard', `refusing ${param} '${p}': ${why}`, { param, path: p, rule, ...(roots ? { allowed_roots: roots } : {}) });
}

/** Get-RegenNormalPath. */
export function normalPath(p: string, param: string): string {
  if (!p || p.trim() === '') guard(param, p, 'empty', 'the path is empty');
  const q = p.replace(/\//g, '\\');
  if (!/^[A-Za-z]:\\/.test(q)) {
    guard(param, p, 'relative', 'the path is not absolute with a drive letter (relative, UNC and device paths are refused)');
  }
  const rest = q.slice(3);
  if (/[\x00-\x1f<>:"|?*]/.test(rest)) {
    guard(param, p, 'bad-character', 'the path holds a character Windows does not allow in a name (control, <>:"|?*)');
  }
  const parts = rest.split('\\').filter((x) => x !== '');
  for (const part of parts) {
    if (part === '.' || part === '..' || part.endsWith('.') || part.endsWith(' ')) {
      guard(param, p, 'dot-component', `the path has a '.', '..' or trailing-dot component (${part})`);
    }
  }
  if (parts.length === 0) guard(param, p, 'root', 'the path is a drive root');
  return `${q[0].toUpperCase()}:\\${parts.join('\\')}`;
}

/** The non-empty strings of a [string[]] parameter, as `@($x | Where-Object { $_ })`. */
export const givenList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : []);

/** Assert-RegenGiven: a required value neither the caller nor the profile gave. */
export function requireGiven(name: string, value: unknown): void {
  const values = Array.isArray(value) ? value : [value];
  if (values.every((v) => v === null || v === undefined || String(v) === '')) {
    fail('regen/bad-param', `parameter ${name} is required and was not given: pass it, or set ${name} in the windows: section of the target's profile`, { param: name });
  }
}

/** Assert-RegenPath: strictly inside an allowed root, no link on the way down (unless leaf). */
export function assertPath(disk: WindowsDisk, p: string, allowedRoots: string[] | null, param: string, leaf = false): string {
  const full = normalPath(p, param);
  const roots = givenList(allowedRoots);
  if (roots.length === 0) guard(param, p, 'no-roots', 'allowed_roots is empty, so nothing may be changed', roots);
  for (const r of roots) {
    const root = normalPath(r, 'allowed_roots');
    if (!full.toLowerCase().startsWith(`${root.toLowerCase()}\\`)) continue;
    let walk = root;
    for (const part of full.slice(root.length + 1).split('\\')) {
      walk = `${walk}\\${part}`;
      if (leaf && walk === full) break;
      if (disk.isLink(walk)) {
        guard(param, p, 'link', `${walk} is a link (junction or symbolic link); regen does not follow links`, roots);
      }
    }
    return full;
  }
  guard(param, p, 'outside-roots', `it is not inside any allowed root (the roots themselves are never touched); allowed: ${roots.join(' ')}`, roots);
}

export function within(child: string, parent: string): boolean {
  return child.toLowerCase() === parent.toLowerCase() || child.toLowerCase().startsWith(`${parent.toLowerCase()}\\`);
}
