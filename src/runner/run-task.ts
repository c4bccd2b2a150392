// Running one task on targets: connect (reusing the run's connection), build the invocation,
// execute, turn the output into a result, log it. A target's failure never affects another.
import type { Target } from '../inventory/types.js';
import type { RegenError } from '../plans/result.js';
import { buildInvocation } from '../tasks/invocation.js';
import { resolveImplementation } from '../tasks/load.js';
import { redactParams, sensitiveNames, withDefaults, type Params } from '../tasks/parameters.js';
import type { Task } from '../tasks/types.js';
import { TransportError } from '../transports/types.js';
import { mapLimit } from './concurrency.js';
import type { ConnectionPool } from './connections.js';
import type { ItemReporter, Reporter } from './reporter.js';
import { failureResult, itemEnd, taskResult, type TargetResult } from './results.js';
import type { LogEntry, RunLog } from './run-log.js';

export interface RunContext {
  pool: ConnectionPool;
  reporter: Reporter;
  log?: RunLog;
  /** Dry run: tasks get `_noop` (Bolt's no-op mode); one that does not support it is not run. */
  dryRun?: boolean;
  /** Per-task limit in seconds; the task is stopped on the target when it passes. */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** This controller process's session id: tags its tasks' temporary directories on the targets. */
  session?: string;
}

/** Runs a task on one target and returns its result; never throws for a target-side problem. */
export async function runTaskOnTarget(
  target: Target, task: Task, params: Params, ctx: RunContext, step = task.name, item?: ItemReporter,
): Promise<TargetResult> {
  const startedAt = new Date();
  const values = withDefaults(task, params);
  ctx.log?.addSecrets(sensitiveNames(task).map((n) => values[n]));
  if (ctx.dryRun && !task.metadata.supports_noop) {
    return failureResult(target.name, task.name, {
      kind: 'regen/noop-unsupported',
      msg: `task '${task.name}' does not support no-op mode, so it was not run on ${target.name} during a dry run`,
    });
  }
  let result: TargetResult;
  let logged: Partial<LogEntry> = {};
  try {
    item?.note('connecting');
    const connection = await ctx.pool.get(target);
    const impl = resolveImplementation(task, connection.shell);
    const tmpdir = target.config[target.config.transport] as { tmpdir?: string };
    const invocation = buildInvocation(impl, values, { dryRun: ctx.dryRun, timeoutSeconds: ctx.timeoutSeconds, tmpdir: tmpdir.tmpdir, tag: ctx.session });
    item?.note(`running ${task.name}`);
    const exec = await connection.exec(invocation.command, {
      stdin: invocation.stdin,
      // The transport's own limit is a backstop a little after the target's `timeout` has fired.
      timeoutMs: ctx.timeoutSeconds ? ctx.timeoutSeconds * 1000 + 10_000 : undefined,
      signal: ctx.signal,
    });
    // coreutils `timeout` exits 124 when it stopped the task at the limit, 137 when it had to KILL it.
    const stopped = Boolean(ctx.timeoutSeconds) && impl.shell === 'posix' && (exec.exitCode === 124 || exec.exitCode === 137);
    result = taskResult(target.name, task.name, stopped ? { ...exec, timedOut: true } : exec);
    logged = { command: invocation.command, stdout: exec.stdout, stderr: exec.stderr, exitCode: exec.exitCode };
  } catch (e) {
    if (e instanceof TransportError && e.kind === 'dropped') await ctx.pool.discard(target);
    result = failureResult(target.name, task.name, describeFailure(e, target, task));
  }
  ctx.log?.record(target.name, {
    step, task: task.name, params: redactParams(task, values), ...logged, status: result.status,
    startedAt: startedAt.toISOString(), durationMs: Date.now() - startedAt.getTime(),
    error: result.value._error,
  });
  item?.finish(itemEnd(result));
  return result;
}

/** Runs a task on many targets, at most `concurrency` at a time, under one reporter section. */
export async function runTask(
  task: Task, targets: Target[], params: Params | ((target: Target) => Params), ctx: RunContext,
  options: { concurrency?: number; title?: string } = {},
): Promise<TargetResult[]> {
  const paramsOf = typeof params === 'function' ? params : () => params;
  return ctx.reporter.section(options.title ?? `task ${task.name}`, targets.map((t) => t.name), (item) =>
    mapLimit(targets, options.concurrency ?? 10, (target) => runTaskOnTarget(target, task, paramsOf(target), ctx, task.name, item(target.name))),
  );
}

function describeFailure(e: unknown, target: Target, task: Task): RegenError {
  if (e instanceof TransportError) {
    return {
      kind: `regen/${e.kind}`,
      msg: `${target.name}: could not run task '${task.name}': ${e.message}${e.hint ? ` (${e.hint})` : ''}`,
      details: { transport: target.unsupportedTransport ?? target.config.transport, host: target.host },
    };
  }
  return { kind: 'regen/error', msg: `${target.name}: task '${task.name}': ${(e as Error).message ?? String(e)}` };
}
