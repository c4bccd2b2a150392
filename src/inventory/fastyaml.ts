// The quick read of an inventory: js-yaml parses a large file about ten times faster than the `yaml`
// library's full document (10,000 targets: ~0.15 s against ~1.6 s), but keeps no positions. So the quick
// read is only ever used for an inventory that turns out clean; a file with any problem, warning or YAML
// construct the two parsers might read differently is read again by yamlread.ts, and every message gets its
// file:line:col. The scalars resolve by the `yaml` library's core schema (its own patterns, below), so both
// reads give the same values.
import yaml from 'js-yaml';
import { Document } from 'yaml';

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$|^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

const CORE = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    new yaml.Type('tag:yaml.org,2002:null', { kind: 'scalar', resolve: (s: string) => NULL.test(s), construct: () => null }),
    new yaml.Type('tag:yaml.org,2002:bool', { kind: 'scalar', resolve: (s: string) => BOOL.test(s), construct: (s: string) => s[0] === 't' || s[0] === 'T' }),
    new yaml.Type('tag:yaml.org,2002:int', {
      kind: 'scalar',
      resolve: (s: string) => INT.test(s) || INT_OCT.test(s) || INT_HEX.test(s),
      construct: (s: string) => (INT.test(s) ? parseInt(s, 10) : parseInt(s.slice(2), INT_OCT.test(s) ? 8 : 16)),
    }),
    new yaml.Type('tag:yaml.org,2002:float', {
      kind: 'scalar',
      resolve: (s: string) => FLOAT_SPECIAL.test(s) || FLOAT.test(s),
      construct: (s: string) => (FLOAT_SPECIAL.test(s) ? specialFloat(s) : parseFloat(s)),
    }),
  ],
});

function specialFloat(s: string): number {
  if (/nan/i.test(s)) return NaN;
  return s.startsWith('-') ? -Infinity : Infinity;
}

/**
 * Directives (`%YAML 1.1` changes the schema) and explicit keys (`? [a, b]`, which js-yaml turns into a
 * string and the `yaml` library rejects) are left to the full read.
 */
const FULL_READ_ONLY = /^%|^[ \t-]*\?(?:[ \t]|$)|^[ \t-]*[[{].*[\]}][ \t]*:(?:[ \t]|$)/m;

/** A key the `yaml` library reads as null or a boolean (refused there), which js-yaml makes a string. */
export function keyReadsDifferently(key: string): boolean {
  return NULL.test(key) || BOOL.test(key);
}

/**
 * The inventory as a position-less document, or undefined when the quick read cannot be trusted to match the
 * full one: a syntax error, a duplicate key (js-yaml refuses it, the full read warns), an unknown or mismatched
 * tag, several documents, or one of the constructs above.
 */
export function quickDocument(text: string): Document | undefined {
  if (FULL_READ_ONLY.test(text)) return undefined;
  let value: unknown;
  try {
    value = yaml.load(text, { schema: CORE });
  } catch {
    return undefined;
  }
  // An empty file is small: the full read says what it lacks.
  if (value === undefined || value === null) return undefined;
  return new Document(value, { aliasDuplicateObjects: false });
}
