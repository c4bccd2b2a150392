// Puppet's own JSON schemas (Bolt inventory, Bolt YAML plan, task metadata), kept beside the project in
// the workplace's shared/schemas: found through REGEN_SCHEMAS_DIR, ../shared/schemas next to this
// checkout, or /work/shared/schemas.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BUNDLE_ROOT } from '../../src/tasks/bundle.js';

const CANDIDATES = [
  process.env.REGEN_SCHEMAS_DIR,
  path.resolve(BUNDLE_ROOT, '../shared/schemas'),
  '/work/shared/schemas',
].filter((d): d is string => Boolean(d));

export function schemaPath(file: string): string {
  const found = CANDIDATES.map((dir) => path.join(dir, file)).find((p) => existsSync(p));
  if (!found) throw new Error(`Puppet's schema ${file} is in none of ${CANDIDATES.join(', ')}; set REGEN_SCHEMAS_DIR`);
  return found;
}

export function readSchema(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(schemaPath(file), 'utf8'));
}
