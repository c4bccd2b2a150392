// Request reading (regular expressions over the few well-defined elements a shell client sends)
// and response envelopes shaped like those of Windows Server's WinRM service.
import { randomUUID } from 'node:crypto';

const NS =
  'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
  'xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" ' +
  'xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"';
export const SHELL_NS = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell';
export const TRANSFER_NS = 'http://schemas.xmlsoap.org/ws/2004/09/transfer';

export function unescapeXml(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[e]!;
  });
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

const el = (name: string) => `<(?:[\\w.-]+:)?${name}`;
const close = (name: string) => `</(?:[\\w.-]+:)?${name}>`;
const textOf = (xml: string, name: string) => {
  const m = new RegExp(`${el(name)}(?:\\s[^>]*)?>([^<]*)${close(name)}`).exec(xml);
  return m ? unescapeXml(m[1]).trim() : undefined;
};
function attrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out[m[1].replace(/^.*:/, '')] = unescapeXml(m[2] ?? m[3]);
  return out;
}

export interface StreamElement {
  attrs: Record<string, string>;
  text: string;
}

export interface WsmanRequest {
  action: string;
  messageId: string;
  shellId?: string;
  operationTimeoutMs?: number;
  options: Record<string, string>;
  /** Command: <Command> and every <Arguments>, joined by spaces, unescaped. */
  commandLine?: string;
  streams: StreamElement[];
  /** CommandId attribute of DesiredStream (Receive) or Signal. */
  commandId?: string;
  signalCode?: string;
}

export function readRequest(xml: string): WsmanRequest {
  const options: Record<string, string> = {};
  for (const m of xml.matchAll(new RegExp(`${el('Option')}\\s([^>]*?)(?:/>|>([^<]*)${close('Option')})`, 'g'))) {
    const name = attrs(m[1]).Name;
    if (name) options[name] = unescapeXml(m[2] ?? '').trim();
  }
  const selector = new RegExp(`${el('Selector')}\\s[^>]*Name="ShellId"[^>]*>([^<]*)<`).exec(xml);
  const timeout = /PT(\d+(?:\.\d+)?)S/.exec(textOf(xml, 'OperationTimeout') ?? '');
  const command = new RegExp(`${el('Command')}>([^<]*)${close('Command')}`).exec(xml);
  const args = [...xml.matchAll(new RegExp(`${el('Arguments')}>([^<]*)${close('Arguments')}`, 'g'))].map((m) => unescapeXml(m[1]));
  const streams = [...xml.matchAll(new RegExp(`${el('Stream')}\\s([^>]*?)(?:/>|>([^<]*)${close('Stream')})`, 'g'))].map((m) => ({
    attrs: attrs(m[1]),
    text: (m[2] ?? '').trim(),
  }));
  const withCommandId = new RegExp(`${el('(?:DesiredStream|Signal)')}\\s([^>]*)>`).exec(xml);
  return {
    action: textOf(xml, 'Action') ?? '',
    messageId: textOf(xml, 'MessageID') ?? '',
    shellId: selector ? unescapeXml(selector[1]).trim() : undefined,
    operationTimeoutMs: timeout ? Math.round(Number(timeout[1]) * 1000) : undefined,
    options,
    commandLine: command ? [unescapeXml(command[1]), ...args].join(' ').trim() : undefined,
    streams,
    commandId: withCommandId ? attrs(withCommandId[1]).CommandId : undefined,
    signalCode: textOf(xml, 'Code'),
  };
}

export function envelope(action: string, relatesTo: string, body: string): string {
  return (
    `<s:Envelope xml:lang="en-US" ${NS}><s:Header><a:Action>${action}</a:Action>` +
    `<a:MessageID>uuid:${randomUUID().toUpperCase()}</a:MessageID>` +
    `<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>` +
    `<a:RelatesTo>${escapeXml(relatesTo)}</a:RelatesTo></s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}

export interface FaultSpec {
  subcode: string;
  code: string;
  reason: string;
  value?: 's:Sender' | 's:Receiver';
}

export const FAULTS = {
  timedOut: (): FaultSpec => ({
    subcode: 'w:TimedOut',
    code: '2150858793',
    reason: 'The WS-Management service cannot complete the operation within the time specified in OperationTimeout.',
  }),
  shellNotFound: (id: string): FaultSpec => ({
    subcode: 'w:InvalidSelectors',
    code: '2150858843',
    value: 's:Sender',
    reason: `The request for the Windows Remote Shell with ShellId ${id} failed because the shell was not found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer exists on the server. Provide the correct ShellId or create a new shell and retry the operation.`,
  }),
  commandNotFound: (id: string): FaultSpec => ({
    subcode: 'w:InvalidParameter',
    code: '2150858843',
    value: 's:Sender',
    reason: `The request for the Windows Remote Shell command ${id} failed because the command was not found.`,
  }),
  unsupported: (action: string): FaultSpec => ({
    subcode: 'a:ActionNotSupported',
    code: '2150858754',
    value: 's:Sender',
    reason: `The WS-Management service cannot process the request. The action ${action} is not supported.`,
  }),
};

export function faultEnvelope(relatesTo: string, f: FaultSpec): string {
  const reason = escapeXml(f.reason);
  return envelope(
    'http://schemas.dmtf.org/wbem/wsman/1/wsman/fault',
    relatesTo,
    `<s:Fault><s:Code><s:Value>${f.value ?? 's:Receiver'}</s:Value><s:Subcode><s:Value>${f.subcode}</s:Value></s:Subcode></s:Code>` +
      `<s:Reason><s:Text xml:lang="en-US">${reason}</s:Text></s:Reason><s:Detail>` +
      `<f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="${f.code}" Machine="WINAGENT">` +
      `<f:Message>${reason}</f:Message></f:WSManFault></s:Detail></s:Fault>`,
  );
}
