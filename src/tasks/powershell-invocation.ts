// Placeholder until the PowerShell payload builder lands (issue 4); replaced wholesale by it.
import type { Params } from './parameters.js';
import type { ResolvedImplementation } from './types.js';

export function buildPowershellInvocation(
  impl: ResolvedImplementation,
  _params: Params,
  _opts: { noop: boolean },
): { command: string; stdin: string } {
  throw new Error(`task '${impl.task.name}': PowerShell targets are not supported yet`);
}
