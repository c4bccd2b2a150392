// Plan parameters that a task step passes on as a path (`archive: "${archive}"`): their given values are
// checked like the task's literal paths, so `regen plan restore archive=/var/../tmp/x.tar` is refused before
// any connection, naming the plan parameter and the step it feeds.
import { parseTemplate, pathsOf } from './expr.js';
import { stepLabel, type Plan } from './types.js';
import type { PlanLibrary } from './validate.js';
import { pathParameters, pathProblem } from '../tasks/paths.js';

export function planPathProblems(plan: Plan, library: PlanLibrary, values: Record<string, unknown>): string[] {
  const problems = new Set<string>();
  plan.steps.forEach((step, index) => {
    if (!step.task) return;
    const task = library.task(step.task);
    for (const name of pathParameters(task)) {
      const given = step.parameters?.[name];
      for (const text of Array.isArray(given) ? given : [given]) {
        if (typeof text !== 'string') continue;
        parseTemplate(text).parts.forEach((part, at) => {
          if (typeof part === 'string') return;
          for (const ref of pathsOf(part.expr)) {
            const value = ref.segments.length === 0 ? values[ref.root] : undefined;
            if (!(ref.root in plan.parameters) || typeof value !== 'string') continue;
            // Only a value that starts the path must itself be absolute.
            const why = pathProblem(at === 0 ? value : `/${value}`);
            if (why) problems.add(`plan '${plan.name}' parameter '${ref.root}': '${value}' ${why} (step ${stepLabel(step, index)} passes it to task '${task.name}' as '${name}'; refused before connecting)`);
          }
        });
      }
    }
  });
  return [...problems];
}
