// A resolved target as a plain object for `regen inventory show`: secrets redacted, and only the
// config section of the transport the target actually uses.
import { redactConfig } from './config.js';
import type { Target } from './types.js';

export interface TargetDescription {
  name: string;
  uri: string | undefined;
  transport: Target['config']['transport'];
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
    transport,
    host: target.host,
    alias: [...target.alias],
    groups: [...target.groups],
    config: redactConfig({ ...target.config[transport] } as Record<string, unknown>),
    vars,
    facts: structuredClone(target.facts),
  };
}
