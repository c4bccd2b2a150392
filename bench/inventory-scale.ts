// npm run build && npm run bench:inventory [-- --targets N] [--runs R]
//
// How long loading a large inventory takes and how much memory it needs. It writes a Bolt inventory v2
// of N targets (default 10,000) shaped like a big site: 5 regions > 4 datacenters > 5 roles, 100 targets
// per role group, each a map with a URI, an alias, vars and facts, every level with its own vars and
// config, and two patch-window groups listing every target again by name (so each target sits in two
// branches and precedence has work to do). Each run is a fresh node process that loads the file, resolves
// `all` (every target's config, vars and facts merged) and one group, and reports its time and peak RSS
// (getrusage maxrss, what `/usr/bin/time -v` calls "Maximum resident set size"). Prints the medians
// against the goal (< 2 s, < 300 MB); exit 1 when over.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { loadInventory } from '../src/inventory/index.js';
import { median, parseCount } from './stats.js';

const GOAL_MS = 2000;
const GOAL_MB = 300;
const argv = process.argv.slice(2);

interface Sample { load_ms: number; resolve_ms: number; total_ms: number; peak_rss_mb: number; targets: number }

/** The inventory as data: N targets under regions, datacenters and roles, plus two patch windows. */
export function siteInventory(count: number): Record<string, unknown> {
  const perRole = 100;
  const roles = ['compile', 'web', 'db', 'cache', 'batch'];
  const names: string[] = [];
  const regions = [];
  for (let r = 0; names.length < count; r++) {
    const dcs = [];
    for (let d = 0; d < 4 && names.length < count; d++) {
      const roleGroups = [];
      for (const role of roles) {
        if (names.length >= count) break;
        const targets = [];
        for (let i = 0; i < perRole && names.length < count; i++) {
          const name = `${role}${i}.dc${d}.r${r}.example.com`;
          names.push(name);
          targets.push({
            name,
            uri: `ssh://10.${r}.${d * 16 + roles.indexOf(role)}.${i + 1}:22`,
            alias: [`${role}-${r}-${d}-${i}`],
            vars: { rack: `r${r}d${d}k${i % 10}`, profile_overrides: { backup_dir: `/var/backups/${role}` } },
            facts: { role, index: i },
            ...(i % 10 === 0 ? { config: { ssh: { 'connect-timeout': 20 } } } : {}),
          });
        }
        roleGroups.push({ name: `r${r}_dc${d}_${role}`, vars: { role }, config: { ssh: { user: role === 'db' ? 'postgres' : 'root' } }, targets });
      }
      dcs.push({ name: `r${r}_dc${d}`, vars: { datacenter: `dc${d}` }, facts: { dc: d }, groups: roleGroups });
    }
    regions.push({ name: `region${r}`, vars: { region: `r${r}`, ntp: [`ntp${r}.example.com`] }, config: { ssh: { port: 22 } }, groups: dcs });
  }
  const half = Math.ceil(names.length / 2);
  return {
    version: 2,
    config: { transport: 'ssh', ssh: { user: 'root', 'host-key-check': true, 'connect-timeout': 10 } },
    vars: { site: 'bench' },
    groups: [
      { name: 'regions', groups: regions },
      { name: 'patch_a', vars: { window: 'sat' }, targets: names.slice(0, half) },
      { name: 'patch_b', vars: { window: 'sun' }, targets: names.slice(half) },
    ],
  };
}

async function child(file: string): Promise<void> {
  const t0 = performance.now();
  const inventory = await loadInventory(file);
  const t1 = performance.now();
  const all = inventory.resolve('all');
  inventory.resolve('r0_dc0_web');
  const t2 = performance.now();
  const sample: Sample = {
    load_ms: t1 - t0, resolve_ms: t2 - t1, total_ms: t2 - t0,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024, targets: all.length,
  };
  process.stdout.write(JSON.stringify(sample));
}

function parent(): number {
  const count = parseCount(argv, '--targets', 10_000);
  const runs = parseCount(argv, '--runs', 3);
  const dir = mkdtempSync(path.join(tmpdir(), 'regen-bench-inventory-'));
  try {
    const file = path.join(dir, 'inventory.yaml');
    const text = stringify(siteInventory(count));
    writeFileSync(file, text);
    const samples: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', file], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (r.status !== 0) throw new Error(`the measuring process exited ${r.status}: ${r.stderr}`);
      samples.push(JSON.parse(r.stdout) as Sample);
    }
    if (samples[0].targets !== count) throw new Error(`resolved ${samples[0].targets} targets, not ${count}`);
    const m = (k: keyof Sample) => median(samples.map((s) => s[k]));
    const okTime = m('total_ms') < GOAL_MS;
    const okMem = m('peak_rss_mb') < GOAL_MB;
    process.stdout.write([
      `regen bench: inventory of ${count} targets (${(text.length / 1e6).toFixed(1)} MB of YAML, ${text.split('\n').length} lines), median of ${runs} fresh processes (node ${process.version})`,
      `  load (parse + check)          ${m('load_ms').toFixed(0).padStart(6)} ms`,
      `  resolve all + one group       ${m('resolve_ms').toFixed(0).padStart(6)} ms`,
      `  total                         ${m('total_ms').toFixed(0).padStart(6)} ms   (goal < ${GOAL_MS} ms: ${okTime ? 'met' : 'NOT MET'})`,
      `  peak RSS                      ${m('peak_rss_mb').toFixed(0).padStart(6)} MB   (goal < ${GOAL_MB} MB: ${okMem ? 'met' : 'NOT MET'})`,
      '',
    ].join('\n'));
    return okTime && okMem ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const at = argv.indexOf('--child');
if (at >= 0) await child(argv[at + 1]);
else process.exitCode = parent();
