// `regen` refuses bad requests with exit 2 and a message saying what is wrong, before anything connects
// or changes. The inventory's only target listens nowhere: had any request gone on to run, it would
// have failed that target with exit 1 instead, and left a run log in the state dir.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, entries, regen, writeInventory } from './helpers.js';

let dir: string;
let inventory: string;
let badInventory: string;
let stateDir: string;
let tree: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'regen-cli-usage-'));
  stateDir = join(dir, 'state');
  tree = join(dir, 'tree', 'victim');
  mkdirSync(tree, { recursive: true });
  writeFileSync(join(tree, 'keep.pem'), 'keep me\n');
  const port = await closedPort();
  inventory = writeInventory(dir, 'inventory.yaml', [
    'version: 2',
    'groups:',
    '  - name: agents',
    '    targets:',
    `      - name: agent1`,
    `        uri: ssh://root@127.0.0.1:${port}`,
    '',
  ].join('\n'));
  badInventory = writeInventory(dir, 'bad.yaml', [
    'version: 2',
    'config:',
    '  ssh:',
    '    port: twenty-two',
    'targets:',
    '  - name: a',
    '    uri: 127.0.0.1',
    '    colour: blue',
    '',
  ].join('\n'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = () => ['-i', inventory, '--state-dir', stateDir];
const clear = () => ['task', 'clear_dir', ...base(), `path=${tree}`, `allowed_roots=["${join(dir, 'tree')}"]`];

// Each case: the arguments, and what stderr must say.
const cases: Array<[string, () => string[], RegExp[]]> = [
  ['an unknown task, with a near-match suggestion', () => ['task', 'clear_dri', '-t', 'agent1', ...base()],
    [/unknown task 'clear_dri'/, /Did you mean: clear_dir\?/]],
  ['an unknown parameter, listing the real ones', () => [...clear(), '-t', 'agent1', 'colour=blue'],
    [/task 'clear_dir' has no parameter 'colour'/, /it takes: path, allowed_roots/, /regen task show clear_dir/]],
  ['a parameter of the wrong type', () => ['task', 'remove_file', ...base(), '-t', 'agent1', `path=${tree}/keep.pem`, 'recursive=maybe'],
    [/task 'remove_file' parameter 'recursive': expected Boolean, got 'maybe'/]],
  ['a --params value of the wrong type', () => ['task', 'clear_dir', ...base(), '-t', 'agent1', '--params', JSON.stringify({ path: tree, allowed_roots: 5 })],
    [/parameter 'allowed_roots': expected Array/, /got number 5/]],
  ['a missing required parameter', () => ['task', 'clear_dir', ...base(), '-t', 'agent1'],
    [/task 'clear_dir' needs parameter 'path' \(String\[1\]\)/]],
  ['an invalid inventory, with file:line of each problem', () => ['task', 'clear_dir', '-i', badInventory, '--state-dir', stateDir, '-t', 'a', `path=${tree}`],
    [/regen-cli-usage-\w+\/bad\.yaml:4:\d+: config\.ssh\.port: expected an integer 1-65535, got 'twenty-two'/,
      /regen-cli-usage-\w+\/bad\.yaml:8:\d+: targets\[0\]\.colour: unknown key 'colour'/]],
  ['a missing inventory file', () => ['task', 'clear_dir', '-i', join(dir, 'nowhere.yaml'), '--state-dir', stateDir, '-t', 'a', `path=${tree}`],
    [/nowhere\.yaml: inventory file not found/, /inventory\.example\.yaml/]],
  ['an unknown target name', () => [...clear(), '-t', 'agent9'],
    [/no group, target or alias is named 'agent9'/]],
  ['an unknown flag', () => [...clear(), '-t', 'agent1', '--colour'],
    [/Unknown argument.*colour/]],
  ['a bad --format', () => [...clear(), '-t', 'agent1', '--format', 'xml'],
    [/format.*Given: "xml".*Choices: "human", "json"/s]],
  ['a --concurrency that is not a number', () => [...clear(), '-t', 'agent1', '--concurrency', 'lots'],
    [/--concurrency must be a whole number/]],
  ['a --timeout of 0', () => [...clear(), '-t', 'agent1', '--timeout', '0'],
    [/--timeout must be a number of seconds greater than 0/]],
  ['no targets', () => clear(),
    [/say which targets to run on with -t\/--targets/]],
  ['-t together with --rerun', () => [...clear(), '-t', 'agent1', '--rerun', 'failure'],
    [/use either -t\/--targets or --rerun, not both/]],
  ['--rerun before any run', () => [...clear(), '--rerun', 'failure'],
    [/--rerun needs the record of a previous run/, /run with -t first/]],
  ['--params that is not JSON', () => ['task', 'clear_dir', ...base(), '-t', 'agent1', '--params', '{path:'],
    [/--params: not valid JSON/]],
  ['an unknown command', () => ['taks', 'list'],
    [/Did you mean task\?/]],
];

describe.concurrent('regen refuses bad requests with exit 2', () => {
  it.each(cases)('%s', async (_name, args, messages) => {
    const r = await regen(args());
    expect(r.code, `stderr: ${r.stderr}\nstdout: ${r.stdout}`).toBe(2);
    for (const m of messages) expect(r.stderr).toMatch(m);
    expect(r.stderr).toMatch(/^Error: /);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/); // a message, not a stack trace
  });
});

describe('after every refusal', () => {
  it('nothing ran: no run log, no rerun record, the tree is intact', () => {
    expect(entries(dir)).not.toContain('state');
    expect(entries(tree)).toEqual(['keep.pem']);
  });
});
