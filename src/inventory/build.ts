// Links the parsed definitions: which targets each group holds, what every alias points to, and the
// name clashes Bolt forbids (a name may be a group, a target or an alias, never two of them).
import type { Issues, Loc } from './errors.js';
import type { Data, GroupDef, TargetDef } from './parse.js';
import { parseTargetUri, type ParsedUri } from './uri.js';

export interface GroupNode {
  name: string;
  data: Data;
  loc: Loc;
  /** Targets listed directly in this group, in file order. */
  members: string[];
  /** This group's own map definitions of its members (string entries have none). */
  defs: Map<string, TargetDef>;
  children: GroupNode[];
}

export interface KnownTarget {
  name: string;
  uri: ParsedUri;
  loc: Loc;
  /** Defined with a name and no uri (see TargetDef.nameOnly). */
  nameOnly?: boolean;
}

export interface Model {
  root: GroupNode;
  groups: Map<string, GroupNode>;
  targets: Map<string, KnownTarget>;
  /** alias → target name */
  aliases: Map<string, string>;
}

const where = (loc: Loc) => (loc.line !== undefined ? `line ${loc.line}` : loc.file);

export function buildModel(root: GroupDef, issues: Issues): Model {
  const model: Model = { root: undefined as unknown as GroupNode, groups: new Map(), targets: new Map(), aliases: new Map() };
  const groupLocs = new Map<string, Loc>();
  const aliasLocs = new Map<string, Loc>();

  // Pass 1: group names, map-defined targets and their aliases.
  const collect = (g: GroupDef, top: boolean) => {
    if (!top) {
      if (g.name === 'all') issues.add(g.loc, g.path, "'all' is the built-in group of every target; choose another group name");
      else if (groupLocs.has(g.name)) {
        issues.add(g.loc, g.path, `group '${g.name}' is already defined at ${where(groupLocs.get(g.name)!)}`);
      } else groupLocs.set(g.name, g.loc);
    }
    for (const t of g.targets) {
      if (t.kind !== 'def') continue;
      const known = model.targets.get(t.name);
      if (known && known.uri.safe !== t.uri.safe) {
        issues.add(t.loc, t.path, `target '${t.name}' is defined at ${where(known.loc)} with another uri ('${known.uri.safe}' vs '${t.uri.safe}')`);
      } else if (!known) model.targets.set(t.name, { name: t.name, uri: t.uri, loc: t.loc, nameOnly: t.nameOnly });
      for (const [a, loc] of t.aliasLocs) {
        const owner = model.aliases.get(a);
        if (owner !== undefined && owner !== t.name) {
          issues.add(loc, `${t.path}.alias`, `alias '${a}' already refers to target '${owner}' (${where(aliasLocs.get(a)!)})`);
        } else if (owner === undefined) {
          model.aliases.set(a, t.name);
          aliasLocs.set(a, loc);
        }
      }
    }
    g.groups.forEach((c) => collect(c, false));
  };
  collect(root, true);

  // Pass 2: string entries name a target or alias defined anywhere, or else are new targets (their URI).
  const link = (g: GroupDef): GroupNode => {
    const node: GroupNode = { name: g.name, data: g, loc: g.loc, members: [], defs: new Map(), children: [] };
    const seen = new Map<string, Loc>();
    for (const t of g.targets) {
      let name: string;
      if (t.kind === 'def') {
        name = t.name;
        node.defs.set(name, t);
      } else if (model.targets.has(t.text)) name = t.text;
      else if (model.aliases.has(t.text)) name = model.aliases.get(t.text)!;
      else {
        const uri = parseTargetUri(t.text) as ParsedUri; // checked when parsed
        name = uri.safe;
        if (!model.targets.has(name)) model.targets.set(name, { name, uri, loc: t.loc });
      }
      if (seen.has(name)) {
        issues.add(t.loc, t.path, `target '${name}' is already listed in this group at ${where(seen.get(name)!)}`);
        continue;
      }
      seen.set(name, t.loc);
      node.members.push(name);
    }
    if (!model.groups.has(node.name)) model.groups.set(node.name, node);
    node.children = g.groups.map(link);
    return node;
  };
  model.root = link(root);

  // Pass 3: clashes between group names, target names and aliases.
  const builtin = model.targets.get('all') ?? (model.aliases.has('all') ? { loc: aliasLocs.get('all')! } : undefined);
  if (builtin) issues.add(builtin.loc, undefined, "'all' is the built-in group of every target; it cannot name a target or alias");
  for (const [name, loc] of groupLocs) {
    const t = model.targets.get(name);
    if (t) issues.add(t.loc, undefined, `target '${name}' has the same name as the group defined at ${where(loc)}`);
    if (model.aliases.has(name)) {
      issues.add(aliasLocs.get(name)!, undefined, `alias '${name}' has the same name as the group defined at ${where(loc)}`);
    }
  }
  for (const [alias, target] of model.aliases) {
    const t = model.targets.get(alias);
    if (t && t.name !== target) {
      issues.add(aliasLocs.get(alias)!, undefined, `alias '${alias}' of target '${target}' is also the name of a target (${where(t.loc)})`);
    }
  }
  return model;
}

/** Every target of a group and its subgroups, depth-first in file order, each once. */
export function groupTargets(group: GroupNode): string[] {
  const out = new Set<string>();
  const walk = (g: GroupNode) => {
    g.members.forEach((m) => out.add(m));
    g.children.forEach(walk);
  };
  walk(group);
  return [...out];
}
