// ${...} expressions in plan values: a small hand-written parser and evaluator (no eval).
// Grammar inside ${ }:   expr := primary ('??' primary)*
//   primary := path | 'text' | "text" | number | true | false | null
//   path    := name ('.' (name | integer) | '[' (integer | 'text') ']')*      name := [A-Za-z_][A-Za-z0-9_-]*
// A string that is exactly one ${expr} keeps the value's type; otherwise the values are interpolated as text.
// `$${` writes a literal `${`.

export type PathExpr = { kind: 'path'; root: string; segments: Array<string | number>; text: string };
export type Expr =
  | PathExpr
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'coalesce'; left: Expr; right: Expr };

export interface Template {
  /** Literal text and expressions, in order. */
  parts: Array<string | { expr: Expr; source: string }>;
  /** The whole string is one ${expr}: its value keeps its type. */
  whole: boolean;
}

export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

/** A value that does not exist yet: the result of a step a dry run did not run. */
export class Pending {
  constructor(readonly what: string) {}
  toString(): string {
    return `<result of ${this.what}>`;
  }
}

/** What a scope knows of a root name: undefined when the name means nothing here. */
export interface Scope {
  lookup(root: string): { value: unknown } | undefined;
}

export function parseTemplate(text: string): Template {
  const parts: Template['parts'] = [];
  let literal = '';
  let pos = 0;
  while (pos < text.length) {
    if (text.startsWith('$${', pos)) {
      literal += '${';
      pos += 3;
    } else if (text.startsWith('${', pos)) {
      const end = closingBrace(text, pos + 2);
      const source = text.slice(pos, end + 1);
      if (literal) parts.push(literal);
      literal = '';
      parts.push({ expr: parseExpression(text.slice(pos + 2, end), source), source });
      pos = end + 1;
    } else {
      literal += text[pos++];
    }
  }
  if (literal) parts.push(literal);
  return { parts, whole: parts.length === 1 && typeof parts[0] !== 'string' };
}

/** True when a value (deeply) holds a ${...} expression. */
export function hasExpressions(value: unknown): boolean {
  if (typeof value === 'string') {
    if (!value.includes('${')) return false;
    try {
      return parseTemplate(value).parts.some((p) => typeof p !== 'string');
    } catch {
      return true;
    }
  }
  if (Array.isArray(value)) return value.some(hasExpressions);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(hasExpressions);
  return false;
}

/** Every path an expression reads (both sides of ??). */
export function pathsOf(expr: Expr): PathExpr[] {
  if (expr.kind === 'path') return [expr];
  if (expr.kind === 'coalesce') return [...pathsOf(expr.left), ...pathsOf(expr.right)];
  return [];
}

function closingBrace(text: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '}') return i;
  }
  throw new ExpressionError(`'${text.slice(from - 2)}' has no closing '}'`);
}

export function parseExpression(src: string, source = `\${${src}}`): Expr {
  let pos = 0;
  const fail = (what: string): never => {
    throw new ExpressionError(`in '${source}': ${what} at character ${pos + 1} of the expression`);
  };
  const space = () => {
    while (pos < src.length && /\s/.test(src[pos])) pos++;
  };
  const name = (): string | undefined => {
    const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(pos));
    if (!m) return undefined;
    pos += m[0].length;
    return m[0];
  };
  const quoted = (): string => {
    const quote = src[pos++];
    let out = '';
    while (pos < src.length && src[pos] !== quote) {
      if (src[pos] === '\\' && pos + 1 < src.length) pos++;
      out += src[pos++];
    }
    if (pos >= src.length) fail('unterminated string');
    pos++;
    return out;
  };
  const integer = (): number | undefined => {
    const m = /^\d+/.exec(src.slice(pos));
    if (!m) return undefined;
    pos += m[0].length;
    return Number(m[0]);
  };
  const primary = (): Expr => {
    space();
    const c = src[pos];
    if (c === undefined) return fail('expected a value');
    if (c === "'" || c === '"') return { kind: 'literal', value: quoted() };
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(pos));
    if (num) {
      pos += num[0].length;
      return { kind: 'literal', value: Number(num[0]) };
    }
    const start = pos;
    const root = name() ?? fail(`unexpected '${c}'`);
    if (root === 'true' || root === 'false') return { kind: 'literal', value: root === 'true' };
    if (root === 'null' || root === 'undef') return { kind: 'literal', value: null };
    const segments: Array<string | number> = [];
    for (;;) {
      if (src[pos] === '.') {
        pos++;
        segments.push(integer() ?? name() ?? fail("expected a name or a number after '.'"));
      } else if (src[pos] === '[') {
        pos++;
        space();
        const key = src[pos] === "'" || src[pos] === '"' ? quoted() : integer() ?? fail("expected a number or a quoted key after '['");
        space();
        if (src[pos] !== ']') fail("expected ']'");
        pos++;
        segments.push(key);
      } else break;
    }
    return { kind: 'path', root, segments, text: src.slice(start, pos) };
  };
  let expr = primary();
  space();
  while (src.startsWith('??', pos)) {
    pos += 2;
    expr = { kind: 'coalesce', left: expr, right: primary() };
    space();
  }
  if (pos < src.length) fail(`unexpected '${src.slice(pos)}'`);
  return expr;
}

export function evaluateExpr(expr: Expr, scope: Scope): unknown {
  if (expr.kind === 'literal') return expr.value;
  if (expr.kind === 'coalesce') {
    const left = evaluateExpr(expr.left, scope);
    return left === undefined || left === null ? evaluateExpr(expr.right, scope) : left;
  }
  const found = scope.lookup(expr.root);
  if (!found) throw new ExpressionError(`'${expr.root}' in '${expr.text}' is not a parameter, an earlier step, target, vars or pe`);
  let value = found.value;
  for (const seg of expr.segments) {
    value = value instanceof Pending
      ? new Pending(`${value.what}${typeof seg === 'number' ? `[${seg}]` : `.${seg}`}`)
      : child(value, seg);
  }
  return value;
}

function child(value: unknown, seg: string | number): unknown {
  if (Array.isArray(value)) return typeof seg === 'number' ? value[seg] : undefined;
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, String(seg))) {
    return (value as Record<string, unknown>)[String(seg)];
  }
  return undefined;
}

export interface Evaluated {
  value: unknown;
  /** Results of not-run steps the value used (dry run): shown as <result of STEP>. */
  pending: string[];
}

/** Evaluates every ${...} in a value (strings, arrays and hashes, deeply). Keys of hashes are kept as written. */
export function evaluate(value: unknown, scope: Scope): Evaluated {
  const pending: string[] = [];
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return render(parseTemplate(v), scope, pending);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const y = walk(x);
        if (y !== undefined) out[k] = y;
      }
      return out;
    }
    return v;
  };
  return { value: walk(value), pending };
}

function render(template: Template, scope: Scope, pending: string[]): unknown {
  const valueOf = (expr: Expr): unknown => {
    const v = evaluateExpr(expr, scope);
    if (v instanceof Pending) {
      pending.push(v.what);
      return v.toString();
    }
    return v;
  };
  if (template.whole) return valueOf((template.parts[0] as { expr: Expr }).expr);
  return template.parts.map((part) => {
    if (typeof part === 'string') return part;
    const v = valueOf(part.expr);
    if (v === undefined || v === null) {
      throw new ExpressionError(`'${part.source}' has no value here (write '\${... ?? 'fallback'}' to give one)`);
    }
    return asText(v);
  }).join('');
}

export function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(asText).join(',');
  if (typeof v === 'object' && v !== null) return JSON.stringify(v);
  return String(v);
}
