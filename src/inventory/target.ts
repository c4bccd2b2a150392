// Turns everything the inventory says about one target into a resolved Target: precedence applied,
// URI details laid on top, plugin references resolved for the target's own transport only.
import { isTransportName, TRANSPORT_OPTIONS } from '../transports/options.js';
import type { TransportName } from '../transports/types.js';
import type { Issues } from './errors.js';
import type { Model } from './build.js';
import { checkValue, type RawConfig } from './config.js';
import { PluginRef, resolvePlugin, type PluginContext } from './plugins.js';
import { collectData, groupsOf } from './precedence.js';
import type { Target, TargetConfig } from './types.js';
import type { ParsedUri } from './uri.js';

export function buildTarget(model: Model, name: string, uri: ParsedUri, ctx: PluginContext, issues: Issues, nameOnly = false): Target {
  const data = collectData(model.root, name);
  const configured = data.config.transport;
  const transport: TransportName = uri.transport ?? (isTransportName(configured) ? configured : 'ssh');
  const foreign = uri.foreign ?? (uri.transport === undefined && !isTransportName(configured) && typeof configured === 'string' ? configured : undefined);
  const section = (t: TransportName): RawConfig => {
    const raw = data.config[t];
    const checked = typeof raw === 'object' && raw !== null ? (raw as RawConfig) : {};
    return t === transport ? resolveSection(t, checked, ctx, issues) : withoutPlugins(checked);
  };
  // Every value below was checked against the transport's option table when the file was read
  // (or, for plugin values, by resolveSection): the sections have their transport's config type.
  const config: TargetConfig = { transport, ssh: section('ssh'), winrm: section('winrm'), local: section('local') };
  foldUri(config, uri);

  const secretVars = new Set<string>();
  const vars: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data.vars)) {
    const { value, usedPlugin } = resolveData(v, ctx, issues);
    if (usedPlugin) secretVars.add(k);
    if (value !== undefined) vars[k] = value;
  }
  const alias = [...(aliasesOf(model).get(name) ?? [])];
  // As Bolt (Target#host): the URI's host, or the `host` option when the target is written as a name only.
  const optionHost = (config[transport] as { host?: string }).host;
  const target: Target = {
    name,
    uri: uri.safe,
    host: nameOnly && optionHost !== undefined ? optionHost : uri.host,
    alias,
    config,
    vars,
    facts: data.facts,
    groups: groupsOf(model.root, name),
  };
  if (foreign !== undefined) target.unsupportedTransport = foreign;
  if (secretVars.size > 0) target.secretVars = [...secretVars];
  return target;
}

// target name → its aliases, in file order: built once per inventory, not scanned once per target.
const aliasIndex = new WeakMap<Model, Map<string, string[]>>();

function aliasesOf(model: Model): Map<string, string[]> {
  let index = aliasIndex.get(model);
  if (!index) {
    index = new Map();
    for (const [a, t] of model.aliases) index.set(t, [...(index.get(t) ?? []), a]);
    aliasIndex.set(model, index);
  }
  return index;
}

/**
 * The one place a URI's connection details meet the config: as in Bolt (inventory/target.rb), what
 * the URI says (user, password, port, winrms://) wins over config; the local transport takes none.
 */
function foldUri(config: TargetConfig, uri: ParsedUri): void {
  const fromUri = {
    ...(uri.user !== undefined && { user: uri.user }),
    ...(uri.password !== undefined && { password: uri.password }),
    ...(uri.port !== undefined && { port: uri.port }),
  };
  if (config.transport === 'ssh') Object.assign(config.ssh, fromUri);
  if (config.transport === 'winrm') Object.assign(config.winrm, fromUri, uri.ssl ? { ssl: true } : {});
}

function resolveSection(transport: TransportName, section: RawConfig, ctx: PluginContext, issues: Issues): RawConfig {
  const out: RawConfig = {};
  for (const [key, raw] of Object.entries(section)) {
    if (raw instanceof PluginRef) {
      const r = resolvePlugin(raw, ctx);
      if (!r.ok) {
        issues.add(raw.loc, raw.path, `${r.message} (${raw.describe()})`);
        continue;
      }
      if (r.value === undefined) continue;
      const checked = checkValue(TRANSPORT_OPTIONS[transport][key], key, r.value, true);
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
