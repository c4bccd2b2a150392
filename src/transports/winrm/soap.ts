// WS-Management shell messages (MS-WSMV 3.1.4.x, the Windows Remote Shell "cmd" resource):
// request envelopes for Create, Command, Send, Receive, Signal and Delete, and readers for the
// answers. Output chunks are returned as their base64 text; decoding is the caller's job.
import { randomUUID } from 'node:crypto';
import { escapeXml, find, findAll, parseXml, type XmlElement } from './xml.js';

const NS = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  a: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  w: 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
  p: 'http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd',
  rsp: 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell',
};
const SHELL = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell';
const RESOURCE_URI = `${SHELL}/cmd`;
export const ACTION = {
  create: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Create',
  delete: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete',
  command: `${SHELL}/Command`,
  send: `${SHELL}/Send`,
  receive: `${SHELL}/Receive`,
  signal: `${SHELL}/Signal`,
};
export const SIGNAL_TERMINATE = `${SHELL}/signal/terminate`;
export const STATE_DONE = `${SHELL}/CommandState/Done`;
/** WSManFault code of w:TimedOut: the operation timeout passed with nothing to report. */
export const TIMED_OUT_CODE = '2150858793';
export const MAX_ENVELOPE_SIZE = 153600;

export interface EnvelopeOptions {
  endpoint: string;
  operationTimeoutMs: number;
  shellId?: string;
  options?: Record<string, string>;
}

function envelope(action: string, body: string, o: EnvelopeOptions): { xml: string; messageId: string } {
  const messageId = `uuid:${randomUUID().toUpperCase()}`;
  const seconds = (o.operationTimeoutMs / 1000).toFixed(3);
  const selector = o.shellId
    ? `<w:SelectorSet><w:Selector Name="ShellId">${escapeXml(o.shellId)}</w:Selector></w:SelectorSet>`
    : '';
  const options = o.options
    ? `<w:OptionSet>${Object.entries(o.options)
        .map(([k, v]) => `<w:Option Name="${k}">${v}</w:Option>`)
        .join('')}</w:OptionSet>`
    : '';
  const ns = Object.entries(NS)
    .map(([prefix, uri]) => `xmlns:${prefix}="${uri}"`)
    .join(' ');
  const xml =
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope ${ns}><s:Header>` +
    `<a:To>${escapeXml(o.endpoint)}</a:To>` +
    `<a:ReplyTo><a:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>` +
    `<a:Action s:mustUnderstand="true">${action}</a:Action>` +
    `<w:MaxEnvelopeSize s:mustUnderstand="true">${MAX_ENVELOPE_SIZE}</w:MaxEnvelopeSize>` +
    `<a:MessageID>${messageId}</a:MessageID>` +
    `<w:Locale xml:lang="en-US" s:mustUnderstand="false"/><p:DataLocale xml:lang="en-US" s:mustUnderstand="false"/>` +
    `<w:OperationTimeout>PT${seconds}S</w:OperationTimeout>` +
    `<w:ResourceURI s:mustUnderstand="true">${RESOURCE_URI}</w:ResourceURI>` +
    `${selector}${options}</s:Header><s:Body>${body}</s:Body></s:Envelope>`;
  return { xml, messageId };
}

export const requests = {
  /** A cmd shell with UTF-8 console code page and no user profile load. */
  create: (o: EnvelopeOptions) =>
    envelope(
      ACTION.create,
      '<rsp:Shell><rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>',
      { ...o, options: { WINRS_NOPROFILE: 'TRUE', WINRS_CODEPAGE: '65001' } },
    ),
  /**
   * The whole command line goes in <Command>. WinRS runs it through `cmd.exe /c` (skipping cmd
   * only works before Windows Server 2012 R2), so it must be a fixed line without cmd
   * metacharacters: everything variable travels on stdin.
   */
  command: (o: EnvelopeOptions, commandLine: string) =>
    envelope(ACTION.command, `<rsp:CommandLine><rsp:Command>${escapeXml(commandLine)}</rsp:Command></rsp:CommandLine>`, {
      ...o,
      options: { WINRS_CONSOLEMODE_STDIN: 'TRUE', WINRS_SKIP_CMD_SHELL: 'FALSE' },
    }),
  send: (o: EnvelopeOptions, commandId: string, data: Buffer, end: boolean) =>
    envelope(
      ACTION.send,
      `<rsp:Send><rsp:Stream Name="stdin" CommandId="${escapeXml(commandId)}"${end ? ' End="true"' : ''}>` +
        `${data.toString('base64')}</rsp:Stream></rsp:Send>`,
      o,
    ),
  receive: (o: EnvelopeOptions, commandId: string) =>
    envelope(
      ACTION.receive,
      `<rsp:Receive><rsp:DesiredStream CommandId="${escapeXml(commandId)}">stdout stderr</rsp:DesiredStream></rsp:Receive>`,
      { ...o, options: { WSMAN_CMDSHELL_OPTION_KEEPALIVE: 'TRUE' } },
    ),
  signal: (o: EnvelopeOptions, commandId: string, code = SIGNAL_TERMINATE) =>
    envelope(ACTION.signal, `<rsp:Signal CommandId="${escapeXml(commandId)}"><rsp:Code>${code}</rsp:Code></rsp:Signal>`, o),
  delete: (o: EnvelopeOptions) => envelope(ACTION.delete, '', o),
};

export interface SoapFault {
  code: string;
  subcode: string;
  reason: string;
  /** WSManFault Code attribute, e.g. 2150858793 for w:TimedOut. */
  wsmanCode: string;
  /** WSManFault/Message (often more precise than the reason). */
  message: string;
}

/** Parses a response; returns the fault when the body is a SOAP fault. */
export function parseResponse(xml: string): { root: XmlElement; fault?: SoapFault } {
  const root = parseXml(xml);
  const body = find(root, 'Body');
  const fault = body && find(body, 'Fault');
  if (!fault) return { root };
  const values = (name: string) => find(fault, name)?.children.filter((c) => c.name === 'Value') ?? [];
  const wsmanFault = find(fault, 'WSManFault');
  const messageNode = wsmanFault && find(wsmanFault, 'Message');
  return {
    root,
    fault: {
      code: find(fault, 'Code')?.children.find((c) => c.name === 'Value')?.text.trim() ?? '',
      subcode: values('Subcode')[0]?.text.trim() ?? '',
      reason: find(fault, 'Text')?.text.trim() ?? '',
      wsmanCode: wsmanFault?.attrs.Code ?? '',
      message: messageNode ? allText(messageNode).trim() : '',
    },
  };
}

function allText(node: XmlElement): string {
  return node.text + node.children.map(allText).join('');
}

export function isTimedOut(fault: SoapFault): boolean {
  return fault.wsmanCode === TIMED_OUT_CODE || /(^|:)TimedOut$/.test(fault.subcode);
}

export function readShellId(root: XmlElement): string | undefined {
  const selector = findAll(root, 'Selector').find((s) => s.attrs.Name === 'ShellId');
  return (selector ?? find(root, 'ShellId'))?.text.trim() || undefined;
}

export function readCommandId(root: XmlElement): string | undefined {
  return find(root, 'CommandId')?.text.trim() || undefined;
}

export interface ReceiveChunk {
  stream: 'stdout' | 'stderr';
  /** The base64 text exactly as received. */
  base64: string;
}

export interface ReceiveResult {
  chunks: ReceiveChunk[];
  done: boolean;
  /** Present once the command is Done. */
  exitCode?: number;
}

export function readReceive(root: XmlElement, commandId: string): ReceiveResult {
  const chunks: ReceiveChunk[] = [];
  for (const s of findAll(root, 'Stream')) {
    if (s.attrs.CommandId && s.attrs.CommandId.toLowerCase() !== commandId.toLowerCase()) continue;
    const base64 = s.text.replace(/\s+/g, '');
    if (base64 && (s.attrs.Name === 'stdout' || s.attrs.Name === 'stderr')) chunks.push({ stream: s.attrs.Name, base64 });
  }
  const state = find(root, 'CommandState');
  const done = state?.attrs.State === STATE_DONE;
  const exitText = state ? find(state, 'ExitCode')?.text.trim() : undefined;
  const exitCode = done && exitText !== undefined && /^-?\d+$/.test(exitText) ? Number(exitText) : undefined;
  return { chunks, done, exitCode };
}
