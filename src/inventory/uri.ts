// Target URIs: `ssh://user@host:port`, `winrm://host:5985`, `winrms://host` (WinRM over HTTPS),
// `local://name`, or a bare `[user@]host[:port]` whose transport comes from config (default ssh).
import type { TransportName } from '../transports/types.js';
import { isBoltTransport } from './bolt-schema.js';

export interface ParsedUri {
  /** Set only when the URI names a scheme; otherwise the config decides. */
  transport?: TransportName;
  host: string;
  user?: string;
  password?: string;
  port?: number;
  /** true for winrms:// */
  ssl?: boolean;
  /** A Bolt transport regen does not run (docker://, pcp://, ...): the target fails when connected to. */
  foreign?: string;
  /** The URI as written, minus any password: safe to use as a name and to print. */
  safe: string;
}

const SCHEMES: Record<string, TransportName> = { ssh: 'ssh', winrm: 'winrm', winrms: 'winrm', local: 'local' };

export function parseTargetUri(text: string): ParsedUri | { error: string } {
  if (text === '') return { error: 'empty target URI' };
  if (/[\s,]/.test(text)) return { error: `target URI '${text}' contains a space or a comma` };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1];
  const foreign = scheme && !(scheme.toLowerCase() in SCHEMES) ? scheme.toLowerCase() : undefined;
  if (foreign && !isBoltTransport(foreign)) {
    return { error: `unsupported transport '${scheme}' in '${text}'; regen supports ssh://, winrm://, winrms:// and local://` };
  }
  let url: URL;
  try {
    url = new URL(scheme ? text : `ssh://${text}`);
  } catch {
    return { error: `cannot parse target URI '${text}' (expected [transport://][user@]host[:port])` };
  }
  if (url.hostname === '') return { error: `target URI '${text}' has no host` };
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) {
    return { error: `target URI '${text}' has a path, query or fragment; expected [transport://][user@]host[:port]` };
  }
  const port = url.port === '' ? undefined : Number(url.port);
  if (port === 0) return { error: `target URI '${text}' has port 0; expected 1-65535` };
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  url.password = '';
  const safe = scheme ? url.href.replace(/\/$/, '') : url.href.slice('ssh://'.length).replace(/\/$/, '');
  const out: ParsedUri = { host: url.hostname, safe };
  if (foreign) out.foreign = foreign;
  else if (scheme) out.transport = SCHEMES[scheme.toLowerCase()];
  if (scheme?.toLowerCase() === 'winrms') out.ssl = true;
  if (url.username) out.user = decodeURIComponent(url.username);
  if (password !== undefined) out.password = password;
  if (port !== undefined) out.port = port;
  return out;
}

/**
 * Whether a spec word not found in the inventory should become a target on the fly (as Bolt does)
 * rather than be reported as an unknown name: it must look like a host, not like a group or alias.
 */
export function looksLikeHost(word: string): boolean {
  return word === 'localhost' || /[.:@]/.test(word);
}
