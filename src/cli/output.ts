// Printing results: one JSON document for machines, a readable summary for people.
import type { TargetResult } from '../runner/results.js';
import { isPlainObject } from '../util/objects.js';
import { indent } from '../util/text.js';

export type Format = 'human' | 'json';

export interface RunSummary {
  items: TargetResult[];
  target_count: number;
  elapsed_ms: number;
  /** Bolt's field: whole seconds, truncated as Bolt's Integer(elapsed) does. */
  elapsed_time?: number;
  log_dir?: string;
}

/** This command's warnings (Bolt inventory options regen ignores), once an inventory was loaded. */
let warnings: string[] | undefined;

/** Shows warnings on stderr in human mode; in JSON mode they go in the document's `warnings`. */
export function noteWarnings(list: readonly string[], format: Format): void {
  warnings = [...(warnings ?? []), ...list];
  if (format === 'human') for (const w of list) process.stderr.write(`Warning: ${w}\n`);
}

/** The run summary with Bolt's `elapsed_time` beside regen's `elapsed_ms`. */
export function withElapsedTime(summary: RunSummary): RunSummary {
  return { ...summary, elapsed_time: Math.floor(summary.elapsed_ms / 1000) };
}

export function printJson(document: unknown): void {
  const doc = warnings && isPlainObject(document) ? { ...document, warnings } : document;
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

/** Bolt-style ending: each target's value, then who succeeded and who failed, and where the log is. */
export function printHumanResults(summary: RunSummary, out: NodeJS.WritableStream = process.stdout): void {
  for (const item of summary.items) {
    const mark = item.status === 'success' ? 'Finished on' : item.status === 'skipped' ? 'Skipped on' : 'Failed on';
    out.write(`${mark} ${item.target}:\n`);
    const value = item.value._error ? { _error: item.value._error } : item.value;
    out.write(`${indent(JSON.stringify(value, null, 2))}\n`);
  }
  const ok = summary.items.filter((i) => i.status === 'success').map((i) => i.target);
  const failed = summary.items.filter((i) => i.status === 'failure').map((i) => i.target);
  if (ok.length > 0) out.write(`Successful on ${count(ok.length)}: ${unique(ok).join(',')}\n`);
  if (failed.length > 0) {
    out.write(`Failed on ${count(failed.length)}: ${unique(failed).join(',')}\n`);
    out.write('Re-run just the failed targets with: --rerun failure\n');
  }
  out.write(`Ran on ${count(summary.target_count)} in ${(summary.elapsed_ms / 1000).toFixed(2)} sec\n`);
  if (summary.log_dir) out.write(`Log: ${summary.log_dir}\n`);
}

function count(n: number): string {
  return `${n} target${n === 1 ? '' : 's'}`;
}

function unique(names: string[]): string[] {
  return [...new Set(names)];
}

