import { describe, expect, it } from 'vitest';
import { evaluate, ExpressionError, hasExpressions, parseTemplate, Pending, type Scope } from './expr.js';

const data: Record<string, unknown> = {
  force: false,
  count: 3,
  facts: { certname: 'master.example.com', dns_alt_names: ['puppet', 'puppet.example.com'], 'odd-key': 'x', nested: { n: [10, 20] } },
  empty: null,
  target: { name: 'agent1', host: '10.0.0.5' },
};
const scope: Scope = { lookup: (root) => (root in data ? { value: data[root] } : undefined) };
const value = (text: unknown) => evaluate(text, scope).value;

describe('expressions', () => {
  it('keeps the type of a value when the string is exactly one expression', () => {
    expect(value('${facts.dns_alt_names}')).toEqual(['puppet', 'puppet.example.com']);
    expect(value('${count}')).toBe(3);
    expect(value('${force}')).toBe(false);
    expect(value('${facts}')).toEqual(data.facts);
    expect(value('${ facts.nested }')).toEqual({ n: [10, 20] });
  });

  it('interpolates text, joining arrays with commas', () => {
    expect(value('Certname ${facts.certname} on ${target.host}')).toBe('Certname master.example.com on 10.0.0.5');
    expect(value('--dns_alt_names=${facts.dns_alt_names}')).toBe('--dns_alt_names=puppet,puppet.example.com');
    expect(value('${count}s')).toBe('3s');
    expect(value('no expressions here')).toBe('no expressions here');
  });

  it('reads indexes, quoted keys and numeric segments', () => {
    expect(value('${facts.dns_alt_names[1]}')).toBe('puppet.example.com');
    expect(value('${facts.dns_alt_names.0}')).toBe('puppet');
    expect(value("${facts['odd-key']}")).toBe('x');
    expect(value('${facts.odd-key}')).toBe('x');
    expect(value('${facts.nested.n[1]}')).toBe(20);
    expect(value('${facts.dns_alt_names[7]}')).toBeUndefined();
  });

  it('?? gives the right side when the left has no value, keeping false and 0', () => {
    expect(value("${facts.missing ?? 'fallback'}")).toBe('fallback');
    expect(value('${empty ?? count}')).toBe(3);
    expect(value('${force ?? true}')).toBe(false);
    expect(value('${facts.missing ?? empty ?? 42}')).toBe(42);
    expect(value('${facts.missing ?? "a}b"}')).toBe('a}b');
    expect(value('${facts.missing ?? null}')).toBeNull();
  });

  it('evaluates inside arrays and hashes, dropping keys whose value is missing', () => {
    expect(value({ names: ['${facts.certname}', 'pe-internal-classifier'], n: '${count}', gone: '${facts.missing}' }))
      .toEqual({ names: ['master.example.com', 'pe-internal-classifier'], n: 3 });
  });

  it('refuses to interpolate a missing value', () => {
    expect(() => value('${facts.missing}/ca')).toThrow(/has no value/);
    expect(() => value('dir ${empty}')).toThrow(ExpressionError);
  });

  it('rejects unknown roots and bad syntax with the expression in the message', () => {
    expect(() => value('${nothing.here}')).toThrow(/'nothing' in 'nothing.here' is not a parameter/);
    expect(() => parseTemplate('${facts.')).toThrow(/no closing/);
    expect(() => parseTemplate('${facts.}')).toThrow(/expected a name or a number after '.'/);
    expect(() => parseTemplate('${a b}')).toThrow(/unexpected 'b'/);
    expect(() => parseTemplate('${a[x]}')).toThrow(/expected a number or a quoted key/);
  });

  it('writes $${ as a literal ${', () => {
    expect(value('cost: $${HOME}')).toBe('cost: ${HOME}');
    expect(hasExpressions('cost: $${HOME}')).toBe(false);
    expect(hasExpressions(['x', { y: '${count}' }])).toBe(true);
  });

  it('shows results of steps that did not run as <result of STEP> and lists them', () => {
    const pendingScope: Scope = { lookup: (root) => (root === 'backup' ? { value: new Pending('backup') } : scope.lookup(root)) };
    const out = evaluate({ archive: '${backup.archive}', note: 'kept in ${backup.dir[0]}' }, pendingScope);
    expect(out.value).toEqual({ archive: '<result of backup.archive>', note: 'kept in <result of backup.dir[0]>' });
    expect(out.pending).toEqual(['backup.archive', 'backup.dir[0]']);
  });
});
