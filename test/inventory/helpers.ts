// Helpers for the inventory unit tests: inline YAML written naturally in the test source.
import { formatIssue, InventoryError } from '../../src/inventory/errors.js';
import { inventoryFromYaml, type LoadOptions } from '../../src/inventory/inventory.js';

/** Strips the indentation shared by all lines and the first newline, so line 1 is the first line. */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '');
  const lines = text.split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** An inventory from inline YAML, named inventory.yaml in messages, with an empty environment. */
export function load(source: string, options: LoadOptions = {}) {
  return inventoryFromYaml(source, 'inventory.yaml', { env: {}, ...options });
}

/** The formatted problems an inventory (or a spec resolved against it) is rejected with. */
export function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    if (e instanceof InventoryError) return e.issues.map(formatIssue);
    throw e;
  }
  throw new Error('expected an InventoryError, but nothing was thrown');
}
