import { describe, expect, it } from 'vitest';
import { md4, Rc4 } from './md4.js';

describe('md4 (RFC 1320 test suite)', () => {
  const vectors: [string, string][] = [
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
    ['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ];
  it.each(vectors)('md4(%j)', (input, hex) => {
    expect(md4(Buffer.from(input)).toString('hex')).toBe(hex);
  });
});

describe('rc4', () => {
  it('matches the classic test vector and continues its key stream', () => {
    expect(new Rc4(Buffer.from('Key')).update(Buffer.from('Plaintext')).toString('hex')).toBe('bbf316e8d940af0ad3');
    const whole = new Rc4(Buffer.from('Secret')).update(Buffer.from('Attack at dawn'));
    const split = new Rc4(Buffer.from('Secret'));
    const parts = Buffer.concat([split.update(Buffer.from('Attack')), split.update(Buffer.from(' at dawn'))]);
    expect(parts.toString('hex')).toBe(whole.toString('hex'));
    expect(whole.toString('hex')).toBe('45a01f645fc35b383552544b9bf5');
  });
});
