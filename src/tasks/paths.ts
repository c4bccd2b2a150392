// Path parameters of tasks: the ones a task's metadata lists under extensions.regen.path_parameters
// (files and directories it reads, writes or deletes). A relative path or a '.' / '..' component can be
// refused from the value alone, so it is refused here before any connection; the host's guard (files/guard.sh,
// files/fs.ps1) still refuses the same and also what only the host can know: symlinks resolving elsewhere.
import type { Task } from './types.js';
import type { Params } from './parameters.js';

export function pathParameters(task: Task): string[] {
  const names: unknown = task.metadata.extensions?.regen?.path_parameters;
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
}

/** Why one path is refused, or null: relative, or with a '.' or '..' component. POSIX and Windows forms. */
export function pathProblem(value: string): string | null {
  const absolute = value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value) || value.startsWith('\\\\');
  if (!absolute) return 'is relative; give an absolute path';
  const dots = value.split(/[\\/]/).find((part) => part === '..' || part === '.');
  if (dots) return `has a '${dots}' component; give the path without '.' or '..'`;
  return null;
}

/**
 * Problems with the path parameters of a set of parameters, one per bad value, naming the task, the
 * parameter (with the element for a list) and the value. `unresolved` names values known only later.
 */
export function checkPathParameters(task: Task, params: Params, unresolved: ReadonlySet<string> = new Set()): string[] {
  const problems: string[] = [];
  for (const name of pathParameters(task)) {
    if (!(name in params) || unresolved.has(name)) continue;
    const value = params[name];
    const items: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [`${name}[${i}]`, v]) : [[name, value]];
    for (const [where, item] of items) {
      if (typeof item !== 'string' || item === '') continue; // the type check reports those
      const why = pathProblem(item);
      if (why) problems.push(`task '${task.name}' parameter '${where}': '${item}' ${why} (refused before connecting)`);
    }
  }
  return problems;
}
