// Loading and validating task metadata (Bolt's task spec), and choosing an implementation per target.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FILES_DIR, MODULE_NAME, TASKS_DIR } from './bundle.js';
import { parsePuppetType, PuppetTypeError } from './puppet-type.js';
import type { ResolvedImplementation, Task, TaskFile, TaskMetadata } from './types.js';
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

/** Looks a task up by "NAME" or "regen::NAME", suggesting near names when it is unknown. */
export function findTask(tasks: Map<string, Task>, requested: string): Task {
  const name = requested.startsWith(`${MODULE_NAME}::`) ? requested.slice(MODULE_NAME.length + 2) : requested;
  const task = tasks.get(name);
  if (task) return task;
  const near = [...tasks.keys()].filter((n) => n.includes(name) || name.includes(n) || editDistance(n, name) <= 2);
  const hint = near.length > 0 ? ` Did you mean: ${near.join(', ')}?` : ' Run `regen task list` to see them.';
  throw new TaskError([`unknown task '${requested}'.${hint}`]);
}

function validateTaskName(name: string): string[] {
  return TASK_NAME.test(name) ? [] : [`task name '${name}' must match ${TASK_NAME}`];
}

function validateMetadataFile(file: string, dir: string): string[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return [`not valid JSON: ${(e as Error).message}`];
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return ['metadata must be a JSON object'];
  return validateMetadata(data as Record<string, unknown>, dir);
}

/** Bolt's rules for metadata: known keys only, typed parameters with valid names, existing implementations. */
export function validateMetadata(meta: Record<string, unknown>, dir: string): string[] {
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
  const impls = (meta.implementations ?? []) as Array<Record<string, unknown>>;
  if (impls.length === 0) errors.push('needs at least one entry in implementations');
  for (const impl of impls) {
    for (const key of Object.keys(impl)) if (!IMPLEMENTATION_KEYS.has(key)) errors.push(`implementation: unknown key '${key}'`);
    if (!existsSync(path.join(dir, String(impl.name)))) errors.push(`implementation file ${impl.name} does not exist`);
    for (const f of [...((meta.files as string[]) ?? []), ...((impl.files as string[]) ?? [])]) {
      if (!existsSync(sharedFilePath(f))) errors.push(`file ${f} does not exist under ${FILES_DIR}`);
    }
  }
  return errors;
}

function sharedFilePath(boltPath: string): string {
  const prefix = `${MODULE_NAME}/files/`;
  return path.join(FILES_DIR, boltPath.startsWith(prefix) ? boltPath.slice(prefix.length) : boltPath);
}

/** Picks the implementation matching the target's shell (Bolt's "shell" / "powershell" features). */
export function resolveImplementation(task: Task, shell: 'posix' | 'powershell'): ResolvedImplementation {
  const feature = shell === 'posix' ? 'shell' : 'powershell';
  const impls = task.metadata.implementations ?? [];
  const impl = impls.find((i) => (i.requirements ?? []).includes(feature))
    ?? impls.find((i) => (i.requirements ?? []).length === 0 && extensionFits(i.name, shell));
  if (!impl) {
    const have = impls.map((i) => i.name).join(', ');
    throw new TaskError([`task '${task.name}' has no implementation for ${feature} targets (it has: ${have})`]);
  }
  const dir = path.dirname(task.metadataPath);
  const script: TaskFile = {
    installPath: `${MODULE_NAME}/tasks/${impl.name}`,
    contents: readFileSync(path.join(dir, impl.name), 'utf8'),
  };
  const files = [...(task.metadata.files ?? []), ...(impl.files ?? [])].map((f) => ({
    installPath: f.startsWith(`${MODULE_NAME}/`) ? f : `${MODULE_NAME}/files/${f}`,
    contents: readFileSync(sharedFilePath(f), 'utf8'),
  }));
  const inputMethod = impl.input_method ?? task.metadata.input_method ?? (shell === 'powershell' ? 'powershell' : 'both');
  return { task, shell, script, files, inputMethod };
}

function extensionFits(file: string, shell: 'posix' | 'powershell'): boolean {
  return shell === 'powershell' ? file.endsWith('.ps1') : !file.endsWith('.ps1');
}

