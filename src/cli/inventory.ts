// `regen inventory show -t SPEC`: the resolved targets with their merged config (secrets redacted) and profile.
import type { Argv } from 'yargs';
import type { CommandSpec } from './commands.js';
import { describeTarget } from '../inventory/index.js';
import { profileChoice } from '../profiles/index.js';
import { selectTargets, withRunOptions, type GlobalArgs } from './context.js';
import { EXIT_OK } from './errors.js';
import { printJson } from './output.js';
import { indent } from '../util/text.js';

export function inventoryCommand(y: Argv, spec: CommandSpec) {
  return y.command(
    spec.command,
    spec.describe,
    (cmd) => withRunOptions(cmd)
      .option('detail', { type: 'boolean', describe: 'Bolt flag: regen always shows the detail (merged config, secrets redacted)' })
      .example('$0 inventory show -t agents', 'Every agent, with the config regen would use')
      .example('$0 inventory show -t \'web*,master\' --format json', 'Globs and lists, as JSON'),
    async (argv) => {
      const args = argv as unknown as GlobalArgs;
      const targets = (await selectTargets(args, 'all')).map((t) => ({ ...describeTarget(t), profile: profileChoice(t) }));
      if (args.format === 'json') printJson({ targets, count: targets.length });
      else {
        for (const t of targets) process.stdout.write(`${t.name}\n${indent(JSON.stringify(t, null, 2))}\n`);
        process.stdout.write(`${targets.length} target${targets.length === 1 ? '' : 's'}\n`);
      }
      process.exitCode = EXIT_OK;
    },
  );
}

