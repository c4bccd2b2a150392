import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InventoryError } from './errors.js';
import { loadInventory } from './inventory.js';

const dir = mkdtempSync(join(tmpdir(), 'regen-inventory-'));
const missing = join(dir, 'inventory.yaml');

async function failure(run: () => Promise<unknown>): Promise<InventoryError> {
  try {
    await run();
  } catch (e) {
    if (e instanceof InventoryError) return e;
    throw e;
  }
  throw new Error('expected an InventoryError');
}

describe('loadInventory', () => {
  it('names the file in every error', async () => {
    const path = join(dir, 'broken.yaml');
    writeFileSync(path, 'version: 2\ngroups:\n  - name: agents\n    targets: web01\n');
    const e = await failure(() => loadInventory(path));
    expect(e.message).toBe(`${path}:4:14: groups[0].targets: expected a list of targets, got 'web01'`);
  });

  it('explains how to create a missing inventory, pointing to the example', async () => {
    const e = await failure(() => loadInventory(missing));
    expect(e.issues).toHaveLength(1);
    expect(e.message).toMatch(new RegExp(`^${missing}: inventory file not found\\. .*cp \\S*inventory\\.example\\.yaml ${missing}`));
    expect(e.message).toContain('-t ssh://root@puppet.example.com');
  });

  it('treats a missing file as empty when the spec names only hosts and URIs', async () => {
    const spec = 'ssh://root@puppet.example.com,db01.example.com';
    const inv = await loadInventory(missing, { targetSpec: spec });
    expect(inv.exists).toBe(false);
    expect(inv.resolve(spec).map((t) => [t.name, t.host, t.config.ssh.user])).toEqual([
      ['ssh://root@puppet.example.com', 'puppet.example.com', 'root'],
      ['db01.example.com', 'db01.example.com', undefined],
    ]);
    // Names that need an inventory still say where it should be.
    const e = await failure(async () => inv.resolve('agents'));
    expect(e.message).toMatch(new RegExp(`^\\(target spec\\): 'agents': inventory file not found`));
  });

  it('still fails on a missing file when the spec names a group or alias', async () => {
    const e = await failure(() => loadInventory(missing, { targetSpec: 'master,ssh://root@db' }));
    expect(e.message).toContain('inventory file not found');
  });
});
