// Small helpers on plain data (what JSON and YAML parse to), used across the layers.

/** A map as JSON and YAML make them: an object that is not an array, a class instance or null. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Deep merge where `over` wins; maps are merged key by key, lists and everything else replaced. */
export function deepMerge<T extends Record<string, unknown>>(base: T, over: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k] as Record<string, unknown>, v) : v;
  }
  return out as T;
}

/** The names of the parameters declared sensitive (`sensitive: true` or a `Sensitive[...]` type). */
export function sensitiveNames(specs: Record<string, { sensitive?: boolean; type?: string }>): string[] {
  return Object.entries(specs)
    .filter(([, spec]) => spec.sensitive || /^Sensitive\[/.test(spec.type ?? ''))
    .map(([name]) => name);
}

/** A copy of `values` with the value of every key in `secret` replaced by '[redacted]'. */
export function redactKeys<T>(values: Record<string, T>, secret: Iterable<string>): Record<string, T | '[redacted]'> {
  const names = new Set(secret);
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, names.has(k) ? '[redacted]' : v]));
}

/** `text` with every occurrence of each secret replaced by '[redacted]'. */
export function redactText(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  return out;
}
