// Loading an inventory file and resolving target specs against it.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModel, groupTargets, type Model } from './build.js';
import { InventoryError, Issues, type Issue } from './errors.js';
import { parseInventory } from './parse.js';
import { ttyPrompt, type PluginContext, type PromptFn } from './plugins.js';
import { expandSpec, specWords } from './specs.js';
import { buildTarget } from './target.js';
import type { Target } from './types.js';
import { looksLikeHost } from './uri.js';

export interface LoadOptions {
  /**
   * The spec the command will resolve. When the file does not exist and this spec names only
   * hosts/URIs in full (`-t ssh://root@host`), the inventory is empty instead of an error.
   */
  targetSpec?: string | string[];
  /** How `_plugin: prompt` asks (default: on the terminal, without echo). */
  prompt?: PromptFn;
  /** Where `_plugin: env_var` reads (default: process.env, read when a target is resolved). */
  env?: NodeJS.ProcessEnv;
  /** Base directory for `@file` specs (default: process.cwd()). */
  cwd?: string;
}

export class Inventory {
  private readonly ctx: PluginContext;
  /** Bolt options regen ignores and duplicate keys, each once, in file order: shown, never fatal. */
  readonly warnings: readonly Issue[];

  constructor(
    /** The file read, as given. */
    readonly path: string,
    private readonly model: Model & { warnings: Issue[] },
    private readonly options: LoadOptions = {},
    /** Set when the file does not exist (see LoadOptions.targetSpec): why names cannot resolve. */
    private readonly missing?: string,
    /** For a quickly read inventory (no positions): the same model read in full, so errors get their lines. */
    private readonly fullRead?: () => Model,
  ) {
    this.warnings = model.warnings;
    this.ctx = { env: options.env ?? process.env, prompt: options.prompt ?? ttyPrompt, cache: new Map() };
  }

  get exists(): boolean {
    return this.missing === undefined;
  }

  /** Every group name, `all` first, in file order. */
  groupNames(): string[] {
    return ['all', ...[...this.model.groups.keys()].filter((g) => g !== 'all')];
  }

  /** Every target of the inventory, depth-first in file order. */
  targetNames(): string[] {
    return groupTargets(this.model.root);
  }

  /**
   * The targets a spec selects, first seen first, each once, with config merged and secrets
   * resolved. Throws InventoryError listing every unknown name and unresolvable secret.
   */
  resolve(spec: string | string[]): Target[] {
    const issues = new Issues();
    const targets = this.select(this.model, spec, issues);
    if (issues.list.length > 0 && this.fullRead) {
      // The same again on the full read, for the lines (a prompt already answered is not asked twice).
      const located = new Issues();
      this.select(this.fullRead(), spec, located);
      located.throwIfAny();
    }
    issues.throwIfAny();
    return targets;
  }

  private select(model: Model, spec: string | string[], issues: Issues): Target[] {
    const words = specWords(spec, this.options.cwd ?? process.cwd(), issues);
    const selected = expandSpec(words, model, issues, this.missing);
    if (issues.list.length > 0) return [];
    return selected.map(({ name, adhoc }) => {
      const known = model.targets.get(name);
      return buildTarget(model, name, adhoc ?? known!.uri, this.ctx, issues, !adhoc && known?.nameOnly === true);
    });
  }
}

type ReadModel = Model & { warnings: Issue[]; positioned: boolean };

/** A quick read first (fastyaml.ts); anything to report, and it is read again in full for file:line:col. */
function modelFrom(source: string, file: string, options: LoadOptions, quick = true): ReadModel {
  const { root, reader } = parseInventory(file, source, { dir: dirname(resolvePath(file)), env: options.env, quick });
  const model = buildModel(root, reader.issues);
  if (!reader.final) return modelFrom(source, file, options, false);
  reader.issues.throwIfAny();
  return { ...model, warnings: reader.warnings.list, positioned: reader.positioned };
}

/** Reads and checks an inventory given as text (`file` names it in error messages). */
export function inventoryFromYaml(source: string, file: string, options: LoadOptions = {}): Inventory {
  const model = modelFrom(source, file, options);
  let full: Model | undefined;
  const fullRead = model.positioned ? undefined : () => (full ??= modelFrom(source, file, options, false));
  return new Inventory(file, model, options, undefined, fullRead);
}

/** Loads and checks an inventory file; throws InventoryError with every problem found. */
export async function loadInventory(path: string, options: LoadOptions = {}): Promise<Inventory> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new InventoryError([{ file: path, message: `cannot read the inventory: ${(e as Error).message}` }]);
    const why = missingMessage(path);
    if (!onlyHosts(options)) throw new InventoryError([{ file: path, message: why }]);
    return new Inventory(path, modelFrom('', path, options), options, why);
  }
  return inventoryFromYaml(source, path, options);
}

function onlyHosts(options: LoadOptions): boolean {
  if (options.targetSpec === undefined) return false;
  const issues = new Issues();
  const words = specWords(options.targetSpec, options.cwd ?? process.cwd(), issues);
  return issues.list.length === 0 && words.every((w) => looksLikeHost(w.word) && !w.word.includes('*'));
}

function missingMessage(path: string): string {
  const example = findExample();
  const rel = example && relative(process.cwd(), example);
  const from = example ? `cp ${rel && !rel.startsWith('..') ? rel : example} ${path}` : `create ${path}`;
  return (
    `inventory file not found. Describe your master and agents in it: ${from}, then edit the host names ` +
    '(or pass -i PATH). Hosts can also be given without an inventory as full names or URIs, e.g. -t ssh://root@puppet.example.com'
  );
}

/** inventory.example.yaml at the root of the regen package (from src/ or dist/src/). */
function findExample(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'inventory.example.yaml');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
