// Target specs, as Bolt reads `--targets`: words separated by commas or spaces, each a group name
// (`all` is built in), a target name or alias (case-insensitive), a glob with `*` matched against
// target names and aliases, or a host/URI not in the inventory. `@FILE` reads words from a file,
// one spec per line, `#` starting a comment.
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { groupTargets, type Model } from './build.js';
import { nearMatches, type Issues, type Loc } from './errors.js';
import { looksLikeHost, parseTargetUri, type ParsedUri } from './uri.js';

export interface SpecWord {
  word: string;
  loc: Loc;
}

export interface Selected {
  name: string;
  /** For a target not in the inventory: its URI, parsed. */
  adhoc?: ParsedUri;
}

const SPEC = '(target spec)';

/** Splits a spec into words, reading `@file` entries. */
export function specWords(spec: string | string[], cwd: string, issues: Issues): SpecWord[] {
  const out: SpecWord[] = [];
  const split = (text: string) => text.split(/[\s,]+/).filter((w) => w !== '');
  for (const part of Array.isArray(spec) ? spec : [spec]) {
    for (const word of split(part)) {
      if (!word.startsWith('@')) {
        out.push({ word, loc: { file: SPEC } });
        continue;
      }
      const file = word.slice(1);
      let text: string;
      try {
        text = readFileSync(resolvePath(cwd, file), 'utf8');
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
        issues.add({ file: SPEC }, undefined, `cannot read target list '${file}': ${why}`);
        continue;
      }
      text.split('\n').forEach((line, i) => {
        for (const w of split(line.replace(/#.*/, ''))) {
          const loc = { file, line: i + 1 };
          if (w.startsWith('@')) issues.add(loc, undefined, `'${w}': a target list file cannot include another one`);
          else out.push({ word: w, loc });
        }
      });
    }
  }
  if (out.length === 0 && issues.list.length === 0) issues.add({ file: SPEC }, undefined, 'no targets given');
  return out;
}

function globRegex(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

/**
 * Expands words into target names, first seen first, each once. `missing` explains why names
 * cannot be looked up when there is no inventory file.
 */
export function expandSpec(words: SpecWord[], model: Model, issues: Issues, missing?: string): Selected[] {
  const out = new Map<string, Selected>();
  const add = (s: Selected) => {
    if (!out.has(s.name)) out.set(s.name, s);
  };
  const names = [...model.targets.keys()];
  const lookup = (re: RegExp): string[] => {
    const hits = names.filter((n) => re.test(n));
    for (const [a, t] of model.aliases) if (re.test(a)) hits.push(t);
    return hits;
  };
  for (const { word, loc } of words) {
    const group = model.groups.get(word);
    if (group && !missing) {
      groupTargets(group).forEach((name) => add({ name }));
      continue;
    }
    const hits = missing ? [] : lookup(globRegex(word));
    if (hits.length > 0) {
      hits.forEach((name) => add({ name }));
      continue;
    }
    if (!word.includes('*') && looksLikeHost(word)) {
      const uri = parseTargetUri(word);
      if ('error' in uri) issues.add(loc, undefined, uri.error);
      else add(model.targets.has(uri.safe) ? { name: uri.safe } : { name: uri.safe, adhoc: uri });
      continue;
    }
    issues.add(loc, undefined, missing ? `'${word}': ${missing}` : unknownWord(word, model));
  }
  return [...out.values()];
}

function unknownWord(word: string, model: Model): string {
  const tail = '. To reach a host that is not in the inventory, give its full DNS name or a URI (ssh://host, winrm://host)';
  if (word.includes('*')) {
    const re = globRegex(word);
    const groups = [...model.groups.keys()].filter((g) => re.test(g));
    if (groups.length) {
      return `no target name or alias matches '${word}' (as in Bolt, globs match targets, not groups); matching groups: ${groups.join(', ')}`;
    }
  }
  const what = word.includes('*') ? `no target name or alias matches '${word}'` : `no group, target or alias is named '${word}'`;
  const candidates = [...model.groups.keys(), ...model.targets.keys(), ...model.aliases.keys()];
  const near = nearMatches(word.replace(/\*/g, ''), candidates);
  return `${what}${near.length ? `; near matches: ${near.join(', ')}` : ''}${tail}`;
}
