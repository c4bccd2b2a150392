// Module tasks from the fixture Bolt project: names, implementations chosen per shell, Bolt's file layout
// in both the POSIX and the PowerShell payloads.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePowershellPayload } from '../../test/support/powershell-payload.js';
import { BUNDLE_ROOT } from './bundle.js';
import { buildInvocation } from './invocation.js';
import { findTask, resolveImplementation } from './load.js';
import { loadTaskLibrary, modulePath } from './modulepath.js';

const project = path.join(BUNDLE_ROOT, 'test/fixtures/bolt-project');
const library = loadTaskLibrary({ project });

describe('loadTaskLibrary', () => {
  it('searches modules/ then .modules/, or --modulepath instead of modules/', () => {
    expect(modulePath({ project })).toEqual([path.join(project, 'modules'), path.join(project, '.modules')]);
    expect(modulePath({ project, modulepath: `a${path.delimiter}/b` })).toEqual([path.join(project, 'a'), '/b', path.join(project, '.modules')]);
  });

  it('keeps regen\'s tasks and adds each module\'s by its Bolt name; the broken one is one warning', () => {
    expect(library.tasks.has('service')).toBe(true);
    expect([...library.tasks.keys()].filter((n) => !library.tasks.get(n)!.metadataPath.startsWith(path.join(BUNDLE_ROOT, 'tasks'))).sort())
      .toEqual(['broken::nohelper', 'hello', 'instdir::tool', 'usesfiles::greet']);
    expect(library.warnings).toHaveLength(1);
    expect(library.warnings[0]).toContain("bad.json: task 'badmeta::bad' skipped");
    expect(findTask(library.tasks, 'hello::init').name).toBe('hello');
  });

  it('a task without implementations runs the .sh on POSIX and the .ps1 on PowerShell', () => {
    const hello = library.tasks.get('hello')!;
    expect(resolveImplementation(hello, 'posix').script.installPath).toBe('hello/tasks/init.sh');
    const ps = resolveImplementation(hello, 'powershell');
    expect(ps.script.installPath).toBe('hello/tasks/init.ps1');
    const payload = decodePowershellPayload(buildInvocation(ps, { message: 'hi' }).stdin);
    expect(payload.taskPath).toBe('hello/tasks/init.ps1');
    expect(payload.params).toMatchObject({ message: 'hi', _task: 'hello' });
  });

  it('files land where Bolt puts them: MODULE/files/... and a whole MODULE/lib/ directory', () => {
    const greet = resolveImplementation(library.tasks.get('usesfiles::greet')!, 'posix');
    expect(greet.files.map((f) => f.installPath)).toEqual(['othermod/files/helper.sh']);
    const tool = resolveImplementation(library.tasks.get('instdir::tool')!, 'posix');
    expect(tool.files.map((f) => f.installPath)).toEqual(['instdir/lib/sub/version.txt', 'instdir/lib/tool.sh']);
    const posix = buildInvocation(tool, {}).stdin;
    expect(posix).toContain('cat > "$regen_dir/instdir/lib/sub/version.txt"');
  });
});
