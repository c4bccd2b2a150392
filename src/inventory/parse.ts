// Reads inventory v2 YAML into group and target definitions, reporting every unknown key, bad type
// and missing field with its position. Cross-references (names, aliases) are checked in build.ts.
import type { Node } from 'yaml';
import { BOLT_DATA_KEYS } from './bolt-schema.js';
import type { Loc } from './errors.js';
import { readConfig, type RawConfig } from './config.js';
import { parseTargetUri, type ParsedUri } from './uri.js';
import { join, Reader, type ReaderOptions } from './yamlread.js';

/** Bolt's rule for group names and aliases (Bolt 3.25+: any string without whitespace or commas). */
export const NAME_PATTERN = /^[^\s,]+$/;
export const NAME_RULE = 'a string without spaces or commas';

export interface Data {
  config: RawConfig;
  vars: Record<string, unknown>;
  facts: Record<string, unknown>;
}

/** A target written as a map. */
export interface TargetDef extends Data {
  kind: 'def';
  name: string;
  uri: ParsedUri;
  alias: string[];
  /** Where each alias is written, by alias. */
  aliasLocs: Map<string, Loc>;
  /** The target has a name but no uri: its name is its URI, and Bolt's `host` option may name the host. */
  nameOnly: boolean;
  loc: Loc;
  path: string;
}

/** A target written as a bare string: a reference to a target defined elsewhere, or a new URI. */
export interface TargetRef {
  kind: 'ref';
  text: string;
  loc: Loc;
  path: string;
}

export interface GroupDef extends Data {
  name: string;
  loc: Loc;
  path: string;
  targets: Array<TargetDef | TargetRef>;
  groups: GroupDef[];
}

const DATA_KEYS = ['config', 'vars', 'facts'];
const TOP_KEYS = ['version', 'targets', 'groups', ...DATA_KEYS];
const GROUP_KEYS = ['name', 'targets', 'groups', ...DATA_KEYS];
const TARGET_KEYS = ['name', 'uri', 'alias', ...DATA_KEYS];
/** Keys of Bolt's inventory (`features`, `plugin_hooks`, or a key of another level): warned about, ignored. */
const BOLT_KEYS: ReadonlySet<string> = new Set(BOLT_DATA_KEYS);
const v1 = (key: string) => (key === 'nodes' ? "'nodes' is inventory version 1; version 2 calls it 'targets'" : undefined);

export function parseInventory(file: string, source: string, options: ReaderOptions = {}): { root: GroupDef; reader: Reader } {
  const r = new Reader(file, source, options);
  const root: GroupDef = { name: 'all', loc: r.loc(r.root), path: '', targets: [], groups: [], config: {}, vars: {}, facts: {} };
  // A syntax error leaves the tree unreliable: report it alone.
  if (r.isNull(r.root) || r.doc.errors.length > 0) return { root, reader: r };
  const what = 'a map with version, groups, targets, config, vars, facts';
  for (const e of r.boltKnown(r.root, '', TOP_KEYS, BOLT_KEYS, what, v1) ?? []) {
    if (e.key === 'version') {
      const v = r.scalar(e.value);
      if (v !== 2) {
        const hint = v === 1 ? " (version 1 inventories are not supported; migrate with 'bolt project migrate')" : '';
        r.fail(e.value, 'version', `expected 2, got ${r.describe(e.value)}${hint}`);
      }
    } else {
      readMember(r, root, e.key, e.value, e.key);
    }
  }
  return { root, reader: r };
}

function readMember(r: Reader, group: GroupDef, key: string, value: Node | null, path: string): void {
  if (key === 'groups') {
    (r.items(value, path, 'a list of groups') ?? []).forEach((g, i) => {
      const child = readGroup(r, g, `${path}[${i}]`);
      if (child) group.groups.push(child);
    });
  } else if (key === 'targets') {
    (r.items(value, path, 'a list of targets') ?? []).forEach((t, i) => {
      const target = readTarget(r, t, `${path}[${i}]`);
      if (target) group.targets.push(target);
    });
  } else readDataKey(r, group, key, value, path);
}

function readDataKey(r: Reader, data: Data, key: string, value: Node | null, path: string): void {
  if (key === 'config') data.config = readConfig(r, value, path);
  else if (key === 'vars') data.vars = readData(r, value, path, true);
  else if (key === 'facts') data.facts = readData(r, value, path, false);
}

function readData(r: Reader, node: Node | null, path: string, plugins: boolean): Record<string, unknown> {
  if (r.isNull(node)) return {};
  if (!r.entries(node, path)) return {};
  return r.data(node, path, plugins) as Record<string, unknown>;
}

function readGroup(r: Reader, node: Node, path: string): GroupDef | undefined {
  const entries = r.boltKnown(node, path, GROUP_KEYS, BOLT_KEYS, 'a group (a map with name, targets, groups, config, vars, facts)', v1);
  if (!entries) return undefined;
  const nameEntry = entries.find((e) => e.key === 'name');
  const name = nameEntry ? r.scalar(nameEntry.value) : undefined;
  if (!nameEntry) r.fail(node, path, "missing required key 'name' (every group needs a name)");
  else if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    r.fail(nameEntry.value, join(path, 'name'), `expected a group name: ${NAME_RULE}, got ${r.describe(nameEntry.value)}`);
  }
  const group: GroupDef = { name: String(name), loc: r.loc(node), path, targets: [], groups: [], config: {}, vars: {}, facts: {} };
  for (const e of entries) {
    if (e.key !== 'name') readMember(r, group, e.key, e.value, join(path, e.key));
  }
  return typeof name === 'string' && NAME_PATTERN.test(name) ? group : undefined;
}

function readTarget(r: Reader, node: Node, path: string): TargetDef | TargetRef | undefined {
  const text = r.isPlugin(node) ? undefined : r.scalar(node);
  if (typeof text === 'string') {
    const parsed = parseTargetUri(text);
    if (!('error' in parsed)) return { kind: 'ref', text, loc: r.loc(node), path };
    r.fail(node, path, parsed.error);
    return undefined;
  }
  if (text !== undefined) {
    r.fail(node, path, `expected a target (a URI string or a map), got ${r.describe(node)}`);
    return undefined;
  }
  const entries = r.boltKnown(node, path, TARGET_KEYS, BOLT_KEYS, 'a target (a URI string or a map with name, uri, alias, config, vars, facts)');
  if (!entries) return undefined;
  const get = (k: string) => entries.find((e) => e.key === k);
  const def: TargetDef = {
    kind: 'def', name: '', uri: { host: '', safe: '' }, alias: [], aliasLocs: new Map(), nameOnly: false, loc: r.loc(node), path, config: {}, vars: {}, facts: {},
  };
  let ok = true;
  const bad = (at: Node | null, p: string, message: string): false => {
    r.fail(at, p, message);
    return false;
  };
  const uriEntry = get('uri');
  if (uriEntry) {
    const uri = r.loadTimeScalar(uriEntry.value, join(path, 'uri'));
    if (uri === undefined && r.isPlugin(uriEntry.value)) return undefined;
    const parsed = typeof uri === 'string' ? parseTargetUri(uri) : { error: `expected a URI string, got ${r.describe(uriEntry.value)}` };
    if ('error' in parsed) ok = bad(uriEntry.value, join(path, 'uri'), parsed.error);
    else def.uri = parsed;
  }
  const nameEntry = get('name');
  if (nameEntry) {
    const name = r.loadTimeScalar(nameEntry.value, join(path, 'name'));
    if (name === undefined && r.isPlugin(nameEntry.value)) return undefined;
    const problem = targetNameProblem(name);
    if (problem) ok = bad(nameEntry.value, join(path, 'name'), `${problem}, got ${r.describe(nameEntry.value)}`);
    else def.name = name as string;
  } else if (uriEntry) def.name = def.uri.safe;
  if (!nameEntry && !uriEntry) ok = bad(node, path, "a target needs a 'name' or a 'uri'");
  if (nameEntry && !uriEntry && ok) {
    // regen reads a name without a uri as the URI too, so `- name: web01.example.com` reaches that host.
    const parsed = parseTargetUri(def.name);
    if ('error' in parsed) ok = bad(nameEntry.value, join(path, 'name'), `${parsed.error} (give the target a 'uri')`);
    else def.uri = parsed;
    def.nameOnly = true;
  }
  const aliasEntry = get('alias');
  if (aliasEntry) def.aliasLocs = readAliases(r, aliasEntry.value, join(path, 'alias'));
  def.alias = [...def.aliasLocs.keys()];
  for (const e of entries) readDataKey(r, def, e.key, e.value, join(path, e.key));
  return ok ? def : undefined;
}

function readAliases(r: Reader, node: Node | null, path: string): Map<string, Loc> {
  const one = r.scalar(node);
  const list = one !== undefined ? [{ value: one, node }] : (r.items(node, path, 'an alias or a list of aliases') ?? []).map((n) => ({ value: r.scalar(n), node: n as Node | null }));
  const out = new Map<string, Loc>();
  list.forEach(({ value, node: n }, i) => {
    const at = one !== undefined ? path : `${path}[${i}]`;
    if (typeof value === 'string' && NAME_PATTERN.test(value)) out.set(value, r.loc(n));
    else r.fail(n, at, `expected an alias of ${NAME_RULE}, got ${r.describe(n)}`);
  });
  return out;
}

export function targetNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name === '') return 'expected a non-empty string';
  if (!/^[\x21-\x7e]+$/.test(name)) return 'expected a target name of printable ASCII without spaces';
  if (name.includes(',')) return 'expected a target name without commas';
  return undefined;
}


