// Inventory problems are collected, not thrown one by one: an admin fixing a broken inventory
// mid-incident should see every mistake in one go, each with file:line:col and the key path.
import { ValidationError } from '../errors/index.js';
import { editDistance } from '../util/text.js';

/** Where something was written: a file (inventory or @spec file), line and column (1-based). */
export interface Loc {
  file: string;
  line?: number;
  col?: number;
}

export interface Issue extends Loc {
  /** Key path inside the inventory, e.g. `groups[0].targets[1].config.ssh.port`. */
  path?: string;
  message: string;
}

export function formatIssue(issue: Issue): string {
  let where = issue.file;
  if (issue.line !== undefined) where += `:${issue.line}`;
  if (issue.line !== undefined && issue.col !== undefined) where += `:${issue.col}`;
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Every problem found while loading an inventory or resolving a target spec. */
export class InventoryError extends ValidationError {
  readonly issues: readonly Issue[];

  constructor(issues: Issue[]) {
    const lines = issues.map(formatIssue);
    const head = issues.length > 1 ? `${issues.length} inventory errors:\n  ` : '';
    super(head + lines.join('\n  '));
    this.name = 'InventoryError';
    this.issues = issues;
  }
}

/** Collects issues; `throwIfAny` raises them together. */
export class Issues {
  readonly list: Issue[] = [];

  add(loc: Loc, path: string | undefined, message: string): void {
    const key = `${loc.file}:${loc.line}:${loc.col}:${path}:${message}`;
    if (this.list.some((i) => `${i.file}:${i.line}:${i.col}:${i.path}:${i.message}` === key)) return;
    this.list.push({ ...loc, path, message });
  }

  throwIfAny(): void {
    if (this.list.length > 0) throw new InventoryError(this.list);
  }
}

/** How a value is shown in an error message: strings quoted, the rest as JSON. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

/** Candidates close to `word` (typos, case, prefixes), closest first, at most `max`. */
export function nearMatches(word: string, candidates: Iterable<string>, max = 5): string[] {
  const w = word.toLowerCase();
  const scored: Array<[number, string]> = [];
  for (const c of new Set(candidates)) {
    const lc = c.toLowerCase();
    const d = editDistance(w, lc);
    const close = d <= Math.max(2, Math.floor(w.length / 3));
    if (close || (w.length >= 3 && lc.length >= 3 && (lc.includes(w) || w.includes(lc)))) scored.push([close ? d : 99, c]);
  }
  return scored
    .sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]))
    .slice(0, max)
    .map(([, c]) => c);
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const near = nearMatches(word, candidates, 3);
  return near.length ? ` (did you mean ${near.map((n) => `'${n}'`).join(' or ')}?)` : '';
}
