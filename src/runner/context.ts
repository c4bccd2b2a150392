// A run's shared machinery: its log directory, its connection pool, how it reports.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { transportFor } from '../transports/index.js';
import type { ConnectTarget } from '../transports/types.js';
import { ConnectionPool } from './connections.js';
import type { Reporter } from './reporter.js';
import { RunLog } from './run-log.js';
import type { RunContext } from './run-task.js';

export interface RunContextOptions {
  /** Logs go under <stateDir>/logs, the rerun record is <stateDir>/rerun.json. */
  stateDir: string;
  /** Names the log directory, e.g. "plan-master". */
  label: string;
  reporter: Reporter;
  dryRun?: boolean;
  timeoutSeconds?: number;
}

export function newRunContext(opts: RunContextOptions): RunContext & { log: RunLog } {
  return {
    pool: new ConnectionPool((target: ConnectTarget) => transportFor(target.transport).connect(target)),
    reporter: opts.reporter,
    log: RunLog.create(path.join(opts.stateDir, 'logs'), opts.label),
    dryRun: opts.dryRun,
    timeoutSeconds: opts.timeoutSeconds,
    session: randomBytes(4).toString('hex'),
  };
}

/** Where the targets' outcomes of the last run are kept for --rerun. */
export function rerunFileIn(stateDir: string): string {
  return path.join(stateDir, 'rerun.json');
}
