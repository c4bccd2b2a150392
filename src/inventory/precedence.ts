// Which value wins when a target gets config, vars and facts from several places. This follows
// Bolt's inventory v2 exactly (lib/bolt/inventory/group.rb, target_collect/group_collect, and
// inventory/target.rb), from lowest to highest:
//   1. defaults for the target named `localhost` (transport: local)
//   2. the top level of the file (the implicit group `all`)
//   3. the groups holding the target: a subgroup overrides its parent; among sibling groups that
//      both hold it, the one written FIRST wins over later ones (a whole earlier branch wins,
//      however deeply the later branch nests the target)
//   4. the target's own map definitions, with the same rule (a definition in a subgroup overrides
//      one in its parent; among siblings the first wins)
//   5. connection details written in the URI (user, password, port, scheme): never overridden.
// config and facts are deep-merged; vars are merged one level deep (a var holding a map is
// replaced whole, not merged), as in Bolt.
import { deepMerge } from '../util/objects.js';
import type { GroupNode } from './build.js';
import type { Data } from './parse.js';

const empty = (): Data => ({ config: {}, vars: {}, facts: {} });

/** `high` wins over `low`. */
export function mergeData(low: Data, high: Data): Data {
  return {
    config: deepMerge(low.config, high.config),
    vars: { ...low.vars, ...high.vars },
    facts: deepMerge(low.facts, high.facts),
  };
}

/** Folds sibling results so that the first one written wins. */
function firstWins(results: Array<Data | undefined>): Data | undefined {
  return results.reduce<Data | undefined>((earlier, later) => {
    if (!earlier) return later;
    return later ? mergeData(later, earlier) : earlier;
  }, undefined);
}

function pick(d: Data): Data {
  return { config: d.config, vars: d.vars, facts: d.facts };
}

interface Reach {
  members: Set<string>;
  /** Every target listed in this group or below it. */
  held: Set<string>;
  /** Every target with a map definition in this group or below it. */
  defined: Set<string>;
}

// Computed once per group of a loaded inventory, so resolving each of N targets walks only the branches
// that hold it (without it, every target walks every group: quadratic in a 10,000-target inventory).
const reaches = new WeakMap<GroupNode, Reach>();

function reach(node: GroupNode): Reach {
  let r = reaches.get(node);
  if (!r) {
    r = { members: new Set(node.members), held: new Set(node.members), defined: new Set(node.defs.keys()) };
    for (const c of node.children) {
      const below = reach(c);
      below.held.forEach((n) => r!.held.add(n));
      below.defined.forEach((n) => r!.defined.add(n));
    }
    reaches.set(node, r);
  }
  return r;
}

/** Data of the groups holding `name` under `node` (inclusive), or undefined if none does. */
function groupData(node: GroupNode, name: string): Data | undefined {
  if (!reach(node).held.has(name)) return undefined;
  const fromChildren = firstWins(node.children.map((c) => groupData(c, name)));
  return fromChildren ? mergeData(pick(node.data), fromChildren) : pick(node.data);
}

/** The target's own definitions under `node`, merged. */
function targetData(node: GroupNode, name: string): Data | undefined {
  if (!reach(node).defined.has(name)) return undefined;
  const fromChildren = firstWins(node.children.map((c) => targetData(c, name)));
  const own = node.defs.get(name);
  if (!own) return fromChildren;
  return fromChildren ? mergeData(pick(own), fromChildren) : pick(own);
}

/** Everything the inventory says about `name`, merged in precedence order (URI excluded). */
export function collectData(root: GroupNode, name: string): Data {
  let data: Data = name === 'localhost' ? { config: { transport: 'local' }, vars: {}, facts: {} } : empty();
  // A target not in the inventory belongs to `all` only, so it still gets the top-level data.
  data = mergeData(data, groupData(root, name) ?? pick(root.data));
  const own = targetData(root, name);
  return own ? mergeData(data, own) : data;
}

/** Names of the groups holding `name`, outermost first, starting with `all`. */
export function groupsOf(root: GroupNode, name: string): string[] {
  const out: string[] = [];
  const walk = (g: GroupNode): boolean => {
    if (!reach(g).held.has(name)) return false;
    const at = out.length;
    out.push(g.name);
    const inChildren = g.children.map(walk).some(Boolean);
    if (inChildren || reach(g).members.has(name)) return true;
    out.length = at;
    return false;
  };
  walk(root);
  return out.length ? out : ['all'];
}
