// Puppet data type strings, as task metadata and plans declare them: parse once, then check values.
// Supported: Any, Data, Undef, NotUndef, String, Integer, Float, Numeric, Boolean, Array, Hash, Optional,
// Enum, Pattern, Variant, Tuple, Sensitive, with Puppet's bracket parameters (e.g. String[1], Integer[1,65535]).
import { isPlainObject } from '../util/objects.js';

export type PuppetType =
  | { kind: 'Any' | 'Data' | 'Undef' | 'Boolean' }
  | { kind: 'NotUndef' | 'Optional' | 'Sensitive'; of: PuppetType }
  | { kind: 'String'; min: number; max: number }
  | { kind: 'Integer' | 'Float' | 'Numeric'; min: number; max: number }
  | { kind: 'Array'; of: PuppetType; min: number; max: number }
  | { kind: 'Hash'; key: PuppetType; value: PuppetType }
  | { kind: 'Tuple'; items: PuppetType[] }
  | { kind: 'Enum'; values: string[] }
  | { kind: 'Pattern'; patterns: RegExp[] }
  | { kind: 'Variant'; of: PuppetType[] };

type Arg = PuppetType | string | number | RegExp | 'default';

const ANY: PuppetType = { kind: 'Any' };

export class PuppetTypeError extends Error {}

/** Parses a Puppet type string, throwing PuppetTypeError with the position of the problem. */
export function parsePuppetType(source: string): PuppetType {
  const parser = new TypeParser(source);
  const type = parser.type();
  parser.end();
  return type;
}

class TypeParser {
  private pos = 0;
  constructor(private readonly src: string) {}

  type(): PuppetType {
    const name = this.word();
    const args = this.peek('[') ? this.args() : [];
    return build(name, args, this);
  }

  end(): void {
    this.skipSpace();
    if (this.pos < this.src.length) this.fail(`unexpected '${this.src.slice(this.pos)}'`);
  }

  fail(message: string): never {
    throw new PuppetTypeError(`invalid type '${this.src}': ${message} (at character ${this.pos + 1})`);
  }

  private args(): Arg[] {
    this.expect('[');
    const args: Arg[] = [];
    while (!this.peek(']')) {
      args.push(this.arg());
      if (!this.peek(']')) this.expect(',');
    }
    this.expect(']');
    return args;
  }

  private arg(): Arg {
    this.skipSpace();
    const c = this.src[this.pos];
    if (c === "'" || c === '"') return this.quoted(c);
    if (c === '/') return this.regex();
    if (c !== undefined && /[-0-9]/.test(c)) return this.number();
    if (this.src.startsWith('default', this.pos)) {
      this.pos += 'default'.length;
      return 'default';
    }
    if (c !== undefined && /[A-Z]/.test(c)) return this.type();
    return this.word(/[a-z0-9_]/i);
  }

  private word(chars = /[A-Za-z]/): string {
    this.skipSpace();
    const start = this.pos;
    while (this.pos < this.src.length && chars.test(this.src[this.pos])) this.pos++;
    if (start === this.pos) this.fail('expected a type name');
    return this.src.slice(start, this.pos);
  }

  private quoted(quote: string): string {
    const end = this.src.indexOf(quote, this.pos + 1);
    if (end < 0) this.fail('unterminated string');
    const value = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    return value;
  }

  private regex(): RegExp {
    let end = this.pos + 1;
    while (end < this.src.length && this.src[end] !== '/') end += this.src[end] === '\\' ? 2 : 1;
    if (end >= this.src.length) this.fail('unterminated regular expression');
    const body = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    try {
      return new RegExp(body);
    } catch (e) {
      return this.fail(`bad regular expression /${body}/: ${(e as Error).message}`);
    }
  }

  private number(): number {
    const match = /^-?\d+(\.\d+)?/.exec(this.src.slice(this.pos));
    if (!match) this.fail('expected a number');
    this.pos += match[0].length;
    return Number(match[0]);
  }

  peek(token: string): boolean {
    this.skipSpace();
    return this.src.startsWith(token, this.pos);
  }

  private expect(token: string): void {
    if (!this.peek(token)) this.fail(`expected '${token}'`);
    this.pos += token.length;
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }
}

function build(name: string, args: Arg[], p: TypeParser): PuppetType {
  const typeArg = (i: number): PuppetType => {
    const a = args[i];
    if (a === undefined) return ANY;
    if (typeof a === 'object' && !(a instanceof RegExp)) return a;
    return p.fail(`${name} expects a type as parameter ${i + 1}`);
  };
  const bound = (i: number, fallback: number): number => {
    const a = args[i];
    if (a === undefined || a === 'default') return fallback;
    if (typeof a === 'number') return a;
    return p.fail(`${name} expects a number as parameter ${i + 1}`);
  };
  switch (name) {
    case 'Any': case 'Data': case 'Undef': case 'Boolean': case 'Scalar':
      return { kind: name === 'Scalar' ? 'Any' : name };
    case 'NotUndef': case 'Optional': case 'Sensitive':
      return { kind: name, of: typeArg(0) };
    case 'String':
      return { kind: 'String', min: bound(0, 0), max: bound(1, Infinity) };
    case 'Integer': case 'Float': case 'Numeric':
      return { kind: name, min: bound(0, -Infinity), max: bound(1, Infinity) };
    case 'Array': {
      const sized = typeof args[0] === 'number';
      return sized
        ? { kind: 'Array', of: ANY, min: bound(0, 0), max: bound(1, Infinity) }
        : { kind: 'Array', of: typeArg(0), min: bound(1, 0), max: bound(2, Infinity) };
    }
    case 'Hash':
      return { kind: 'Hash', key: typeArg(0), value: typeArg(1) };
    case 'Tuple':
      return { kind: 'Tuple', items: args.map((_, i) => typeArg(i)) };
    case 'Enum':
      return { kind: 'Enum', values: args.map((a) => (typeof a === 'string' ? a : p.fail('Enum takes strings'))) };
    case 'Pattern':
      return { kind: 'Pattern', patterns: args.map((a) => (a instanceof RegExp ? a : p.fail('Pattern takes /regexes/'))) };
    case 'Variant':
      return { kind: 'Variant', of: args.map((_, i) => typeArg(i)) };
    default:
      return p.fail(`unknown type '${name}'`);
  }
}

/** Checks a value against a type; returns null when it matches, else what was expected. */
/**
 * Null when the value matches, else why not; inside a list or hash it names the first element that does
 * not match, as `name[2]` or `name.key`, and a shell metacharacter in it.
 */
export function checkValue(type: PuppetType, value: unknown, name = 'the value'): string | null {
  if (matches(type, value)) return null;
  const problem = `expected ${describeType(type)}, got ${describeValue(value)}`;
  const inner = firstMismatch(type, value, name);
  if (inner.where === name) return `${problem}${shellNote(value)}`;
  return `${problem}: ${inner.where} is ${describeValue(inner.value)}, not ${describeType(inner.type)}${shellNote(inner.value)}`;
}

function firstMismatch(t: PuppetType, v: unknown, where: string): { where: string; type: PuppetType; value: unknown } {
  const here = { where, type: t, value: v };
  switch (t.kind) {
    case 'Optional': case 'NotUndef': case 'Sensitive':
      return v === undefined || v === null ? here : firstMismatch(t.of, v, where);
    case 'Array': {
      if (!Array.isArray(v) || v.length < t.min || v.length > t.max) return here;
      const i = v.findIndex((x) => !matches(t.of, x));
      return i < 0 ? here : firstMismatch(t.of, v[i], `${where}[${i}]`);
    }
    case 'Tuple': {
      if (!Array.isArray(v) || v.length !== t.items.length) return here;
      const i = t.items.findIndex((it, n) => !matches(it, v[n]));
      return i < 0 ? here : firstMismatch(t.items[i], v[i], `${where}[${i}]`);
    }
    case 'Hash': {
      if (!isPlainObject(v)) return here;
      for (const [k, x] of Object.entries(v)) {
        if (!matches(t.key, k)) return { where: `${where} key '${k}'`, type: t.key, value: k };
        if (!matches(t.value, x)) return firstMismatch(t.value, x, `${where}.${k}`);
      }
      return here;
    }
    default: return here;
  }
}

function shellNote(v: unknown): string {
  const meta = typeof v === 'string' ? /[;&|$`<>(){}[\]*?!~#'"\\\s]/.exec(v) : null;
  if (!meta) return '';
  return meta[0].trim() ? ` (it holds the shell metacharacter '${meta[0]}')` : ' (it holds white space)';
}

function matches(t: PuppetType, v: unknown): boolean {
  switch (t.kind) {
    case 'Any': return true;
    case 'Data': return v === null || v === undefined || ['string', 'number', 'boolean', 'object'].includes(typeof v);
    case 'Undef': return v === undefined || v === null;
    case 'NotUndef': return v !== undefined && v !== null && matches(t.of, v);
    case 'Optional': return v === undefined || v === null || matches(t.of, v);
    case 'Sensitive': return matches(t.of, v);
    case 'Boolean': return typeof v === 'boolean';
    case 'String': return typeof v === 'string' && [...v].length >= t.min && [...v].length <= t.max;
    case 'Integer': return Number.isInteger(v) && inRange(v as number, t);
    case 'Float': case 'Numeric': return typeof v === 'number' && Number.isFinite(v) && inRange(v, t);
    case 'Array': return Array.isArray(v) && v.length >= t.min && v.length <= t.max && v.every((x) => matches(t.of, x));
    case 'Tuple': return Array.isArray(v) && v.length === t.items.length && t.items.every((it, i) => matches(it, v[i]));
    case 'Hash':
      return isPlainObject(v) && Object.entries(v).every(([k, x]) => matches(t.key, k) && matches(t.value, x));
    case 'Enum': return typeof v === 'string' && t.values.includes(v);
    case 'Pattern': return typeof v === 'string' && t.patterns.some((re) => re.test(v));
    case 'Variant': return t.of.some((x) => matches(x, v));
  }
}

function inRange(v: number, t: { min: number; max: number }): boolean {
  return v >= t.min && v <= t.max;
}


/** True when the type accepts "no value" (so the parameter may be omitted). */
export function isOptional(t: PuppetType): boolean {
  return matches(t, undefined);
}

export function describeType(t: PuppetType): string {
  const range = (min: number, max: number, lo: number) => {
    if (max === Infinity) return min === lo ? '' : `[${min}]`;
    return `[${min === lo ? 'default' : min}, ${max}]`;
  };
  switch (t.kind) {
    case 'NotUndef': case 'Optional': case 'Sensitive': return `${t.kind}[${describeType(t.of)}]`;
    case 'String': return `String${range(t.min, t.max, 0)}`;
    case 'Integer': case 'Float': case 'Numeric': return `${t.kind}${range(t.min, t.max, -Infinity)}`;
    case 'Array': return `Array[${describeType(t.of)}]`;
    case 'Hash': return `Hash[${describeType(t.key)}, ${describeType(t.value)}]`;
    case 'Tuple': return `Tuple[${t.items.map(describeType).join(', ')}]`;
    case 'Enum': return `Enum[${t.values.map((v) => `'${v}'`).join(', ')}]`;
    case 'Pattern': return `Pattern[${t.patterns.map(String).join(', ')}]`;
    case 'Variant': return `Variant[${t.of.map(describeType).join(', ')}]`;
    default: return t.kind;
  }
}

function describeValue(v: unknown): string {
  if (v === undefined || v === null) return 'no value';
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}...` : v}'`;
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'object') return 'a hash';
  return `${typeof v} ${String(v)}`;
}

/** Converts a command-line string (key=value) to the value a type expects: "3" → 3 for Integer, "true" → true. */
export function coerceCliValue(type: PuppetType, raw: string): unknown {
  const wants = (k: PuppetType['kind']): boolean => acceptsKind(type, k);
  if (wants('Boolean') && (raw === 'true' || raw === 'false')) return raw === 'true';
  if ((wants('Integer') || wants('Numeric') || wants('Float')) && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if ((wants('Array') || wants('Hash') || wants('Tuple')) && /^[[{]/.test(raw.trim())) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  if (wants('Array') && !wants('String')) return raw.split(',').filter((s) => s !== '');
  return raw;
}

function acceptsKind(t: PuppetType, kind: PuppetType['kind']): boolean {
  if (t.kind === kind || t.kind === 'Any' || t.kind === 'Data') return true;
  if (t.kind === 'Optional' || t.kind === 'NotUndef' || t.kind === 'Sensitive') return acceptsKind(t.of, kind);
  if (t.kind === 'Variant') return t.of.some((x) => acceptsKind(x, kind));
  return false;
}
