// The `local:` section of the inventory: every option the local transport reads, and what each accepts.
import { absPath, secret, text, type OptionTable } from './fields.js';

export interface LocalConfig {
  'run-as'?: string;
  'sudo-password'?: string;
  tmpdir?: string;
}

export const LOCAL_OPTIONS: OptionTable<LocalConfig> = {
  'run-as': text,
  'sudo-password': secret,
  tmpdir: absPath,
};
