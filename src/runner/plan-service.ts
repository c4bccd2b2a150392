// Running a plan against an inventory, as `regen plan` and `regen demo` both do: load the inventory,
// open a log and a connection pool, run (Ctrl-C stops between steps), record the targets' outcomes for
// --rerun and the result in the log. What to print and which exit code are the caller's.
import path from 'node:path';
import { formatIssue, loadInventory, secretValues } from '../inventory/index.js';
import type { PlanResult } from '../plans/result.js';
import type { Plan } from '../plans/types.js';
import { PlanLibrary } from '../plans/validate.js';
import { loadTasks } from '../tasks/load.js';
import { newRunContext, rerunFileIn } from './context.js';
import type { Reporter } from './reporter.js';
import { recordRunOutcomes } from './rerun.js';
import { planTargetOutcomes, runPlan } from './run-plan.js';

export interface PlanRunRequest {
  plan: Plan;
  params: Record<string, unknown>;
  /** The inventory file. */
  inventory: string;
  /** Logs, the rerun record and the plan's resume state live here. */
  stateDir: string;
  reporter: Reporter;
  concurrency: number;
  dryRun?: boolean;
  yes?: boolean;
  /** Asks the user at a confirm step; absent: a confirm step without --yes stops the plan. */
  confirm?: (text: string) => Promise<boolean>;
  fromStep?: string;
  resume?: boolean;
  breakLock?: boolean;
  timeoutSeconds?: number;
  /** Told the inventory's warnings (file:line: path: message) once it is loaded, before anything runs. */
  onWarnings?: (warnings: string[]) => void;
  /** Told when Ctrl-C (SIGINT) or SIGTERM arrives: the run then stops its running commands and ends. */
  onInterrupt?: (signal: NodeJS.Signals) => void;
}

export interface PlanRun {
  plan: Plan;
  result: PlanResult;
  logDir: string;
  elapsedMs: number;
}

export async function runPlanService(req: PlanRunRequest): Promise<PlanRun> {
  const { plan, params } = req;
  const inventory = await loadInventory(req.inventory, { targetSpec: typeof params.targets === 'string' ? params.targets : undefined });
  req.onWarnings?.(inventory.warnings.map(formatIssue));
  const ctx = newRunContext({ stateDir: req.stateDir, label: `plan-${plan.name}`, reporter: req.reporter, dryRun: req.dryRun, timeoutSeconds: req.timeoutSeconds });
  const controller = new AbortController();
  // The first Ctrl-C stops the running commands on the targets and ends the run with its journal written;
  // a second one ends regen at once (the journal on the host was written after the last completed step).
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\n${signal} again: exiting now. Log: ${ctx.log.dir}\n`);
      process.exit(1);
    }
    req.onInterrupt?.(signal);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = Date.now();
  let result: PlanResult;
  try {
    result = await runPlan(plan, params, {
      ctx: { ...ctx, signal: controller.signal },
      resolveTargets: (spec) => {
        const targets = inventory.resolve(spec);
        for (const t of targets) ctx.log.addSecrets(secretValues(t));
        return targets;
      },
      concurrency: req.concurrency,
      dryRun: req.dryRun,
      yes: req.yes,
      confirm: req.confirm,
      fromStep: req.fromStep,
      resume: req.resume,
      breakLock: req.breakLock,
      stateFile: path.join(req.stateDir, 'plans', `${plan.name}.json`),
      library: new PlanLibrary(loadTasks()),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await ctx.pool.closeAll();
  }
  if (!result.dry_run) recordRunOutcomes(rerunFileIn(req.stateDir), `plan ${plan.name}`, planTargetOutcomes(result));
  ctx.log.write('result.json', JSON.stringify(result, null, 2));
  return { plan, result, logDir: ctx.log.dir, elapsedMs: Date.now() - started };
}
