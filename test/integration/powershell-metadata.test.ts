// Each PowerShell task script is listed in its task's metadata the way the Windows targets need:
// the powershell requirement, Bolt's powershell input method (the task-level input_method
// is the POSIX one), and exactly the shared libraries the script dot-sources.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TASKS_DIR } from '../../src/tasks/bundle.js';
import { loadTasks, resolveImplementation } from '../../src/tasks/load.js';

const AGENT_TASKS = ['backup', 'cert_info', 'cert_request', 'clear_dir', 'facts', 'puppet_run', 'remove_file', 'restore', 'service'];
const psTasks = readdirSync(TASKS_DIR).filter((f) => f.endsWith('.ps1')).map((f) => f.slice(0, -4)).sort();

/** The regen/files/*.ps1 a script dot-sources: `. (Join-Path $lib 'x.ps1')` or `'regen\files\x.ps1'`. */
function dotSourced(script: string): string[] {
  const libs = new Set<string>();
  for (const m of script.matchAll(/^\. \(Join-Path \$lib '([a-z]+\.ps1)'\)/gm)) libs.add(`regen/files/${m[1]}`);
  for (const m of script.matchAll(/'regen\\files\\([a-z]+\.ps1)'/g)) libs.add(`regen/files/${m[1]}`);
  return [...libs].sort();
}

describe('PowerShell task metadata', () => {
  it('has a PowerShell implementation for every agent-side task', () => {
    expect(psTasks).toEqual(AGENT_TASKS);
  });

  it.each(psTasks)('%s lists NAME.ps1 for powershell targets with the libraries it dot-sources', (name) => {
    const meta = JSON.parse(readFileSync(path.join(TASKS_DIR, `${name}.json`), 'utf8'));
    const entry = meta.implementations.find((i: { name: string }) => i.name === `${name}.ps1`);
    expect(entry).toMatchObject({ requirements: ['powershell'], input_method: 'powershell' });
    const script = readFileSync(path.join(TASKS_DIR, `${name}.ps1`), 'utf8');
    expect(dotSourced(script)).toContain('regen/files/task.ps1');
    expect([...entry.files].sort()).toEqual(dotSourced(script));

    const impl = resolveImplementation(loadTasks().get(name)!, 'powershell');
    expect(impl).toMatchObject({ shell: 'powershell', inputMethod: 'powershell', script: { installPath: `regen/tasks/${name}.ps1` } });
    expect(resolveImplementation(loadTasks().get(name)!, 'posix').script.installPath).toBe(`regen/tasks/${name}.sh`);
  });

  it.each(psTasks)('%s declares _noop and _installdir in its param block', (name) => {
    const script = readFileSync(path.join(TASKS_DIR, `${name}.ps1`), 'utf8');
    const block = /^param\(([\s\S]*?)\n\)/m.exec(script)?.[1] ?? '';
    expect(block).toMatch(/\[switch\]\$_noop/);
    expect(block).toMatch(/\[string\]\$_installdir/);
  });
});
