// Turns everything the inventory says about one target into a resolved Target: precedence applied,
// URI details laid on top, plugin references resolved for the target's own transport only.
import type { TransportName } from '../transports/types.js';
import type { Issues } from './errors.js';
import type { Model } from './build.js';
import { checkValue, FIELDS, TRANSPORTS, type RawConfig } from './config.js';
import { PluginRef, resolvePlugin, type PluginContext } from './plugins.js';
import { collectData, groupsOf } from './precedence.js';
import type { Target, TargetConfig } from './types.js';
import type { ParsedUri } from './uri.js';

export function buildTarget(model: Model, name: string, uri: ParsedUri, ctx: PluginContext, issues: Issues): Target {
  const data = collectData(model.root, name);
  const transport: TransportName = uri.transport ?? (data.config.transport as TransportName | undefined) ?? 'ssh';
  const config: TargetConfig = { transport, ssh: {}, winrm: {}, local: {} };
  for (const t of TRANSPORTS) {
    const section = (data.config[t] ?? {}) as RawConfig;
    config[t] = (t === transport ? resolveSection(t, section, ctx, issues) : withoutPlugins(section)) as never;
  }
  const own = config[transport] as Record<string, unknown>;
  if (uri.user !== undefined && transport !== 'local') own.user = uri.user;
  if (uri.password !== undefined && transport !== 'local') own.password = uri.password;
  if (uri.port !== undefined && transport !== 'local') own.port = uri.port;
  if (uri.ssl) own.ssl = true;

  const secretVars = new Set<string>();
  const vars: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data.vars)) {
    const { value, usedPlugin } = resolveData(v, ctx, issues);
    if (usedPlugin) secretVars.add(k);
    if (value !== undefined) vars[k] = value;
  }
  const alias = [...model.aliases].filter(([, t]) => t === name).map(([a]) => a);
  const target: Target = {
    name,
    uri: uri.safe,
    host: uri.host,
    alias,
    config,
    vars,
    facts: data.facts,
    groups: groupsOf(model.root, name),
  };
  if (secretVars.size > 0) target.secretVars = [...secretVars];
  return target;
}

function resolveSection(transport: keyof typeof FIELDS, section: RawConfig, ctx: PluginContext, issues: Issues): RawConfig {
  const out: RawConfig = {};
  for (const [key, raw] of Object.entries(section)) {
    if (raw instanceof PluginRef) {
      const r = resolvePlugin(raw, ctx);
      if (!r.ok) {
        issues.add(raw.loc, raw.path, `${r.message} (${raw.describe()})`);
        continue;
      }
      if (r.value === undefined) continue;
      const checked = checkValue(FIELDS[transport][key], key, r.value, true);
      if (checked.ok) out[key] = checked.value;
      else issues.add(raw.loc, raw.path, `${checked.message} (from ${raw.describe()})`);
    } else if (key === 'private-key' && typeof raw === 'object' && raw !== null) {
      const keyData = (raw as Record<string, unknown>)['key-data'];
      if (!(keyData instanceof PluginRef)) {
        out[key] = raw;
        continue;
      }
      const r = resolvePlugin(keyData, ctx);
      if (!r.ok) issues.add(keyData.loc, keyData.path, `${r.message} (${keyData.describe()})`);
      else if (r.value) out[key] = { 'key-data': r.value };
      else if (r.value === '') issues.add(keyData.loc, keyData.path, `the private key is empty (from ${keyData.describe()})`);
    } else out[key] = raw;
  }
  return out;
}

/** A section of a transport the target does not use: its plugin values are never asked for. */
function withoutPlugins(section: RawConfig): RawConfig {
  const out: RawConfig = {};
  for (const [key, v] of Object.entries(section)) {
    const keyData = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)['key-data'] : undefined;
    if (!(v instanceof PluginRef) && !(keyData instanceof PluginRef)) out[key] = v;
  }
  return out;
}

function resolveData(v: unknown, ctx: PluginContext, issues: Issues): { value: unknown; usedPlugin: boolean } {
  if (v instanceof PluginRef) {
    const r = resolvePlugin(v, ctx);
    if (!r.ok) issues.add(v.loc, v.path, `${r.message} (${v.describe()})`);
    return { value: r.ok ? r.value : undefined, usedPlugin: true };
  }
  let usedPlugin = false;
  if (Array.isArray(v)) {
    const value = v.map((item) => {
      const r = resolveData(item, ctx, issues);
      usedPlugin ||= r.usedPlugin;
      return r.value ?? null;
    });
    return { value, usedPlugin };
  }
  if (typeof v === 'object' && v !== null) {
    const value: Record<string, unknown> = {};
    for (const [k, inner] of Object.entries(v)) {
      const r = resolveData(inner, ctx, issues);
      usedPlugin ||= r.usedPlugin;
      if (r.value !== undefined) value[k] = r.value;
    }
    return { value, usedPlugin };
  }
  return { value: v, usedPlugin: false };
}
