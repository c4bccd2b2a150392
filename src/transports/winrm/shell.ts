// The Windows Remote Shell operations, one HTTP request each, with a timeout on every call.
import type { WsmanClient } from './client.js';
import { isTimedOut, parseResponse, readCommandId, readReceive, readShellId, requests, type EnvelopeOptions, type ReceiveResult, type SoapFault } from './soap.js';
import { XmlError, type XmlElement } from './xml.js';

/** Extra time, beyond the operation timeout, the server has to deliver an answer. */
const HTTP_MARGIN_MS = 10_000;

export type Step = 'create shell' | 'start command' | 'send stdin' | 'receive output' | 'signal command' | 'delete shell';

export class WinrmFault extends Error {
  constructor(
    readonly step: Step,
    readonly fault: SoapFault,
  ) {
    const detail = fault.message && fault.message !== fault.reason ? ` ${fault.message}` : '';
    super(`${fault.reason || 'SOAP fault'}${detail} [${[fault.subcode, fault.wsmanCode && `code ${fault.wsmanCode}`].filter(Boolean).join(', ')}]`);
    this.name = 'WinrmFault';
  }
}

export class WinrmProtocolError extends Error {
  constructor(
    readonly step: Step,
    message: string,
  ) {
    super(message);
    this.name = 'WinrmProtocolError';
  }
}

export class ShellOps {
  constructor(
    private readonly client: WsmanClient,
    readonly operationTimeoutMs: number,
  ) {}

  private options(shellId?: string): EnvelopeOptions {
    return { endpoint: this.client.endpoint, operationTimeoutMs: this.operationTimeoutMs, shellId };
  }

  private async call(step: Step, xml: string, signal?: AbortSignal, httpTimeoutMs?: number): Promise<XmlElement | SoapFault> {
    const reply = await this.client.post(xml, httpTimeoutMs ?? this.operationTimeoutMs + HTTP_MARGIN_MS, signal);
    let parsed: ReturnType<typeof parseResponse> | undefined;
    try {
      parsed = reply.text.trim() ? parseResponse(reply.text) : undefined;
    } catch (err) {
      if (!(err instanceof XmlError)) throw err;
    }
    if (parsed?.fault) return parsed.fault;
    if (reply.status !== 200 || !parsed) {
      const snippet = reply.text.replace(/\s+/g, ' ').trim().slice(0, 200);
      throw new WinrmProtocolError(step, `unexpected answer: HTTP ${reply.status}${snippet ? `: ${snippet}` : ' with no body'}`);
    }
    return parsed.root;
  }

  private async expect(step: Step, xml: string, signal?: AbortSignal, httpTimeoutMs?: number): Promise<XmlElement> {
    const result = await this.call(step, xml, signal, httpTimeoutMs);
    if ('reason' in result) throw new WinrmFault(step, result);
    return result;
  }

  async createShell(signal?: AbortSignal): Promise<string> {
    const root = await this.expect('create shell', requests.create(this.options()).xml, signal);
    const id = readShellId(root);
    if (!id) throw new WinrmProtocolError('create shell', 'the Create response carries no ShellId');
    return id;
  }

  async command(shellId: string, commandLine: string, signal?: AbortSignal): Promise<string> {
    const root = await this.expect('start command', requests.command(this.options(shellId), commandLine).xml, signal);
    const id = readCommandId(root);
    if (!id) throw new WinrmProtocolError('start command', 'the Command response carries no CommandId');
    return id;
  }

  async send(shellId: string, commandId: string, data: Buffer, end: boolean, signal?: AbortSignal): Promise<void> {
    await this.expect('send stdin', requests.send(this.options(shellId), commandId, data, end).xml, signal);
  }

  /** One Receive; null when the server reports w:TimedOut (nothing new yet: ask again). */
  async receive(shellId: string, commandId: string, signal?: AbortSignal): Promise<ReceiveResult | null> {
    const result = await this.call('receive output', requests.receive(this.options(shellId), commandId).xml, signal);
    if ('reason' in result) {
      if (isTimedOut(result)) return null;
      throw new WinrmFault('receive output', result);
    }
    return readReceive(result, commandId);
  }

  async terminate(shellId: string, commandId: string, httpTimeoutMs?: number): Promise<void> {
    await this.expect('signal command', requests.signal(this.options(shellId), commandId).xml, undefined, httpTimeoutMs);
  }

  async deleteShell(shellId: string, httpTimeoutMs?: number): Promise<void> {
    await this.expect('delete shell', requests.delete(this.options(shellId)).xml, undefined, httpTimeoutMs);
  }
}
