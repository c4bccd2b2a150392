// Small helpers on text, used by the CLI's output and the did-you-mean suggestions.

/** Every line of `text` indented by `by` (two spaces). */
export function indent(text: string, by = '  '): string {
  return text.split('\n').map((l) => `${by}${l}`).join('\n');
}

/** Levenshtein distance: how many single-character edits turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

/** Rows under a heading as aligned columns (two spaces apart; the last column is not padded). */
export function table(heading: string[], rows: string[][]): string[] {
  const widths = heading.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(heading), ...rows.map(line)];
}

/** The first line of TEXT, cut to MAX characters with an ellipsis. */
export function clip(text: string, max: number): string {
  const first = text.split('\n')[0];
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}
