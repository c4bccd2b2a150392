// The effects of backup.ps1, restore.ps1, clear_dir.ps1 and remove_file.ps1 on a simulated
// Windows agent's disk, step for step as the scripts take them (tree walks that never follow
// links, the manifest format of files/fs.ps1, the same checks and results). ACLs are modelled
// from the POSIX mode: SYSTEM and Administrators always have full control, and BUILTIN\Users
// may read when the file is group/other-readable.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assertPath, normalPath, requireGiven, within } from './paths.js';
import { requireElevated, type TaskContext } from './puppet-tasks.js';
import { fail, result } from './runtime.js';

const FORMAT = '# regen backup manifest v1 windows';
const COLUMNS = '# columns\tpath\ttype\towner\tsize\tsha256\tsddl';
const PRIVATE_SDDL = 'O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)';

interface Entry {
  path: string;
  type: 'd' | 'f' | 'l';
  owner?: string;
  size?: string;
  sha256?: string;
  sddl?: string;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Get-RegenTree: the entry and everything under it, links listed and never entered. */
function tree(ctx: TaskContext, top: string): Entry[] {
  const out: Entry[] = [];
  const walk = (win: string) => {
    const st = lstatSync(ctx.agent.disk.toHost(win));
    const type = st.isSymbolicLink() ? 'l' : st.isDirectory() ? 'd' : 'f';
    out.push({ path: win, type });
    if (type === 'd') for (const child of readdirSync(ctx.agent.disk.toHost(win))) walk(`${win}\\${child}`);
  };
  walk(top);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function exists(ctx: TaskContext, win: string): boolean {
  try {
    lstatSync(ctx.agent.disk.toHost(win));
    return true;
  } catch {
    return false;
  }
}

/** Get-RegenEntryFacts: owner, SDDL (from the mode), size and SHA-256. */
function withFacts(ctx: TaskContext, e: Entry): Entry {
  const host = ctx.agent.disk.toHost(e.path);
  const mode = statSync(host).mode;
  const sddl = `O:BAG:SYD:PAI(A;;FA;;;SY)(A;;FA;;;BA)${mode & 0o044 ? '(A;;FR;;;BU)' : ''}`;
  const file = e.type === 'f';
  return { ...e, owner: 'BUILTIN\\Administrators', sddl, size: file ? String(statSync(host).size) : '-', sha256: file ? sha256(host) : '-' };
}

/** Set-RegenAcl on the model: Users' read right becomes the group/other read bits. */
function applySddl(ctx: TaskContext, e: Entry): void {
  const dir = e.type === 'd';
  const usersRead = /\(A;[^;]*;FR;;;BU\)/.test(e.sddl ?? '');
  chmodSync(ctx.agent.disk.toHost(e.path), (dir ? 0o700 : 0o600) | (usersRead ? (dir ? 0o055 : 0o044) : 0));
}

const line = (e: Entry) => [e.path, e.type, e.owner, e.size, e.sha256, e.sddl].join('\t');
const copyOf = (archive: string, p: string) => `${archive}\\${p[0]}${p.slice(2)}`;

function readManifest(ctx: TaskContext, manifest: string): { paths: string[]; entries: Entry[] } {
  const lines = readFileSync(ctx.agent.disk.toHost(manifest), 'utf8').split(/\r?\n/);
  if (lines.length < 2 || lines[0] !== FORMAT) {
    fail('regen/bad-param', `${manifest} is not a Windows regen backup manifest (its first line is not '${FORMAT}')`, { manifest });
  }
  const paths: string[] = [];
  const entries: Entry[] = [];
  for (const l of lines) {
    const top = /^# path\t(.+)$/.exec(l);
    if (top) paths.push(normalPath(top[1], 'path in manifest'));
    if (l === '' || l.startsWith('#')) continue;
    const f = l.split('\t');
    if (f.length !== 6 || !['d', 'f'].includes(f[1])) fail('regen/verify-failed', `${manifest} has a malformed line: ${l}`, { manifest });
    const full = normalPath(f[0], 'path in manifest');
    if (!paths.some((t) => within(full, t))) {
      fail('regen/verify-failed', `the manifest ${manifest} lists ${full}, which is outside its backed-up paths`, { manifest, path: full });
    }
    entries.push({ path: full, type: f[1] as 'd' | 'f', owner: f[2], size: f[3], sha256: f[4], sddl: f[5] });
  }
  return { paths, entries };
}

function testArchive(ctx: TaskContext, archive: string, entries: Entry[]): string[] {
  const problems: string[] = [];
  for (const e of entries) {
    const copy = ctx.agent.disk.toHost(copyOf(archive, e.path));
    if (e.type === 'd') {
      if (!exists(ctx, copyOf(archive, e.path))) problems.push(`missing directory: ${e.path}`);
    } else if (!exists(ctx, copyOf(archive, e.path))) problems.push(`missing: ${e.path}`);
    else if (sha256(copy) !== e.sha256) problems.push(`checksum differs: ${e.path}`);
  }
  return problems;
}

/** Remove-RegenTreeContents: links removed as links, never followed. */
function removeContents(ctx: TaskContext, win: string): void {
  for (const child of readdirSync(ctx.agent.disk.toHost(win))) rmSync(path.join(ctx.agent.disk.toHost(win), child), { recursive: true, force: true });
}

export async function backup(ctx: TaskContext): Promise<void> {
  const { agent } = ctx;
  requireElevated(ctx, 'backup');
  const paths = (ctx.p.paths as string[] | null) ?? [];
  if (paths.length === 0) fail('regen/bad-param', 'paths is empty: give the directories or files to back up');
  const label = String(ctx.p.label);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(label)) {
    fail('regen/bad-param', `label '${label}' is not a valid label (expected ^[a-z0-9][a-z0-9._-]*$)`, { param: 'label', value: label });
  }
  requireGiven('backup_dir', ctx.p.backup_dir);
  const bdir = normalPath(String(ctx.p.backup_dir), 'backup_dir');
  const tops: string[] = [];
  for (const p of paths) {
    const full = normalPath(p, 'paths');
    if (!exists(ctx, full)) fail('regen/not-found', `${p} does not exist on this host; nothing to back up there`, { path: p });
    for (const q of tops) if (within(full, q) || within(q, full)) fail('regen/bad-param', `${full} and ${q} overlap; list each tree once in paths`, { paths });
    if (within(bdir, full)) fail('regen/bad-param', `backup_dir ${bdir} is inside ${full}, which is being backed up; choose another backup_dir`, { backup_dir: bdir });
    tops.push(full);
  }
  const entries = tops.flatMap((t) => tree(ctx, t));
  const links = entries.filter((e) => e.type === 'l').map((e) => e.path);
  if (links.length > 0) fail('regen/bad-param', `the backed-up paths hold links (${links.join(', ')}), which regen does not follow; remove or back them up by hand`, { links });
  const dataBytes = entries.filter((e) => e.type === 'f').reduce((n, e) => n + statSync(agent.disk.toHost(e.path)).size, 0);
  const needBytes = dataBytes + 4096 * entries.length + 1048576;
  const freeBytes = agent.disk.freeBytes(bdir);
  const stem = `regen-${label}-${agent.hostname.toLowerCase().replace(/[^a-z0-9.-]/g, '_')}-${new Date().toISOString().replace(/[-:]|\.\d{3}/g, '')}`;
  let base = stem;
  for (let n = 2; exists(ctx, `${bdir}\\${base}`) || exists(ctx, `${bdir}\\${base}.manifest.tsv`); n++) base = `${stem}-${n}`;
  const archive = `${bdir}\\${base}`;
  const manifest = `${archive}.manifest.tsv`;
  const out = { archive, manifest, paths: tops, files: entries.length, data_bytes: dataBytes, need_bytes: needBytes, free_bytes: freeBytes, format: 'directory' };
  if (freeBytes < needBytes) {
    fail('regen/disk-full', `not enough free space for the backup in ${bdir}: ${freeBytes} bytes free, ${needBytes} needed; free some space or choose another backup_dir`, { backup_dir: bdir, free_bytes: freeBytes, need_bytes: needBytes });
  }
  if (ctx.noop) result({ ...out, noop: true });

  const lines = [FORMAT, `# created\t${new Date().toISOString().replace(/\.\d{3}Z$/, 'Z')}`, `# host\t${agent.hostname.toUpperCase()}`, `# archive\t${base}`];
  lines.push(...tops.map((t) => `# path\t${t}`), COLUMNS);
  mkdirSync(agent.disk.toHost(archive), { recursive: true });
  applySddl(ctx, { path: archive, type: 'd', sddl: PRIVATE_SDDL });
  for (const raw of entries) {
    const e = withFacts(ctx, raw);
    const copy = agent.disk.toHost(copyOf(archive, e.path));
    if (e.type === 'd') mkdirSync(copy, { recursive: true });
    else {
      mkdirSync(path.dirname(copy), { recursive: true });
      copyFileSync(agent.disk.toHost(e.path), copy);
    }
    lines.push(line(e));
  }
  writeFileSync(agent.disk.toHost(manifest), `${lines.join('\r\n')}\r\n`);
  const problems = testArchive(ctx, archive, readManifest(ctx, manifest).entries);
  if (problems.length > 0) {
    rmSync(agent.disk.toHost(archive), { recursive: true, force: true });
    rmSync(agent.disk.toHost(manifest), { force: true });
    fail('regen/verify-failed', 'the copy does not match the files it was made from; it was removed. Were files changing during the backup?', { differences: problems });
  }
  result({ ...out, verified: true, owners_verified: true });
}

export async function restore(ctx: TaskContext): Promise<void> {
  requireElevated(ctx, 'restore');
  const archive = normalPath(String(ctx.p.archive), 'archive');
  const manifest = normalPath(String(ctx.p.manifest) || `${archive}.manifest.tsv`, 'manifest');
  if (!exists(ctx, archive)) fail('regen/not-found', `archive ${archive} does not exist`, { archive });
  if (!exists(ctx, manifest)) fail('regen/not-found', `manifest ${manifest} does not exist; pass the manifest parameter`, { manifest });
  const m = readManifest(ctx, manifest);
  if (m.paths.length === 0) fail('regen/bad-param', `the manifest ${manifest} names no backed-up path`, { manifest });
  const roots = ctx.p.allowed_roots as string[] | null;
  for (const t of m.paths) assertPath(ctx.agent.disk, t, roots, 'path in manifest');
  const problems = testArchive(ctx, archive, m.entries);
  if (problems.length > 0) fail('regen/verify-failed', `the archive ${archive} does not match its manifest; nothing was changed`, { differences: problems });

  const want = new Map(m.entries.map((e) => [e.path.toLowerCase(), e]));
  const remove: string[] = [];
  const have = new Map<string, string>();
  for (const t of m.paths) {
    if (!exists(ctx, t)) continue;
    for (const cur of tree(ctx, t)) {
      const w = want.get(cur.path.toLowerCase());
      if (!w || w.type !== cur.type) {
        if (!remove.some((r) => cur.path.toLowerCase().startsWith(`${r.toLowerCase()}\\`))) remove.push(cur.path);
        continue;
      }
      have.set(cur.path.toLowerCase(), line(withFacts(ctx, cur)));
    }
  }
  const write = m.entries.filter((e) => have.get(e.path.toLowerCase()) !== line(e)).map((e) => e.path);
  const out = { archive, manifest, paths: m.paths, files: m.entries.length, removed: remove, restored: write };
  if (ctx.noop) result({ ...out, noop: true });

  for (const p of remove) rmSync(ctx.agent.disk.toHost(p), { recursive: true, force: true });
  const rewrite = new Set(write.map((p) => p.toLowerCase()));
  for (const e of m.entries.filter((x) => rewrite.has(x.path.toLowerCase()))) {
    const host = ctx.agent.disk.toHost(e.path);
    if (e.type === 'd') mkdirSync(host, { recursive: true });
    else copyFileSync(ctx.agent.disk.toHost(copyOf(archive, e.path)), host);
  }
  for (const e of [...m.entries].sort((a, b) => b.path.length - a.path.length)) if (rewrite.has(e.path.toLowerCase())) applySddl(ctx, e);

  const after = new Map<string, Entry>();
  for (const t of m.paths) if (exists(ctx, t)) for (const cur of tree(ctx, t)) after.set(cur.path.toLowerCase(), cur);
  const differences: string[] = [];
  for (const e of m.entries) {
    const cur = after.get(e.path.toLowerCase());
    if (!cur || line(withFacts(ctx, cur)) !== line(e)) differences.push(`- ${e.path}`);
    after.delete(e.path.toLowerCase());
  }
  for (const cur of after.values()) differences.push(`+ ${cur.path}`);
  if (differences.length > 0) {
    fail('regen/verify-failed', 'after the restore the files still differ from the manifest; the archive is intact, run restore again', { differences: differences.slice(0, 20) });
  }
  result({ ...out, verified: true, acl_warnings: [] });
}

export async function clearDir(ctx: TaskContext): Promise<void> {
  requireElevated(ctx, 'clear_dir');
  const dir = assertPath(ctx.agent.disk, String(ctx.p.path), ctx.p.allowed_roots as string[] | null, 'path');
  if (!exists(ctx, dir) || !statSync(ctx.agent.disk.toHost(dir)).isDirectory()) {
    fail('regen/not-a-directory', `${dir} is not a directory (or does not exist); nothing was removed`, { path: dir });
  }
  const listing = tree(ctx, dir).filter((e) => e.path !== dir).map((e) => e.path);
  const out = { path: dir, removed: listing, count: listing.length };
  if (ctx.noop) result({ ...out, noop: true });
  removeContents(ctx, dir);
  result(out);
}

export async function removeFile(ctx: TaskContext): Promise<void> {
  requireElevated(ctx, 'remove_file');
  const target = assertPath(ctx.agent.disk, String(ctx.p.path), ctx.p.allowed_roots as string[] | null, 'path', true);
  let type = 'absent';
  let listing: string[] = [];
  if (ctx.agent.disk.isLink(target)) [type, listing] = ['symlink', [target]];
  else if (exists(ctx, target) && statSync(ctx.agent.disk.toHost(target)).isDirectory()) {
    type = 'directory';
    if (ctx.p.recursive !== true) fail('regen/is-a-directory', `${target} is a directory; pass recursive=true to remove it and everything in it`, { path: target });
    listing = tree(ctx, target).map((e) => e.path).reverse();
  } else if (exists(ctx, target)) [type, listing] = ['file', [target]];
  const present = type !== 'absent';
  const out = { path: target, type, removed: present, paths: listing, ...(ctx.noop ? { noop: true } : {}) };
  if (ctx.noop || !present) result(out);
  rmSync(ctx.agent.disk.toHost(target), { recursive: true, force: true });
  result(out);
}
