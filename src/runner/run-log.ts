// The run log: a directory per run, a file per target and step with the command, its output, exit code
// and timings. Secrets are replaced before anything is written.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StepStatus } from '../plans/result.js';
import { redactText } from '../util/objects.js';

/** A log entry's state: a step's (StepStatus), or what happened at a step that runs no task. */
export type LogStatus = StepStatus | 'resumed' | 'message' | 'confirmed' | 'declined';

export interface LogEntry {
  step: string;
  task?: string;
  command?: string;
  params?: Record<string, unknown>;
  stdout?: string;
  stderr?: string;
  exitCode?: number | null;
  status: LogStatus;
  startedAt: string;
  durationMs: number;
  error?: unknown;
}

export class RunLog {
  private counter = 0;
  private readonly secrets = new Set<string>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** A run directory under `root` named by time and command, e.g. .regen/logs/20261127T190102Z-plan-master. */
  static create(root: string, label: string): RunLog {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const safe = label.replace(/[^a-zA-Z0-9_.-]+/g, '-');
    return new RunLog(path.join(root, `${stamp}-${safe}-${process.pid}`));
  }

  /** Values that must never reach the disk: passwords, sensitive task parameters. */
  addSecrets(values: Iterable<unknown>): void {
    for (const v of values) if (typeof v === 'string' && v.length >= 3) this.secrets.add(v);
  }

  redact(text: string): string {
    return redactText(text, this.secrets);
  }

  record(target: string, entry: LogEntry): string {
    const dir = path.join(this.dir, target.replace(/[^a-zA-Z0-9_.@-]+/g, '_'));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = path.join(dir, `${String(++this.counter).padStart(3, '0')}-${entry.step.replace(/[^a-zA-Z0-9_.-]+/g, '_')}.json`);
    writeFileSync(file, this.redact(JSON.stringify(entry, null, 2)) + '\n', { mode: 0o600 });
    appendFileSync(path.join(this.dir, 'events.log'), this.redact(`${entry.startedAt} ${target} ${entry.step} ${entry.status} ${entry.durationMs}ms\n`), { mode: 0o600 });
    return file;
  }

  write(name: string, content: string): void {
    writeFileSync(path.join(this.dir, name), this.redact(content), { mode: 0o600 });
  }
}
