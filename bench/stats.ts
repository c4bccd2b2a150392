// Small helpers the bench scripts share: quantiles and whole-number command-line options.

export function quantile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** `--name N` or `--name=N` among `argv`: a whole number >= 1; exits 2 on anything else. */
export function parseCount(argv: string[], name: string, fallback: number): number {
  const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return fallback;
  const raw = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`${name} wants a whole number, 1 or more (got ${raw})\n`);
    process.exit(2);
  }
  return n;
}
