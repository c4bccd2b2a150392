// The rerun file (Bolt's .rerun.json): which targets succeeded or failed last time, so
// `--rerun failure` runs exactly the failed ones again.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TargetResult } from './results.js';

export type RerunFilter = 'failure' | 'success' | 'all';

export interface RerunRecord {
  command: string;
  finished_at: string;
  targets: Array<{ name: string; status: 'success' | 'failure' }>;
}

/** Records a task run: a target fails overall if any of its results failed. */
export function recordRun(file: string, command: string, results: TargetResult[]): void {
  const status = new Map<string, 'success' | 'failure'>();
  for (const r of results) {
    if (r.status === 'failure') status.set(r.target, 'failure');
    else if (!status.has(r.target)) status.set(r.target, 'success');
  }
  recordRunOutcomes(file, command, [...status].map(([target, s]) => ({ target, status: s })));
}

/** Records each target's overall outcome of a run. */
export function recordRunOutcomes(file: string, command: string, outcomes: Array<{ target: string; status: 'success' | 'failure' }>): void {
  const record: RerunRecord = {
    command,
    finished_at: new Date().toISOString(),
    targets: outcomes.map((o) => ({ name: o.target, status: o.status })),
  };
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

export function targetsToRerun(file: string, filter: RerunFilter): string[] {
  if (!existsSync(file)) {
    throw new Error(`--rerun needs the record of a previous run, and ${file} does not exist yet; run with -t first`);
  }
  const record = JSON.parse(readFileSync(file, 'utf8')) as RerunRecord;
  const names = record.targets.filter((t) => filter === 'all' || t.status === filter).map((t) => t.name);
  if (names.length === 0) throw new Error(`--rerun ${filter}: the last run (${record.command}) had no ${filter === 'all' ? '' : `${filter} `}targets`);
  return names;
}
