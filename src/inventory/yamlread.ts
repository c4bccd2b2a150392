// Walks a parsed YAML document keeping the position of every node, so each problem found in an
// inventory can be reported as file:line:col with its key path. Files pulled in by the yaml plugin
// are read here too, each node keeping the file it came from.
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import { BOLT_PLUGIN_HINT, includeFile, PluginRef, pluginHere, readPluginParams } from './plugins.js';
import { IGNORED } from './bolt-schema.js';
import { keyReadsDifferently, quickDocument } from './fastyaml.js';
import { didYouMean, Issues, show, type Loc } from './errors.js';

interface Source {
  file: string;
  doc: Document;
  lc: LineCounter;
  /** How many yaml plugin files lead to this one (the inventory itself: 0). */
  depth: number;
}

export interface ReaderOptions {
  /** Where the yaml plugin's relative `filepath`s start (default: the inventory's directory). */
  dir?: string;
  /** Where `_plugin: env_var` in a target's uri or name reads, at load time. */
  env?: NodeJS.ProcessEnv;
  /** Read the inventory itself with the quick parser (fastyaml.ts) when it can; see `Reader.positioned`. */
  quick?: boolean;
}

export interface Entry {
  key: string;
  keyNode: Node;
  /** null for `key:` with nothing after it. */
  value: Node | null;
}

export class Reader {
  readonly issues = new Issues();
  /** Bolt keys regen ignores, duplicate keys: reported, never fatal. */
  readonly warnings = new Issues();
  readonly doc: Document;
  private readonly main: Source;
  /** Nodes of files read by the yaml plugin, with their file. */
  private readonly sources = new WeakMap<Node, Source>();
  /** Each yaml plugin reference, replaced by the contents of its file (null when unreadable). */
  private readonly included = new Map<Node, Node | null>();
  /** False when the inventory was read quickly: its own nodes carry no line or column. */
  readonly positioned: boolean;
  /** The quick read met a key the full read takes differently (see fastyaml.ts). */
  private quickReadDiffers = false;

  constructor(
    readonly file: string,
    source: string,
    readonly options: ReaderOptions = {},
  ) {
    const quick = options.quick ? quickDocument(source) : undefined;
    this.main = quick ? { file, doc: quick, lc: new LineCounter(), depth: 0 } : this.parse(file, source, 0);
    this.doc = this.main.doc;
    this.positioned = !quick;
  }

  /** Whether what was read stands as it is: a quick read with anything to report must be read again in full. */
  get final(): boolean {
    return this.positioned || (this.issues.list.length === 0 && this.warnings.list.length === 0 && !this.quickReadDiffers);
  }

  /** Bolt's YAML parser keeps the last of duplicate keys: so does regen, with a warning (see entries). */
  private parse(file: string, text: string, depth: number): Source {
    const lc = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, merge: false });
    for (const e of [...doc.errors, ...doc.warnings]) {
      const { line, col } = lc.linePos(e.pos[0]);
      this.issues.add({ file, line, col }, undefined, `invalid YAML: ${firstLine(e.message)}`);
    }
    return { file, doc, lc, depth };
  }

  get root(): Node | null {
    return (this.doc.contents as Node | null) ?? null;
  }

  private sourceOf(node: Node): Source {
    return this.sources.get(node) ?? this.main;
  }

  loc(node: Node | null | undefined): Loc {
    const start = node?.range?.[0];
    if (!node || start === undefined) return { file: this.file };
    const src = this.sourceOf(node);
    const { line, col } = src.lc.linePos(start);
    return { file: src.file, line, col };
  }

  fail(node: Node | null | undefined, path: string | undefined, message: string): void {
    this.issues.add(this.loc(node), path, message);
  }

  warn(node: Node | null | undefined, path: string, message: string): void {
    this.warnings.add(this.loc(node), path, message);
  }

  /** Follows `*anchor` references to the node they name, and yaml plugin references to their file's contents. */
  deref(node: Node | null): Node | null {
    let n = node;
    if (n && isAlias(n)) n = (n.resolve(this.sourceOf(n).doc) as Node | undefined) ?? null;
    if (n && isMap(n) && this.pluginName(n) === 'yaml') return this.include(n);
    return n;
  }

  /** The `_plugin` value of a map, without following references (undefined when it has none). */
  pluginName(node: Node): unknown {
    if (!isMap(node)) return undefined;
    const pair = node.items.find((p) => isScalar(p.key) && p.key.value === '_plugin');
    if (!pair) return undefined;
    return isScalar(pair.value) ? pair.value.value : null;
  }

  /** A yaml plugin reference whose file could not be used (already reported). */
  private failedInclude(node: Node | null): boolean {
    return !!node && this.included.has(node) && this.included.get(node) === null;
  }

  private include(ref: Node): Node | null {
    if (this.included.has(ref)) return this.included.get(ref)!;
    this.included.set(ref, null);
    const params: Record<string, { value: unknown; node: Node }> = {};
    for (const pair of isMap(ref) ? ref.items : []) {
      if (isScalar(pair.key)) params[String(pair.key.value)] = { value: isNode(pair.value) ? pair.value.toJSON() : null, node: pair.key };
    }
    const from = this.sourceOf(ref);
    const got = includeFile(params, this.options.dir ?? '.', from.depth, (at, msg) => this.fail(at ?? ref, undefined, msg));
    if (!got) return null;
    const src = this.parse(got.file, got.text, from.depth + 1);
    if (src.doc.errors.length > 0) return null;
    visit(src.doc, (_key, n) => {
      if (isNode(n)) this.sources.set(n, src);
    });
    const contents = (src.doc.contents as Node | null) ?? null;
    this.included.set(ref, contents);
    return contents;
  }

  isNull(node: Node | null): boolean {
    const n = this.deref(node);
    return n === null || (isScalar(n) && (n.value === null || n.value === undefined));
  }

  /**
   * The entries of a map, or undefined (with an issue) when the node is not a map. Of duplicate
   * keys the last one is kept, as Bolt's YAML parser does, with a warning.
   */
  entries(node: Node | null, path: string, what = 'a map'): Entry[] | undefined {
    const n = this.deref(node);
    if (n && this.isPlugin(n)) {
      this.fail(n, path, pluginHere(this.pluginName(n), what));
      return undefined;
    }
    if (!n && this.failedInclude(node)) return undefined;
    if (!n || !isMap(n)) {
      this.fail(n ?? node, path, `expected ${what}, got ${this.describe(n)}`);
      return undefined;
    }
    return this.pairs(n, path);
  }

  private pairs(n: Node, path: string): Entry[] {
    const out = new Map<string, Entry>();
    for (const pair of isMap(n) ? n.items : []) {
      const keyNode = this.deref(pair.key as Node | null);
      if (!keyNode || !isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
        this.fail(keyNode ?? n, path, 'keys must be plain names');
        continue;
      }
      const key = String(keyNode.value);
      if (!this.positioned && keyReadsDifferently(key)) this.quickReadDiffers = true;
      const earlier = out.get(key);
      if (earlier) {
        this.warn(keyNode, join(path, key), `duplicate key: this one is used and the one at line ${this.loc(earlier.keyNode).line} is ignored, as Bolt does`);
        out.delete(key);
      }
      out.set(key, { key, keyNode, value: (pair.value as Node | null) ?? null });
    }
    return [...out.values()];
  }

  /** Entries of a map whose keys must all be among `allowed`; unknown keys are reported. */
  known(node: Node | null, path: string, allowed: readonly string[], what = 'a map'): Entry[] | undefined {
    return this.boltKnown(node, path, allowed, new Set(), what);
  }

  /**
   * Entries of a map whose keys are among `allowed`. A key Bolt knows (`bolt`) but regen does not use
   * gets one warning and is left out; any other key is an error with its nearest names.
   */
  boltKnown(
    node: Node | null,
    path: string,
    allowed: readonly string[],
    bolt: ReadonlySet<string>,
    what = 'a map',
    special: (key: string) => string | undefined = () => undefined,
  ): Entry[] | undefined {
    const entries = this.entries(node, path, what);
    if (!entries) return undefined;
    return entries.filter((e) => {
      if (allowed.includes(e.key)) return true;
      if (bolt.has(e.key)) this.warn(e.keyNode, join(path, e.key), IGNORED);
      else this.fail(e.keyNode, join(path, e.key), special(e.key) ?? unknownKey(e.key, allowed, bolt));
      return false;
    });
  }

  items(node: Node | null, path: string, what = 'a list'): Node[] | undefined {
    const n = this.deref(node);
    if (!n && this.failedInclude(node)) return undefined;
    if (this.isNull(n)) return [];
    if (n && this.isPlugin(n)) {
      this.fail(n, path, pluginHere(this.pluginName(n), what));
      return undefined;
    }
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

  /** Whether the node is a map with a `_plugin` key (a yaml plugin is already replaced by its file). */
  isPlugin(node: Node | null): boolean {
    const n = this.deref(node);
    return !!n && this.pluginName(n) !== undefined;
  }

  /** The plugin reference a `_plugin` map makes, or undefined (with issues) if it is not usable. */
  plugin(node: Node | null, path: string): PluginRef | undefined {
    const n = this.deref(node);
    if (!n || !this.isPlugin(n)) return undefined;
    const params: Record<string, { value: unknown; node: Node }> = {};
    for (const e of this.pairs(n, path)) params[e.key] = { value: this.plain(e.value), node: e.keyNode };
    return readPluginParams(params, path, this.loc(n), (at, p, msg) => this.fail(at, p, msg));
  }

  /**
   * A scalar that Bolt resolves when the inventory loads (a target's uri or name): written out, or
   * `_plugin: env_var`, read now. Undefined with an issue when the variable is unset.
   */
  loadTimeScalar(node: Node | null, path: string): unknown {
    if (!this.isPlugin(node)) return this.scalar(node);
    const ref = this.plugin(node, path);
    if (!ref) return undefined;
    if (!('var' in ref.params)) {
      this.fail(node, path, `regen reads a target's uri or name from env_var only, not from ${ref.describe()}; ${BOLT_PLUGIN_HINT}`);
      return undefined;
    }
    const value = (this.options.env ?? process.env)[ref.params.var] ?? ref.params.default;
    if (value === undefined && !ref.params.optional) {
      this.fail(node, path, `environment variable ${ref.params.var} is not set (export it before running regen, or give the plugin a 'default')`);
    }
    return value;
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

export function unknownKey(key: string, allowed: readonly string[], bolt: Iterable<string> = []): string {
  return `unknown key '${key}'${didYouMean(key, [...allowed, ...bolt])}; expected one of: ${allowed.join(', ')}`;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
