// How the runner tells the outside world what is happening, as events: a section (a step over its targets)
// starts and ends, each of its items gets notes and then ends with a state; messages stand alone.
// Rendering lives behind this interface (listr2 for people, nothing for --format json), so the logic never prints.
import type { StepStatus } from '../plans/result.js';

/** How an item ended: its state and the one line the tree shows for it. No task result is needed to say so. */
export interface ItemEnd {
  status: StepStatus;
  /** "would run clear_dir {...}", a task's own summary, "done". */
  summary?: string;
  /** Why it failed. */
  error?: string;
}

export interface ItemReporter {
  /** Live detail while the item runs ("stopping pe-puppet", "waiting for a channel"). */
  note(text: string): void;
  finish(end: ItemEnd): void;
}

export interface Reporter {
  /** A titled group of items that run together (a step over its targets, a batch of agents). */
  section<T>(title: string, items: string[], work: (item: (name: string) => ItemReporter) => Promise<T>): Promise<T>;
  /** A message for the user (a plan's `message` step, a warning). */
  message(text: string): void;
}

/** Reports nothing: for --format json and for tests. */
export const silentReporter: Reporter = {
  section: (_title, _items, work) => work(() => ({ note: () => undefined, finish: () => undefined })),
  message: () => undefined,
};
