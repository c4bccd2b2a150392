import { describe, expect, it } from 'vitest';
import { deepMerge, isPlainObject, redactKeys, redactText, sensitiveNames } from './objects.js';
import { editDistance, indent } from './text.js';

describe('objects', () => {
  it('isPlainObject: maps as JSON and YAML make them, not arrays, null or class instances', () => {
    expect(isPlainObject({ a: 1 })).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect([[], null, 'x', new Date(), new (class Pending {})()].map(isPlainObject)).toEqual([false, false, false, false, false]);
  });

  it('deepMerge: the override wins, maps merge key by key, lists are replaced', () => {
    const base = { ssh: { user: 'root', port: 22 }, roots: ['/a', '/b'] };
    expect(deepMerge(base, { ssh: { port: 2222 }, roots: ['/c'] })).toEqual({ ssh: { user: 'root', port: 2222 }, roots: ['/c'] });
    expect(base.ssh.port).toBe(22);
  });

  it('sensitiveNames and redactKeys: what a log may not show', () => {
    const specs = { password: { type: 'Sensitive[String]' }, token: { type: 'String', sensitive: true }, name: { type: 'String' } };
    expect(sensitiveNames(specs)).toEqual(['password', 'token']);
    expect(redactKeys({ password: 'hunter2', name: 'web1' }, sensitiveNames(specs))).toEqual({ password: '[redacted]', name: 'web1' });
    expect(redactText('sudo: hunter2 refused, hunter2', ['hunter2', ''])).toBe('sudo: [redacted] refused, [redacted]');
  });
});

describe('text', () => {
  it('indent and editDistance', () => {
    expect(indent('a\nb')).toBe('  a\n  b');
    expect(editDistance('cert_sing', 'cert_sign')).toBe(2);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
