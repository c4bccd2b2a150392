import { describe, expect, it } from 'vitest';
import { parseHttpResponse } from './http.js';
import { isTimedOut, parseResponse, readCommandId, readReceive, readShellId, requests } from './soap.js';
import { parseXml, XmlError } from './xml.js';

const S = 'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell"';
const DONE = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done';
const RUNNING = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running';

describe('xml reader', () => {
  it('keeps every value a string, decodes entities and CDATA, matches local names', () => {
    const root = parseXml(`<?xml version="1.0"?><!-- c --><a:R x:n="0012" b="&lt;&amp;&#x4E2D;&#233;"><b:V>12e4</b:V><V><![CDATA[<raw>]]></V><e/></a:R>`);
    expect(root.name).toBe('R');
    expect(root.attrs).toEqual({ n: '0012', b: '<&中é' });
    expect(root.children.map((c) => c.text)).toEqual(['12e4', '<raw>', '']);
  });

  it('rejects malformed documents', () => {
    expect(() => parseXml('<a><b></a>')).toThrow(XmlError);
    expect(() => parseXml('<a>')).toThrow(XmlError);
    expect(() => parseXml('<a/><b/>')).toThrow(XmlError);
  });
});

describe('WS-Management messages', () => {
  const o = { endpoint: 'http://h:5985/wsman', operationTimeoutMs: 20_000, shellId: 'S-1' };

  it('creates a UTF-8 shell without profile and runs the whole command line, XML-escaped', () => {
    const create = requests.create(o).xml;
    expect(create).toContain('<w:Option Name="WINRS_NOPROFILE">TRUE</w:Option>');
    expect(create).toContain('<w:Option Name="WINRS_CODEPAGE">65001</w:Option>');
    const cmd = requests.command(o, 'powershell.exe -Command "a & b <c>"').xml;
    expect(cmd).toContain('<rsp:Command>powershell.exe -Command &quot;a &amp; b &lt;c&gt;&quot;</rsp:Command>');
    expect(cmd).toContain('<w:OperationTimeout>PT20.000S</w:OperationTimeout>');
    expect(cmd).toContain('<w:Selector Name="ShellId">S-1</w:Selector>');
  });

  it('reads stream chunks as base64 text, even when they look like numbers', () => {
    const xml =
      `<s:Envelope ${S}><s:Body><rsp:ReceiveResponse>` +
      `<rsp:Stream Name="stdout" CommandId="C1">0012</rsp:Stream><rsp:Stream Name="stderr" CommandId="C1">12e4</rsp:Stream>` +
      `<rsp:Stream Name="stdout" CommandId="c1">442444244424442444244424</rsp:Stream>` +
      `<rsp:Stream Name="stdout" CommandId="C1" End="true"></rsp:Stream>` +
      `<rsp:CommandState CommandId="C1" State="${DONE}"><rsp:ExitCode>4294967295</rsp:ExitCode></rsp:CommandState>` +
      `</rsp:ReceiveResponse></s:Body></s:Envelope>`;
    const r = readReceive(parseResponse(xml).root, 'C1');
    expect(r.chunks).toEqual([
      { stream: 'stdout', base64: '0012' },
      { stream: 'stderr', base64: '12e4' },
      { stream: 'stdout', base64: '442444244424442444244424' },
    ]);
    expect(r).toMatchObject({ done: true, exitCode: 4294967295 });
  });

  it('reports Running without an exit code', () => {
    const xml = `<s:Envelope ${S}><s:Body><rsp:ReceiveResponse><rsp:CommandState CommandId="C1" State="${RUNNING}"/></rsp:ReceiveResponse></s:Body></s:Envelope>`;
    expect(readReceive(parseResponse(xml).root, 'C1')).toEqual({ chunks: [], done: false, exitCode: undefined });
  });

  it('reads ids from Create and Command responses', () => {
    const created = parseXml(`<E><x:ResourceCreated><w:SelectorSet><w:Selector Name="ShellId">AB-12</w:Selector></w:SelectorSet></x:ResourceCreated></E>`);
    expect(readShellId(created)).toBe('AB-12');
    expect(readCommandId(parseXml('<E><rsp:CommandResponse><rsp:CommandId> 77 </rsp:CommandId></rsp:CommandResponse></E>'))).toBe('77');
  });

  it('parses faults and recognises w:TimedOut', () => {
    const fault =
      `<s:Envelope ${S}><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:TimedOut</s:Value></s:Subcode></s:Code>` +
      `<s:Reason><s:Text xml:lang="">The operation timed out.</s:Text></s:Reason><s:Detail>` +
      `<f:WSManFault xmlns:f="x" Code="2150858793" Machine="m"><f:Message>Timed out.</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`;
    const parsed = parseResponse(fault).fault!;
    expect(parsed).toEqual({ code: 's:Receiver', subcode: 'w:TimedOut', reason: 'The operation timed out.', wsmanCode: '2150858793', message: 'Timed out.' });
    expect(isTimedOut(parsed)).toBe(true);
  });
});

describe('HTTP response parser', () => {
  it('handles Content-Length, chunked bodies and interim 100 responses', () => {
    const plain = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nX-A: 2\r\n\r\nhello');
    expect(parseHttpResponse(plain.subarray(0, plain.length - 1), false)).toBeNull();
    expect(parseHttpResponse(plain, false)).toEqual({ status: 200, headers: { 'content-length': ['5'], 'x-a': ['1', '2'] }, body: Buffer.from('hello') });
    const chunked = Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Err\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n');
    expect(parseHttpResponse(chunked, false)?.body.toString()).toBe('abcde');
    expect(parseHttpResponse(chunked.subarray(0, chunked.length - 2), false)).toBeNull();
    expect(parseHttpResponse(Buffer.from('HTTP/1.1 401 No\r\n\r\npartial'), true)?.body.toString()).toBe('partial');
    expect(() => parseHttpResponse(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'), false)).toThrow(/not an HTTP response/);
  });
});
