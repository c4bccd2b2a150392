// One SSH connection to one target, reused by every exec of a run. Each exec is a session channel
// (bounded by max-channels). If the connection drops, every running, queued and later exec
// rejects with TransportError('dropped'); nothing is thrown where no one listens.
import type { Client, ClientChannel } from 'ssh2';
import { runPosix, type Launcher, type RawProcess } from '../posix/session.js';
import { TransportError, type Connection, type ExecOptions, type ExecResult } from '../types.js';
import { ChannelLimiter } from './channels.js';
import type { SshSettings } from './config.js';
import { setTimeout as delay } from 'node:timers/promises';

type Exit = { code: number | null; signal: string | null };

export class SshConnection implements Connection {
  readonly shell = 'posix' as const;
  readonly limiter: ChannelLimiter;
  private dead: TransportError | undefined;
  private lastError: Error | undefined;
  private readonly running = new Set<(err: TransportError) => void>();
  private readonly launcher: Launcher;
  private readonly closed: Promise<void>;
  /** Channels the server has opened and not yet closed. */
  private established = 0;

  constructor(
    readonly targetName: string,
    private readonly client: Client,
    private readonly settings: SshSettings,
  ) {
    this.limiter = new ChannelLimiter(settings.maxChannels);
    this.launcher = {
      targetName,
      runAs: settings.runAs,
      launch: (line, control, signal) => this.launch(line, control, signal),
    };
    client.on('error', (err) => {
      this.lastError = err;
    });
    this.closed = new Promise((resolve) => {
      client.once('close', () => {
        this.drop();
        resolve();
      });
    });
  }

  exec(command: string, options?: ExecOptions): Promise<ExecResult> {
    if (this.dead) return Promise.reject(this.dead);
    return runPosix(this.launcher, command, options);
  }

  async close(): Promise<void> {
    this.drop('the connection was closed by regen');
    this.client.end();
    await this.closed;
  }

  private drop(reason?: string): void {
    if (this.dead) return;
    const s = this.settings;
    const cause = reason ?? (this.lastError ? `connection lost: ${this.lastError.message}` : 'connection lost');
    this.dead = new TransportError('dropped', this.targetName, `${s.user}@${s.host}:${s.port}: ${cause}`,
      'The host may have rebooted, or sshd or the network cut the connection. Check the host, then re-run the failed targets.');
    this.limiter.failAll(this.dead);
    for (const reject of this.running) reject(this.dead);
    this.running.clear();
  }

  private async launch(line: string, control: boolean, signal?: AbortSignal): Promise<RawProcess> {
    if (this.dead) throw this.dead;
    let release: () => void;
    let stream: ClientChannel;
    let refusals = 0;
    let lateRefusals = 0;
    let exit: Exit = { code: null, signal: null };
    for (;;) {
      release = await this.limiter.acquire(control, signal);
      try {
        stream = await new Promise<ClientChannel>((resolve, reject) => {
          this.client.exec(line, (err, ch) => {
            if (err) return reject(err);
            // At once, not after the await: packets arriving together (a proxyjump tunnel delivers them
            // so) can carry the exit status in the same tick as the channel's opening.
            ch.on('exit', (code: number | null, sig?: string) => {
              exit = typeof code === 'number' ? { code, signal: null } : { code: null, signal: sig ?? null };
            });
            resolve(ch);
          });
        });
        this.established++;
        break;
      } catch (err) {
        const othersInUse = this.limiter.inUse - 1;
        release();
        if (this.dead) throw this.dead;
        // Refused while other channels are open: sshd's MaxSessions is below max-channels. Keep its
        // real bound (the channels it did open) and wait for a free one.
        if (othersInUse > 0 && ++refusals < 1000) {
          this.limiter.lowerTo(this.established);
          continue;
        }
        // Refused with no other channel of ours open: sshd may still be freeing a session that just closed.
        if (++lateRefusals <= 40) {
          await delay(25);
          continue;
        }
        throw new TransportError('protocol', this.targetName,
          `sshd refused a new session channel: ${(err as Error).message}`,
          "Check sshd's MaxSessions on the target, or lower max-channels for it.");
      }
    }
    if (this.dead) {
      release();
      throw this.dead;
    }
    stream.on('error', () => {});
    stream.stderr.on('error', () => {});
    const done = new Promise<Exit>((resolve, reject) => {
      const onDrop = (err: TransportError) => {
        release();
        reject(err);
      };
      this.running.add(onDrop);
      stream.once('close', () => {
        this.established--;
        this.running.delete(onDrop);
        release();
        resolve(exit);
      });
    });
    return {
      stdin: stream,
      stdout: stream,
      stderr: stream.stderr,
      done,
      abandon: () => {
        try {
          stream.close();
        } catch {
          // already closed
        }
      },
    };
  }
}
