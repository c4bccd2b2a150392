import { describe, expect, it } from 'vitest';
import { loadTasks } from './load.js';
import { checkPathParameters, pathParameters, pathProblem } from './paths.js';
import { checkValue, parsePuppetType } from './puppet-type.js';

describe('path parameters', () => {
  it('every path parameter a task declares is one of its parameters, typed as text or a list of text', () => {
    const tasks = [...loadTasks().values()];
    const declaring = tasks.filter((t) => pathParameters(t).length > 0);
    expect(declaring.length).toBeGreaterThanOrEqual(14);
    for (const task of declaring) {
      for (const name of pathParameters(task)) {
        const type = task.metadata.parameters?.[name]?.type ?? '';
        expect(type, `${task.name}.${name}`).toMatch(/^(Optional\[)?(String|Array\[String|Pattern)/);
      }
    }
    // Every task that guards against allowed_roots on the host declares its paths here too.
    for (const task of tasks.filter((t) => t.metadata.parameters?.allowed_roots)) expect(pathParameters(task), task.name).toContain('allowed_roots');
  });

  it('refuses relative paths and . or .. components, POSIX and Windows forms', () => {
    for (const ok of ['/etc/puppetlabs/puppet/ssl', '/a..b/c.', 'C:\\ProgramData\\PuppetLabs', 'C:/x', '\\\\server\\share\\x']) expect(pathProblem(ok), ok).toBeNull();
    expect(pathProblem('etc/ssl')).toMatch(/relative/);
    expect(pathProblem('./x')).toMatch(/relative/);
    expect(pathProblem('/etc/../tmp')).toMatch(/'\.\.' component/);
    expect(pathProblem('/etc/./ssl')).toMatch(/'\.' component/);
    expect(pathProblem('C:\\PuppetLabs\\..\\Windows')).toMatch(/'\.\.' component/);
  });

  it('names the task, the parameter, the element of a list and the value; skips unresolved ones', () => {
    const task = loadTasks().get('backup')!;
    expect(checkPathParameters(task, { paths: ['/ok', '/etc/../x'], backup_dir: 'rel' })).toEqual([
      "task 'backup' parameter 'paths[1]': '/etc/../x' has a '..' component; give the path without '.' or '..' (refused before connecting)",
      "task 'backup' parameter 'backup_dir': 'rel' is relative; give an absolute path (refused before connecting)",
    ]);
    expect(checkPathParameters(task, { paths: ['/etc/../x'] }, new Set(['paths']))).toEqual([]);
  });
});

describe('type mismatches inside lists', () => {
  const certnames = parsePuppetType('Array[Pattern[/^[a-z0-9][a-z0-9._-]*$/], 1]');

  it('name the element and the shell metacharacter it holds', () => {
    expect(checkValue(certnames, ['a', 'b', 'c;reboot'], 'certnames')).toMatch(/certnames\[2\] is 'c;reboot', not Pattern.*metacharacter ';'/);
    expect(checkValue(certnames, ['$(id)'], 'certnames')).toMatch(/certnames\[0\].*metacharacter '\$'/);
    expect(checkValue(certnames, ['a b'], 'certnames')).toMatch(/certnames\[0\].*white space/);
    expect(checkValue(certnames, ['Upper'], 'certnames')).not.toMatch(/metacharacter/);
    expect(checkValue(certnames, ['ok'], 'certnames')).toBeNull();
  });

  it('inside hashes and optional lists too; a wrong whole value is described as before', () => {
    expect(checkValue(parsePuppetType('Hash[String, Integer]'), { a: 1, b: 'x' }, 'limits')).toMatch(/limits\.b is 'x', not Integer/);
    expect(checkValue(parsePuppetType('Optional[Array[Integer]]'), [1, 'two'], 'ports')).toMatch(/ports\[1\] is 'two'/);
    expect(checkValue(certnames, 'a', 'certnames')).toBe(`expected Array[Pattern[/^[a-z0-9][a-z0-9._-]*$/]], got 'a'`);
  });
});
