// Every PowerShell script shipped in the bundle parses with a real PowerShell grammar, so a
// syntax error fails CI even where no Windows machine is at hand.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILES_DIR, TASKS_DIR } from '../../src/tasks/bundle.js';
import { powershellSyntaxProblems } from '../support/powershell-grammar.js';

function scripts(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.toLowerCase().endsWith('.ps1'))
    .sort()
    .map((f) => path.join(dir, f));
}

/** "file:line:column: ERROR near `text`" for the first problem, or null when the file parses. */
function firstProblem(file: string, source: string): string | null {
  const [p] = powershellSyntaxProblems(source);
  return p ? `${file}:${p.line}:${p.column}: ${p.kind} near \`${p.text}\`` : null;
}

const all = [...scripts(TASKS_DIR), ...scripts(FILES_DIR)];

describe('PowerShell syntax', () => {
  it('finds the shipped scripts', () => {
    expect(all.map((f) => path.basename(f))).toContain('task.ps1');
  });

  it.each(all.map((f) => [path.relative(path.dirname(TASKS_DIR), f), f]))('%s parses', (_name, file) => {
    expect(firstProblem(_name, readFileSync(file, 'utf8'))).toBeNull();
  });

  it('rejects broken PowerShell and names the line', () => {
    const broken = ['param([string]$path)', '$ok = 1', 'if ($path -eq "x" {', "  'unclosed", '}'].join('\n');
    expect(firstProblem('broken.ps1', broken)).toMatch(/^broken\.ps1:3:\d+: (ERROR|MISSING)/);
    expect(firstProblem('missing.ps1', 'function f {\n  $a = @(1, 2\n}\n')).toMatch(/^missing\.ps1:\d+:\d+: (ERROR|MISSING)/);
  });

  it('keeps to PowerShell 2.0: no syntax or cmdlets that need a newer version', () => {
    const newer = [
      [/^\s*class\s+\w+/im, 'classes (PS 5)'],
      [/\[ordered\]/i, '[ordered] (PS 3)'],
      [/\[pscustomobject\]/i, '[pscustomobject] (PS 3)'],
      [/\bConvert(To|From)-Json\b/i, 'ConvertTo/From-Json (PS 3)'],
      [/\bGet-FileHash\b/i, 'Get-FileHash (PS 4)'],
      [/\b(Compress|Expand)-Archive\b/i, 'Compress/Expand-Archive (PS 5)'],
      [/\$PSScriptRoot\b/i, '$PSScriptRoot in scripts (PS 3)'],
      [/\$PSItem\b/i, '$PSItem (PS 3)'],
      [/\s-(in|notin)\s/i, '-in/-notin (PS 3)'],
      [/\bGet-CimInstance\b/i, 'Get-CimInstance (PS 3)'],
      [/-Raw\b/i, 'Get-Content -Raw (PS 3)'],
      [/\busing\s+namespace\b/i, 'using namespace (PS 5)'],
    ] as const;
    const found: string[] = [];
    for (const file of all) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (/^\s*#/.test(line)) return;
        for (const [re, what] of newer) if (re.test(line)) found.push(`${path.basename(file)}:${i + 1}: ${what}`);
      });
    }
    expect(found).toEqual([]);
  });
});
