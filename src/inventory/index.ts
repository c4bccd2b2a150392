// The inventory concept: load a Bolt v2 inventory, resolve target specs, show targets safely.
export { loadInventory, inventoryFromYaml, Inventory, type LoadOptions } from './inventory.js';
export { InventoryError, formatIssue, type Issue } from './errors.js';
export { redactConfig, secretValues } from './config.js';
export { describeTarget, type TargetDescription } from './describe.js';
export { connectTargetOf } from './connect-target.js';
export { ttyPrompt, type PromptFn } from './plugins.js';
export * from './types.js';
