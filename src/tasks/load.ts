// Loading and validating task metadata (Bolt's task spec), and choosing an implementation per target.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BUNDLE_ROOT, FILES_DIR, MODULE_NAME, TASKS_DIR } from './bundle.js';
import { parsePuppetType, PuppetTypeError } from './puppet-type.js';
import type { ResolvedImplementation, Task, TaskFile, TaskImplementationSpec } from './types.js';
import { ValidationError } from '../errors/index.js';
import { editDistance } from '../util/text.js';

const METADATA_KEYS = new Set([
  'description', 'puppet_task_version', 'supports_noop', 'input_method', 'parameters',
  'implementations', 'files', 'private', 'extensions', 'remote',
]);
const PARAMETER_KEYS = new Set(['type', 'description', 'default', 'sensitive']);
const IMPLEMENTATION_KEYS = new Set(['name', 'requirements', 'input_method', 'files', 'remote']);
const PARAMETER_NAME = /^[a-z][a-z0-9_]*$/;
const TASK_NAME = /^[a-z][a-z0-9_]*$/;
const INPUT_METHODS = ['stdin', 'environment', 'both', 'powershell'];

export class TaskError extends ValidationError {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'TaskError';
  }
}

/** Reads and validates every task in a directory; throws TaskError listing every problem found. */
export function loadTasks(dir = TASKS_DIR): Map<string, Task> {
  const tasks = new Map<string, Task>();
  const problems: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const name = file.slice(0, -'.json'.length);
    const metadataPath = path.join(dir, file);
    const errors = [...validateTaskName(name), ...validateMetadataFile(metadataPath, dir)];
    if (errors.length > 0) problems.push(...errors.map((e) => `${metadataPath}: ${e}`));
    else tasks.set(name, { name, metadataPath, metadata: JSON.parse(readFileSync(metadataPath, 'utf8')) });
  }
  if (problems.length > 0) throw new TaskError(problems);
  return tasks;
}

/** Looks a task up by "NAME", "regen::NAME", "MODULE::TASK" or "MODULE" (its init task), suggesting near names. */
export function findTask(tasks: Map<string, Task>, requested: string): Task {
  const name = requested.startsWith(`${MODULE_NAME}::`) ? requested.slice(MODULE_NAME.length + 2) : requested;
  const task = tasks.get(name) ?? (name.endsWith('::init') ? tasks.get(name.slice(0, -'::init'.length)) : undefined);
  if (task) return task;
  // "service::linux" must not be pointed at regen's own "service": a module-qualified name only matches
  // names of the same module.
  const module = name.includes('::') ? name.split('::')[0] : undefined;
  const candidates = [...tasks.values()].filter((t) => !module || (t.module ?? MODULE_NAME) === module).map((t) => t.name);
  const near = candidates.filter((n) => n.includes(name) || name.includes(n) || editDistance(n, name) <= 2);
  const hint = near.length > 0
    ? ` Did you mean: ${near.join(', ')}?`
    : module
      ? ` No module '${module}' task of that name is on the modulepath (the project's modules/ and .modules/, or --modulepath); run \`regen task list\` to see the tasks found.`
      : ' Run `regen task list` to see them.';
  throw new TaskError([`unknown task '${requested}'.${hint}`]);
}

export function validateTaskName(name: string): string[] {
  return TASK_NAME.test(name) ? [] : [`task name '${name}' must match ${TASK_NAME}`];
}

/** How a metadata file is checked: its task's base name (for the script beside it) and where module files are. */
export interface MetadataContext {
  base?: string;
  moduleRoots?: Map<string, string>;
}

export function validateMetadataFile(file: string, dir: string, context: MetadataContext = {}): string[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return [`not valid JSON: ${(e as Error).message}`];
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return ['metadata must be a JSON object'];
  return validateMetadata(data as Record<string, unknown>, dir, { base: path.basename(file, '.json'), ...context });
}

/** Bolt's rules for metadata: known keys only, typed parameters with valid names, existing implementations. */
export function validateMetadata(meta: Record<string, unknown>, dir: string, context: MetadataContext = {}): string[] {
  const errors: string[] = [];
  for (const key of Object.keys(meta)) if (!METADATA_KEYS.has(key)) errors.push(`unknown key '${key}'`);
  if (meta.input_method !== undefined && !INPUT_METHODS.includes(meta.input_method as string)) {
    errors.push(`input_method must be one of ${INPUT_METHODS.join(', ')}`);
  }
  const params = (meta.parameters ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, spec] of Object.entries(params)) {
    if (!PARAMETER_NAME.test(name)) errors.push(`parameter '${name}' must match ${PARAMETER_NAME}`);
    for (const key of Object.keys(spec)) if (!PARAMETER_KEYS.has(key)) errors.push(`parameters.${name}: unknown key '${key}'`);
    if (typeof spec.type !== 'string') errors.push(`parameters.${name}: needs a Puppet type string in 'type'`);
    else {
      try {
        parsePuppetType(spec.type);
      } catch (e) {
        if (e instanceof PuppetTypeError) errors.push(`parameters.${name}: ${e.message}`);
        else throw e;
      }
    }
    if (typeof spec.description !== 'string') errors.push(`parameters.${name}: needs a description`);
  }
  const impls = (meta.implementations ?? defaultImplementations(dir, context.base)) as Array<Record<string, unknown>>;
  if (impls.length === 0) {
    errors.push(meta.implementations === undefined
      ? `no implementations and no script ${context.base ?? 'NAME'}.* beside the metadata`
      : 'needs at least one entry in implementations');
  }
  for (const impl of impls) {
    for (const key of Object.keys(impl)) if (!IMPLEMENTATION_KEYS.has(key)) errors.push(`implementation: unknown key '${key}'`);
    if (!existsSync(path.join(dir, String(impl.name)))) errors.push(`implementation file ${impl.name} does not exist`);
    for (const f of [...((meta.files as string[]) ?? []), ...((impl.files as string[]) ?? [])]) {
      const source = sharedFilePath(f, context.moduleRoots);
      if (!source) errors.push(`file ${f}: module '${f.split('/')[0]}' is not on the modulepath`);
      else if (!existsSync(source)) errors.push(`file ${f} does not exist (looked for ${source})`);
    }
  }
  return errors;
}

/** Bolt's rule for a task without `implementations`: the one script beside the metadata with its base name. */
function defaultImplementations(dir: string, base: string | undefined): Array<{ name: string }> {
  if (!base || !existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.`) && !f.endsWith('.json') && !f.endsWith('.md'))
    .sort()
    .map((name) => ({ name }));
}

/** The task's implementations: its metadata's, or the script beside it. */
export function implementationsOf(task: Task): TaskImplementationSpec[] {
  return task.metadata.implementations ?? defaultImplementations(path.dirname(task.metadataPath), path.basename(task.metadataPath, '.json'));
}

/**
 * Where a task file named as Bolt names it ("MODULE/files/x", "MODULE/lib/x") is on this machine; a bare
 * "x" is one of regen's own files. Undefined when MODULE is not on the modulepath.
 */
function sharedFilePath(boltPath: string, roots?: Map<string, string>): string | undefined {
  const [module, ...rest] = boltPath.split('/');
  if (rest.length === 0) return path.join(FILES_DIR, boltPath);
  if (module === MODULE_NAME) return path.join(BUNDLE_ROOT, ...rest);
  const root = roots?.get(module);
  return root ? path.join(root, ...rest) : undefined;
}

function installPathOf(boltPath: string): string {
  return boltPath.includes('/') ? boltPath : `${MODULE_NAME}/files/${boltPath}`;
}

/** Picks the implementation matching the target's shell (Bolt's "shell" / "powershell" features). */
export function resolveImplementation(task: Task, shell: 'posix' | 'powershell'): ResolvedImplementation {
  const feature = shell === 'posix' ? 'shell' : 'powershell';
  const impls = implementationsOf(task);
  const impl = impls.find((i) => (i.requirements ?? []).includes(feature))
    ?? impls.find((i) => (i.requirements ?? []).length === 0 && extensionFits(i.name, shell));
  if (!impl) {
    const have = impls.map((i) => i.name).join(', ');
    throw new TaskError([`task '${task.name}' has no implementation for ${feature} targets (it has: ${have})`]);
  }
  const dir = path.dirname(task.metadataPath);
  const script: TaskFile = {
    installPath: `${task.module ?? MODULE_NAME}/tasks/${impl.name}`,
    contents: readFileSync(path.join(dir, impl.name), 'utf8'),
  };
  const files = [...(task.metadata.files ?? []), ...(impl.files ?? [])].flatMap((f) => {
    const source = sharedFilePath(f, task.moduleRoots);
    if (!source) throw new TaskError([`task '${task.name}': file ${f} names a module that is not on the modulepath`]);
    // Bolt: an entry ending in '/' is a directory, delivered with everything under it.
    if (f.endsWith('/')) return filesUnder(source).map((rel) => ({ installPath: `${f}${rel}`, contents: readFileSync(path.join(source, rel), 'utf8') }));
    return [{ installPath: installPathOf(f), contents: readFileSync(source, 'utf8') }];
  });
  const inputMethod = impl.input_method ?? task.metadata.input_method ?? (shell === 'powershell' ? 'powershell' : 'both');
  return { task, shell, script, files, inputMethod };
}

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? filesUnder(dir, rel) : [rel];
  });
}

function extensionFits(file: string, shell: 'posix' | 'powershell'): boolean {
  return shell === 'powershell' ? file.endsWith('.ps1') : !file.endsWith('.ps1');
}

