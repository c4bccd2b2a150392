// The `winrm:` section of the inventory: every option the WinRM transport reads, and what each accepts.
import { bool, oneOf, port, seconds, secret, text, type OptionTable } from '../fields.js';

export interface WinrmConfig {
  user?: string;
  password?: string;
  port?: number;
  ssl?: boolean;
  'ssl-verify'?: boolean;
  cacert?: string;
  'connect-timeout'?: number;
  /** regen extension: 'basic' or 'ntlm' (default ntlm, as Bolt). */
  auth?: 'basic' | 'ntlm';
}

export const WINRM_OPTIONS: OptionTable<WinrmConfig> = {
  user: text,
  password: secret,
  port,
  ssl: bool,
  'ssl-verify': bool,
  cacert: text,
  'connect-timeout': seconds,
  auth: oneOf('basic', 'ntlm'),
};
