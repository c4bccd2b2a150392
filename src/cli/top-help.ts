// What `regen --help` says: the usage line, the options every command takes and the examples. yargs
// is configured from these (main.ts), and a bare `regen --help` prints them without loading yargs at
// all (its load alone costs about as much as starting node).
import { COMMANDS } from './commands.js';

export const USAGE = 'Regenerate every certificate of a Puppet Enterprise 3.7 deployment, safely and resumably.';
export const EPILOGUE = 'Exit codes: 0 all targets ok, 1 some target failed, 2 usage or validation error.';

export const EXAMPLES: Array<[string, string]> = [
  ['task list', 'List the tasks'],
  ['inventory show -t all', 'Show every target with its merged config (secrets redacted)'],
  ['demo', 'Run the whole procedure on a simulated PE 3.7 site in a sandbox'],
  ['plan master --dry-run', 'Check the master and show what the procedure would do'],
  ['plan master', 'Regenerate the CA and the master\'s credentials (doc Steps 1-5)'],
  ['plan agents --concurrency 10', 'Re-enroll every agent (doc Step 6)'],
  ['task cert_list -t master', 'List the CA\'s certificates on the master'],
];

export const GLOBAL_OPTIONS = {
  inventory: { alias: 'i', type: 'string', default: 'inventory.yaml', describe: 'Bolt inventory v2 file', global: true },
  format: { type: 'string', choices: ['human', 'json'], default: 'human', describe: 'Output for people or for machines', global: true },
} as const;

/** The top-level help as plain text, in two columns. */
export function topHelp(): string {
  const table = (rows: Array<[string, string]>) => {
    const width = Math.max(...rows.map(([left]) => left.length));
    return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
  };
  const options: Array<[string, string]> = [
    ['    --help', 'Show help'],
    ['    --version', 'Show version number'],
    ...Object.entries(GLOBAL_OPTIONS).map(([name, o]): [string, string] => [
      `${'alias' in o ? `-${o.alias},` : '   '} --${name}`,
      `${o.describe} [${'choices' in o ? o.choices.join('|') : o.type}, default: ${o.default}]`,
    ]),
  ];
  return [
    'regen <command> [options]', '', USAGE, '',
    'Commands:', table(COMMANDS.map((c) => [`regen ${c.command}`, c.describe])), '',
    'Options:', table(options), '',
    'Examples:', table(EXAMPLES.map(([cmd, what]) => [`regen ${cmd}`, what])), '',
    EPILOGUE, '',
  ].join('\n');
}
