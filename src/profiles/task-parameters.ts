// `regen task run` without a plan: the parameters a task takes that the target's profile owns (its
// `task_parameters:` section), for those the user did not give. Plans pass their own values.
import type { Target } from '../inventory/types.js';
import type { Params } from '../tasks/parameters.js';
import type { Task } from '../tasks/types.js';
import { parameterType } from '../tasks/parameters.js';
import { isOptional } from '../tasks/puppet-type.js';
import { isPlainObject } from '../util/objects.js';
import { profileFor } from './profile.js';

/**
 * The profile's values for the task's required parameters absent from `given`. An optional parameter
 * stays absent: a task such as cert_info then asks Puppet itself (`puppet config print ssldir`).
 */
export function profileTaskParameters(task: Task, target: Target | undefined, given: Params = {}): Params {
  const owned = profileFor(target).task_parameters;
  if (!isPlainObject(owned)) return {};
  const declared = task.metadata.parameters ?? {};
  const required = (name: string) => declared[name].default === undefined && !isOptional(parameterType(task, name));
  return Object.fromEntries(Object.entries(owned).filter(([name]) => name in declared && !(name in given) && required(name)));
}
