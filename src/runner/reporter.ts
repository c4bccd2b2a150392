// How the runner tells the outside world what is happening. Rendering lives behind this interface
// (listr2 for people, nothing for --format json), so the logic never prints.
import type { TargetResult } from './results.js';

export interface ItemReporter {
  /** Live detail while the item runs ("stopping pe-puppet", "waiting for a channel"). */
  note(text: string): void;
  finish(result: TargetResult): void;
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
