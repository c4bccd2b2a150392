// Where the shipped bundle lives: tasks/, files/, plans/ and sim/ beside package.json.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(start: string): string {
  let dir = start;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`regen: cannot find package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The package root: works from src/ (vitest) and from dist/src/ (the built CLI). */
export const BUNDLE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));
export const TASKS_DIR = path.join(BUNDLE_ROOT, 'tasks');
export const FILES_DIR = path.join(BUNDLE_ROOT, 'files');
export const PLANS_DIR = path.join(BUNDLE_ROOT, 'plans');
export const SIM_DIR = path.join(BUNDLE_ROOT, 'sim');
/** Bolt's module name for this bundle: "regen::service", and files as "regen/files/task.sh". */
export const MODULE_NAME = 'regen';
