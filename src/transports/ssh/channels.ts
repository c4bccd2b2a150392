// Bounds the session channels open on one SSH connection (sshd refuses more than MaxSessions,
// 10 by default). Commands queue beyond the bound. One channel is kept for "control" work, the
// stopper that kills a timed-out command: a timed-out command keeps its channel until its
// processes are dead, so if commands could fill every channel nothing could ever stop them.
import { LaunchAborted } from '../posix/session.js';

interface Waiter {
  control: boolean;
  grant: (release: () => void) => void;
  fail: (err: Error) => void;
}

export class ChannelLimiter {
  private open = 0;
  private readonly queue: Waiter[] = [];
  private failure: Error | undefined;
  /** Highest number of channels open at once so far (for tests and diagnostics). */
  peak = 0;

  constructor(private max: number) {}

  /** Channels open right now. */
  get inUse(): number {
    return this.open;
  }

  /** The server refused a channel while `others` were open: its MaxSessions is lower than ours. */
  lowerTo(others: number): void {
    this.max = Math.max(1, Math.min(this.max, others));
  }

  private limit(control: boolean): number {
    if (this.max >= 2) return control ? this.max : this.max - 1;
    return control ? 2 : 1; // with max 1 the stopper needs a second channel; sshd may refuse it
  }

  acquire(control: boolean, signal?: AbortSignal): Promise<() => void> {
    if (this.failure) return Promise.reject(this.failure);
    if (signal?.aborted) return Promise.reject(new LaunchAborted());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        control,
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        fail: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        waiter.fail(new LaunchAborted());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (control) this.queue.unshift(waiter);
      else this.queue.push(waiter);
      this.pump();
    });
  }

  /** Rejects every queued waiter and every later acquire with `err` (the connection is gone). */
  failAll(err: Error): void {
    this.failure = err;
    for (const w of this.queue.splice(0)) w.fail(err);
  }

  private pump(): void {
    for (let i = 0; i < this.queue.length; ) {
      const w = this.queue[i];
      if (this.open >= this.limit(w.control)) {
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.open++;
      this.peak = Math.max(this.peak, this.open);
      let released = false;
      w.grant(() => {
        if (released) return;
        released = true;
        this.open--;
        this.pump();
      });
    }
  }
}
