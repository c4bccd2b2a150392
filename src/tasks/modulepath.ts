// Tasks of Bolt modules: regen's own bundle first, then each modulepath directory's MODULE/tasks/*.json.
// A broken metadata file is a warning and that task is left out; it never stops the other tasks.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { BUNDLE_ROOT, MODULE_NAME, TASKS_DIR } from './bundle.js';
import { validateMetadataFile, validateTaskName } from './load.js';
import type { Task } from './types.js';

const MODULE = /^[a-z][a-z0-9_]*$/;

export interface ModulepathOptions {
  /** The Bolt project directory (default: the working directory): its modules/ and .modules/ are searched. */
  project?: string;
  /** `--modulepath a:b`: replaces the project's modules/ (its .modules/ is still searched last, as in Bolt). */
  modulepath?: string;
}

export interface TaskLibrary {
  tasks: Map<string, Task>;
  warnings: string[];
  modulepath: string[];
}

/** The directories holding modules, in the order they are searched. */
export function modulePath(options: ModulepathOptions = {}): string[] {
  const project = path.resolve(options.project ?? process.cwd());
  const given = options.modulepath?.split(path.delimiter).filter(Boolean).map((d) => path.resolve(project, d));
  return [...(given ?? [path.join(project, 'modules')]), path.join(project, '.modules')];
}

export function loadTaskLibrary(options: ModulepathOptions = {}): TaskLibrary {
  const dirs = modulePath(options);
  const roots = new Map<string, string>([[MODULE_NAME, BUNDLE_ROOT]]);
  const warnings: string[] = [];
  for (const dir of dirs.filter(isDir)) {
    for (const module of readdirSync(dir).sort()) {
      const root = path.join(dir, module);
      if (!isDir(root) || roots.has(module)) continue; // the first module of a name wins, as in Bolt
      if (!MODULE.test(module)) warnings.push(`${root}: module name '${module}' must match ${MODULE}; skipped`);
      else roots.set(module, root);
    }
  }
  const tasks = new Map<string, Task>();
  for (const [module, root] of roots) {
    const tasksDir = module === MODULE_NAME ? TASKS_DIR : path.join(root, 'tasks');
    if (!isDir(tasksDir)) continue;
    for (const file of readdirSync(tasksDir).filter((f) => f.endsWith('.json')).sort()) {
      const base = file.slice(0, -'.json'.length);
      const name = module === MODULE_NAME ? base : base === 'init' ? module : `${module}::${base}`;
      const metadataPath = path.join(tasksDir, file);
      const problems = [...validateTaskName(base), ...validateMetadataFile(metadataPath, tasksDir, { base, moduleRoots: roots })];
      if (problems.length > 0) {
        warnings.push(`${metadataPath}: task '${name}' skipped: ${problems.join('; ')}`);
        continue;
      }
      tasks.set(name, { name, module, moduleRoots: roots, metadataPath, metadata: JSON.parse(readFileSync(metadataPath, 'utf8')) });
    }
  }
  return { tasks, warnings, modulepath: dirs };
}

function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}
