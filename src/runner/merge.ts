// Merged task calls (a step's `merge: PARAM`): concurrent sub-plans that call the same step's task on the
// same target have their calls gathered into one, group-commit style. The first call starts a batch at
// once; calls arriving while it runs wait and go together in the next one. The batched call gets PARAM as
// the concatenation of every caller's list (the other parameters must be identical, or the call runs
// alone). The task reports per name under `results: {NAME: {...}}`; each caller gets its own names'
// entries, so one name that fails fails only its caller. Names the output does not attribute are run
// again one call per name: never a success guessed for them.
import type { Target } from '../inventory/types.js';
import type { Params } from '../tasks/parameters.js';
import type { Task } from '../tasks/types.js';
import type { ItemReporter } from './reporter.js';
import type { TargetResult } from './results.js';

/** Runs the task once on the target with these parameters (the runner's runTaskOnTarget, bound). */
export type RunOnce = (params: Params, item: ItemReporter | undefined) => Promise<TargetResult>;

interface Call {
  params: Params;
  names: string[];
  item?: ItemReporter;
  resolve(result: TargetResult): void;
}

interface Queue {
  waiting: Call[];
  running: boolean;
}

/** Per-run registry of merge queues, one per (step, target). */
export class CallMerger {
  private readonly queues = new Map<string, Queue>();

  /**
   * The result of this caller's part of a merged call. `wrap` runs the batch (under the step's lock,
   * when it has one); `run` runs the task once.
   */
  call(
    key: { step: string; target: Target; task: Task; param: string },
    params: Params, item: ItemReporter | undefined,
    wrap: <T>(fn: () => Promise<T>) => Promise<T>, run: RunOnce,
  ): Promise<TargetResult> {
    const id = `${key.step}\u0000${key.target.name}`;
    let queue = this.queues.get(id);
    if (!queue) this.queues.set(id, (queue = { waiting: [], running: false }));
    const names = listOf(params[key.param]);
    const result = new Promise<TargetResult>((resolve) => queue!.waiting.push({ params, names, item, resolve }));
    item?.note(`${key.step}: queued with other calls to ${key.task.name} on ${key.target.name}`);
    if (!queue.running) void this.drain(queue, key.param, wrap, run);
    return result;
  }

  private async drain(queue: Queue, param: string, wrap: <T>(fn: () => Promise<T>) => Promise<T>, run: RunOnce): Promise<void> {
    queue.running = true;
    // Calls that arrive in the same turn of the event loop go in the first batch together.
    await new Promise((resolve) => setImmediate(resolve));
    while (queue.waiting.length > 0) {
      const batch = queue.waiting.splice(0);
      const groups = groupBySharedParams(batch, param);
      await wrap(async () => {
        for (const group of groups) await runGroup(group, param, run);
      });
    }
    queue.running = false;
  }
}

async function runGroup(calls: Call[], param: string, run: RunOnce): Promise<void> {
  if (calls.length === 1) {
    calls[0].resolve(await run(calls[0].params, calls[0].item));
    return;
  }
  const names = [...new Set(calls.flatMap((c) => c.names))];
  const merged = await run({ ...calls[0].params, [param]: names }, fanOut(calls));
  for (const c of calls) {
    const own = attribute(merged, c.names);
    // The batch's output says nothing of these names: ask about them alone, once each.
    c.resolve(own ?? (await run(c.params, c.item)));
  }
}

/** The caller's part of a merged result, or null when the output does not report every one of its names. */
function attribute(merged: TargetResult, names: string[]): TargetResult | null {
  const results = merged.value.results as Record<string, Record<string, unknown>> | undefined;
  if (typeof results !== 'object' || results === null) return null;
  const own = names.map((n) => results[n]);
  if (own.some((r) => typeof r !== 'object' || r === null)) return null;
  const failed = own.find((r) => r._error !== undefined);
  const value: Record<string, unknown> = { results: Object.fromEntries(names.map((n, i) => [n, own[i]])), merged_with: Object.keys(results).length };
  if (failed) value._error = failed._error;
  return { ...merged, status: failed ? 'failure' : 'success', value };
}

/** Calls whose parameters other than the merged list are identical can share one task call. */
function groupBySharedParams(calls: Call[], param: string): Call[][] {
  const groups = new Map<string, Call[]>();
  for (const c of calls) {
    const { [param]: _list, ...rest } = c.params;
    const key = JSON.stringify(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)));
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()];
}

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [String(value)];
}

/** One progress line's notes shown on every caller's line. */
function fanOut(calls: Call[]): ItemReporter {
  return {
    note: (text) => calls.forEach((c) => c.item?.note(text)),
    finish: () => undefined,
  };
}
