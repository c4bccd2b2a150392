// Turns WinRM client failures into TransportErrors that name the target, the step, the
// command and what to do next. No message ever includes the password or an Authorization header.
import { TransportError } from '../types.js';
import { WsmanAuthError } from './client.js';
import { HttpError } from './http.js';
import { WinrmFault, WinrmProtocolError, type Step } from './shell.js';

export interface ErrorContext {
  targetName: string;
  endpoint: string;
  user: string;
  auth: 'basic' | 'ntlm';
  step: Step;
  command?: string;
}

const shorten = (s: string) => (s.length > 120 ? `${s.slice(0, 117)}...` : s);

const CONNECT_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens on that port)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset by the server',
};

/** OpenSSL errors read "...:SSL routines:fn:reason:file:line:": keep the reason. */
function tlsReason(message: string): string {
  const reason = /SSL routines:[^:]*:([^:]+):/.exec(message)?.[1];
  if (reason === 'wrong version number') return 'the server did not answer in TLS (wrong version number): is this a plain HTTP listener?';
  return reason ?? message;
}

export function toTransportError(err: unknown, ctx: ErrorContext): TransportError {
  if (err instanceof TransportError) return err;
  const where = `${ctx.targetName}: WinRM ${ctx.step}${ctx.command ? ` for \`${shorten(ctx.command)}\`` : ''} at ${ctx.endpoint}`;

  if (err instanceof WsmanAuthError) {
    const offered = err.offered.length ? ` (the server offers: ${[...new Set(err.offered)].join(', ')})` : '';
    const hint =
      ctx.auth === 'basic'
        ? 'check winrm.user and winrm.password; Basic works only for local accounts and must be enabled on the target ' +
          '(winrm set winrm/config/service/auth @{Basic="true"}), or use auth: ntlm'
        : 'check winrm.user (DOMAIN\\user or user@domain for a domain account, the plain name for a local one) and winrm.password';
    return new TransportError('auth', ctx.targetName, `${where} failed: user '${ctx.user}' was refused (HTTP 401, ${ctx.auth}): ${err.message}${offered}`, hint);
  }

  if (err instanceof WinrmFault) {
    const f = err.fault;
    let hint = 'read the fault text above; `winrm get winrm/config` on the target shows its WinRM settings and limits';
    if (/AccessDenied/i.test(f.subcode) || f.wsmanCode === '5') {
      hint =
        `user '${ctx.user}' must be an administrator on the target; a local account other than the built-in ` +
        'Administrator also needs LocalAccountTokenFilterPolicy=1 (UAC remote restrictions)';
    } else if (/QuotaLimit/i.test(f.subcode)) {
      hint = 'the target refused another shell or command (MaxShellsPerUser, MaxConcurrentOperationsPerUser): close other WinRM sessions or raise the quota';
    }
    return new TransportError('protocol', ctx.targetName, `${where} failed with a SOAP fault: ${err.message}`, hint);
  }

  if (err instanceof WinrmProtocolError) {
    return new TransportError('protocol', ctx.targetName, `${where} failed: ${err.message}`, 'check that the URL points at a WinRM listener (path /wsman) and that port and ssl match it');
  }

  if (err instanceof HttpError) {
    const code = err.code ? ` (${err.code})` : '';
    switch (err.failure) {
      case 'connect':
        return new TransportError(
          'connect',
          ctx.targetName,
          `${where} failed: cannot connect: ${(err.code && CONNECT_REASONS[err.code]) ?? err.message}${code}`,
          'check the host name and winrm.port (5985 for HTTP, 5986 for HTTPS), that the WinRM service listens there (winrm quickconfig; an HTTPS listener for ssl) and that no firewall blocks it',
        );
      case 'tls':
        return new TransportError(
          'tls',
          ctx.targetName,
          `${where} failed: TLS handshake failed: ${tlsReason(err.message)}${code}`,
          "set winrm.cacert to the PEM file of the CA that signed the listener's certificate and make sure the certificate names this host; ssl-verify: false skips the check (tests only); use ssl: false if the port speaks plain HTTP",
        );
      case 'protocol':
        return new TransportError('protocol', ctx.targetName, `${where} failed: ${err.message}`, 'check that the URL points at a WinRM listener and that port and ssl match it');
      default:
        return new TransportError(
          'dropped',
          ctx.targetName,
          `${where} failed: ${err.message}${code}`,
          'the target stopped answering: check that it is up and the WinRM service is running, then re-run the failed targets',
        );
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TransportError('protocol', ctx.targetName, `${where} failed: ${message}`);
}
