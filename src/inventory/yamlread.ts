// Walks a parsed YAML document keeping the position of every node, so each problem found in an
// inventory can be reported as file:line:col with its key path.
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { didYouMean, Issues, show, type Loc } from './errors.js';
import { PluginRef, readPluginParams } from './plugins.js';

export interface Entry {
  key: string;
  keyNode: Node;
  /** null for `key:` with nothing after it. */
  value: Node | null;
}

export class Reader {
  readonly issues = new Issues();
  readonly doc: Document;
  private readonly lc = new LineCounter();

  constructor(
    readonly file: string,
    source: string,
  ) {
    this.doc = parseDocument(source, { lineCounter: this.lc, uniqueKeys: true, merge: false });
    for (const e of [...this.doc.errors, ...this.doc.warnings]) {
      const { line, col } = this.lc.linePos(e.pos[0]);
      const message = e.code === 'DUPLICATE_KEY' ? 'duplicate key' : `invalid YAML: ${firstLine(e.message)}`;
      this.issues.add({ file, line, col }, undefined, message);
    }
  }

  get root(): Node | null {
    return (this.doc.contents as Node | null) ?? null;
  }

  loc(node: Node | null | undefined): Loc {
    const start = node?.range?.[0];
    if (start === undefined) return { file: this.file };
    const { line, col } = this.lc.linePos(start);
    return { file: this.file, line, col };
  }

  fail(node: Node | null | undefined, path: string, message: string): void {
    this.issues.add(this.loc(node), path, message);
  }

  /** Follows `*anchor` references to the node they name. */
  deref(node: Node | null): Node | null {
    if (node && isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node;
  }

  isNull(node: Node | null): boolean {
    const n = this.deref(node);
    return n === null || (isScalar(n) && (n.value === null || n.value === undefined));
  }

  /** The entries of a map, or undefined (with an issue) when the node is not a map. */
  entries(node: Node | null, path: string, what = 'a map'): Entry[] | undefined {
    const n = this.deref(node);
    if (!n || !isMap(n)) {
      this.fail(n ?? node, path, `expected ${what}, got ${this.describe(n)}`);
      return undefined;
    }
    const out: Entry[] = [];
    for (const pair of n.items) {
      const keyNode = this.deref(pair.key as Node | null);
      if (!keyNode || !isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
        this.fail(keyNode ?? n, path, 'keys must be plain names');
        continue;
      }
      out.push({ key: String(keyNode.value), keyNode, value: (pair.value as Node | null) ?? null });
    }
    return out;
  }

  /** Entries of a map whose keys must all be among `allowed`; unknown keys are reported. */
  known(node: Node | null, path: string, allowed: readonly string[], what = 'a map'): Entry[] | undefined {
    const entries = this.entries(node, path, what);
    if (!entries) return undefined;
    return entries.filter((e) => {
      if (allowed.includes(e.key)) return true;
      this.fail(e.keyNode, join(path, e.key), unknownKey(e.key, allowed));
      return false;
    });
  }

  items(node: Node | null, path: string, what = 'a list'): Node[] | undefined {
    const n = this.deref(node);
    if (this.isNull(n)) return [];
    if (!n || !isSeq(n)) {
      this.fail(n ?? node, path, `expected ${what}, got ${this.describe(n)}`);
      return undefined;
    }
    return n.items.map((i) => i as Node);
  }

  /** A scalar's value (undefined for maps and lists). */
  scalar(node: Node | null): unknown {
    const n = this.deref(node);
    return n && isScalar(n) ? n.value : undefined;
  }

  /** Whether the node is a map with a `_plugin` key. */
  isPlugin(node: Node | null): boolean {
    const n = this.deref(node);
    return !!n && isMap(n) && n.items.some((p) => this.scalar(p.key as Node) === '_plugin');
  }

  /** The plugin reference a `_plugin` map makes, or undefined (with issues) if it is not usable. */
  plugin(node: Node | null, path: string): PluginRef | undefined {
    const n = this.deref(node);
    if (!n || !this.isPlugin(n)) return undefined;
    const params: Record<string, { value: unknown; node: Node }> = {};
    for (const e of this.entries(n, path) ?? []) params[e.key] = { value: this.plain(e.value), node: e.keyNode };
    return readPluginParams(params, path, this.loc(n), (at, p, msg) => this.fail(at, p, msg));
  }

  /** Free-form data (vars, facts) as plain values; `_plugin` maps become PluginRefs when allowed. */
  data(node: Node | null, path: string, plugins: boolean): unknown {
    const n = this.deref(node);
    if (!n) return null;
    if (isMap(n)) {
      if (this.isPlugin(n)) {
        if (plugins) return this.plugin(n, path) ?? null;
        this.fail(n, path, 'regen resolves _plugin references only in config and vars');
        return null;
      }
      const out: Record<string, unknown> = {};
      for (const e of this.entries(n, path) ?? []) out[e.key] = this.data(e.value, join(path, e.key), plugins);
      return out;
    }
    if (isSeq(n)) return n.items.map((item, i) => this.data(item as Node, `${path}[${i}]`, plugins));
    return isScalar(n) ? n.value : null;
  }

  plain(node: Node | null): unknown {
    const n = this.deref(node);
    return n ? (n.toJSON() as unknown) : null;
  }

  describe(node: Node | null): string {
    const n = this.deref(node);
    if (!n) return 'nothing';
    if (isMap(n)) return 'a map';
    if (isSeq(n)) return 'a list';
    return show(isScalar(n) ? n.value : undefined);
  }
}

export function join(path: string, key: string): string {
  const k = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
  return path ? `${path}.${k}` : k;
}

export function unknownKey(key: string, allowed: readonly string[]): string {
  return `unknown key '${key}'${didYouMean(key, allowed)}; expected one of: ${allowed.join(', ')}`;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
