// Shell and command state of the test server: runs each command through the pluggable handler,
// buffers its output and hands it out over Receive in pieces of at most `chunkBytes`.
import { randomUUID } from 'node:crypto';
import { envelope, escapeXml, FAULTS, faultEnvelope, SHELL_NS, TRANSFER_NS, type FaultSpec, type WsmanRequest } from './soap.js';
import type { WsmanFaultInjector, WsmanHandler, WsmanOutput } from './types.js';

interface Command {
  id: string;
  commandLine: string;
  output: { stream: 'stdout' | 'stderr'; data: Buffer }[];
  done: boolean;
  exitCode: number;
  abort: AbortController;
  stdin: Buffer[];
  stdinEnded: boolean;
  wake: Set<() => void>;
}

interface Shell {
  id: string;
  user: string;
  options: Record<string, string>;
  commands: Map<string, Command>;
}

export interface Answer {
  status: number;
  xml: string;
  fault?: string;
}

function notify(c: Command): void {
  for (const w of [...c.wake]) w();
}

function waitFor(c: Command, ms: number, gone: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      c.wake.delete(done);
      gone.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    c.wake.add(done);
    gone.addEventListener('abort', done, { once: true });
  });
}

export class Shells {
  private readonly shells = new Map<string, Shell>();

  constructor(
    private readonly handler: WsmanHandler,
    private readonly settings: { operationTimeoutMs?: number; chunkBytes: number; endpoint: () => string; inject?: WsmanFaultInjector },
  ) {}

  get open(): number {
    return this.shells.size;
  }

  closeAll(): void {
    for (const shell of this.shells.values()) for (const c of shell.commands.values()) c.abort.abort();
    this.shells.clear();
  }

  /** Handles one decoded request; `gone` aborts when the client hangs up. */
  async handle(req: WsmanRequest, user: string, gone: AbortSignal): Promise<Answer> {
    const ok = (action: string, body: string): Answer => ({ status: 200, xml: envelope(action, req.messageId, body) });
    const fault = (f: FaultSpec): Answer => ({ status: 500, xml: faultEnvelope(req.messageId, f), fault: f.subcode });
    const action = req.action.replace(/^.*\//, '');
    const injected = this.settings.inject?.({ action, commandLine: req.commandLine, shellId: req.shellId });
    if (injected) return fault(injected);

    if (req.action === `${TRANSFER_NS}/Create`) {
      const id = randomUUID().toUpperCase();
      this.shells.set(id, { id, user, options: req.options, commands: new Map() });
      return ok(
        `${TRANSFER_NS}/CreateResponse`,
        `<x:ResourceCreated><a:Address>${escapeXml(this.settings.endpoint())}</a:Address><a:ReferenceParameters>` +
          `<w:ResourceURI>${SHELL_NS}/cmd</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">${id}</w:Selector>` +
          `</w:SelectorSet></a:ReferenceParameters></x:ResourceCreated><rsp:Shell><rsp:ShellId>${id}</rsp:ShellId>` +
          `<rsp:ResourceUri>${SHELL_NS}/cmd</rsp:ResourceUri><rsp:Owner>${escapeXml(user)}</rsp:Owner>` +
          `<rsp:IdleTimeOut>PT7200.000S</rsp:IdleTimeOut><rsp:InputStreams>stdin</rsp:InputStreams>` +
          `<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>`,
      );
    }

    const shell = req.shellId ? this.shells.get(req.shellId) : undefined;
    if (!shell) return fault(FAULTS.shellNotFound(req.shellId ?? ''));

    switch (req.action) {
      case `${TRANSFER_NS}/Delete`:
        for (const c of shell.commands.values()) c.abort.abort();
        this.shells.delete(shell.id);
        return ok(`${TRANSFER_NS}/DeleteResponse`, '');
      case `${SHELL_NS}/Command`: {
        const command = this.start(shell, req.commandLine ?? '');
        return ok(`${SHELL_NS}/CommandResponse`, `<rsp:CommandResponse><rsp:CommandId>${command.id}</rsp:CommandId></rsp:CommandResponse>`);
      }
      case `${SHELL_NS}/Send`: {
        for (const s of req.streams) {
          const c = shell.commands.get(s.attrs.CommandId ?? '');
          if (!c) return fault(FAULTS.commandNotFound(s.attrs.CommandId ?? ''));
          if (s.text) c.stdin.push(Buffer.from(s.text, 'base64'));
          if (s.attrs.End === 'true') c.stdinEnded = true;
          notify(c);
        }
        return ok(`${SHELL_NS}/SendResponse`, '<rsp:SendResponse/>');
      }
      case `${SHELL_NS}/Signal`: {
        const c = shell.commands.get(req.commandId ?? '');
        if (!c) return fault(FAULTS.commandNotFound(req.commandId ?? ''));
        c.abort.abort();
        shell.commands.delete(c.id);
        return ok(`${SHELL_NS}/SignalResponse`, '<rsp:SignalResponse/>');
      }
      case `${SHELL_NS}/Receive`: {
        const c = shell.commands.get(req.commandId ?? '');
        if (!c) return fault(FAULTS.commandNotFound(req.commandId ?? ''));
        const limit = Math.min(req.operationTimeoutMs ?? 60_000, this.settings.operationTimeoutMs ?? Infinity);
        const deadline = Date.now() + limit;
        while (c.output.length === 0 && !c.done && Date.now() < deadline && !gone.aborted) {
          await waitFor(c, deadline - Date.now(), gone);
        }
        if (gone.aborted) return { status: 499, xml: '' };
        if (c.output.length === 0 && !c.done) return fault(FAULTS.timedOut());
        return ok(`${SHELL_NS}/ReceiveResponse`, `<rsp:ReceiveResponse>${this.drain(c)}</rsp:ReceiveResponse>`);
      }
      default:
        return fault(FAULTS.unsupported(action));
    }
  }

  /** Takes at most chunkBytes of buffered output; reports Done once everything went out. */
  private drain(c: Command): string {
    let budget = this.settings.chunkBytes;
    let xml = '';
    while (c.output.length > 0 && budget > 0) {
      const item = c.output[0];
      const piece = item.data.subarray(0, budget);
      if (piece.length === item.data.length) c.output.shift();
      else item.data = item.data.subarray(piece.length);
      budget -= piece.length;
      xml += `<rsp:Stream Name="${item.stream}" CommandId="${c.id}">${piece.toString('base64')}</rsp:Stream>`;
    }
    const state = (s: string) => `${SHELL_NS}/CommandState/${s}`;
    if (c.done && c.output.length === 0) {
      return (
        xml +
        `<rsp:Stream Name="stdout" CommandId="${c.id}" End="true"></rsp:Stream>` +
        `<rsp:Stream Name="stderr" CommandId="${c.id}" End="true"></rsp:Stream>` +
        `<rsp:CommandState CommandId="${c.id}" State="${state('Done')}"><rsp:ExitCode>${c.exitCode}</rsp:ExitCode></rsp:CommandState>`
      );
    }
    return xml + `<rsp:CommandState CommandId="${c.id}" State="${state('Running')}"/>`;
  }

  private start(shell: Shell, commandLine: string): Command {
    const c: Command = {
      id: randomUUID().toUpperCase(),
      commandLine,
      output: [],
      done: false,
      exitCode: 0,
      abort: new AbortController(),
      stdin: [],
      stdinEnded: false,
      wake: new Set(),
    };
    shell.commands.set(c.id, c);
    const stdin: AsyncIterable<Buffer> = {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          if (c.stdin.length > 0) yield c.stdin.shift()!;
          else if (c.stdinEnded || c.abort.signal.aborted) return;
          else await waitFor(c, 60_000, c.abort.signal);
        }
      },
    };
    const readStdin = async () => {
      const parts: Buffer[] = [];
      for await (const part of stdin) parts.push(part);
      return Buffer.concat(parts);
    };
    void (async () => {
      try {
        const outputs: AsyncIterable<WsmanOutput> = this.handler({ commandLine, stdin, readStdin, signal: c.abort.signal, user: shell.user });
        for await (const out of outputs) {
          if (c.abort.signal.aborted) break;
          if ('exitCode' in out) {
            c.exitCode = out.exitCode;
            break;
          }
          const data = typeof out.data === 'string' ? Buffer.from(out.data, 'utf8') : out.data;
          if (data.length > 0) c.output.push({ stream: out.stream, data });
          notify(c);
        }
      } catch (err) {
        c.output.push({ stream: 'stderr', data: Buffer.from(`handler failed: ${(err as Error).message}\r\n`) });
        c.exitCode = 1;
      } finally {
        c.done = true;
        notify(c);
      }
    })();
    return c;
  }
}
