// A resolved target as a plain object for `regen inventory show`: secrets redacted, and only the
// config section of the transport the target actually uses.
import { redactConfig } from './config.js';
import type { Target } from './types.js';

export interface TargetDescription {
  name: string;
  uri: string | undefined;
  /** The transport regen uses, or the Bolt transport regen does not run (the target fails when used). */
  transport: string;
  host: string;
  alias: string[];
  groups: string[];
  config: Record<string, unknown>;
  vars: Record<string, unknown>;
  facts: Record<string, unknown>;
}

export function describeTarget(target: Target): TargetDescription {
  const hidden = new Set(target.secretVars ?? []);
  const vars = Object.fromEntries(
    Object.entries(target.vars).map(([k, v]) => [k, hidden.has(k) ? '[redacted]' : v]),
  );
  const transport = target.config.transport;
  return {
    name: target.name,
    uri: target.uri,
    transport: target.unsupportedTransport ?? transport,
    host: target.host,
    alias: [...target.alias],
    groups: [...target.groups],
    config: target.unsupportedTransport ? {} : redactConfig({ ...target.config[transport] } as Record<string, unknown>),
    vars,
    facts: structuredClone(target.facts),
  };
}
