// MD4 (RFC 1320), needed only for the NTLM password hash. Node's OpenSSL 3 ships MD4 in the
// legacy provider, which is not loaded, so `createHash('md4')` throws: hence this small version.

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

const F = (x: number, y: number, z: number) => (x & y) | (~x & z);
const G = (x: number, y: number, z: number) => (x & y) | (x & z) | (y & z);
const H = (x: number, y: number, z: number) => x ^ y ^ z;

export function md4(input: Buffer): Buffer {
  const bitLength = input.length * 8;
  const padded = Buffer.alloc(Math.ceil((input.length + 9) / 64) * 64);
  input.copy(padded);
  padded[input.length] = 0x80;
  padded.writeUInt32LE(bitLength >>> 0, padded.length - 8);
  padded.writeUInt32LE(Math.floor(bitLength / 0x100000000), padded.length - 4);

  let a = 0x67452301;
  let b = 0xefcdab89;
  let c = 0x98badcfe;
  let d = 0x10325476;
  const x = new Array<number>(16);

  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readInt32LE(offset + i * 4);
    const [aa, bb, cc, dd] = [a, b, c, d];

    for (const k of [0, 4, 8, 12]) {
      a = rotl((a + F(b, c, d) + x[k]) | 0, 3);
      d = rotl((d + F(a, b, c) + x[k + 1]) | 0, 7);
      c = rotl((c + F(d, a, b) + x[k + 2]) | 0, 11);
      b = rotl((b + F(c, d, a) + x[k + 3]) | 0, 19);
    }
    for (const k of [0, 1, 2, 3]) {
      a = rotl((a + G(b, c, d) + x[k] + 0x5a827999) | 0, 3);
      d = rotl((d + G(a, b, c) + x[k + 4] + 0x5a827999) | 0, 5);
      c = rotl((c + G(d, a, b) + x[k + 8] + 0x5a827999) | 0, 9);
      b = rotl((b + G(c, d, a) + x[k + 12] + 0x5a827999) | 0, 13);
    }
    for (const k of [0, 2, 1, 3]) {
      a = rotl((a + H(b, c, d) + x[k] + 0x6ed9eba1) | 0, 3);
      d = rotl((d + H(a, b, c) + x[k + 8] + 0x6ed9eba1) | 0, 9);
      c = rotl((c + H(d, a, b) + x[k + 4] + 0x6ed9eba1) | 0, 11);
      b = rotl((b + H(c, d, a) + x[k + 12] + 0x6ed9eba1) | 0, 15);
    }

    a = (a + aa) | 0;
    b = (b + bb) | 0;
    c = (c + cc) | 0;
    d = (d + dd) | 0;
  }

  const out = Buffer.alloc(16);
  out.writeInt32LE(a, 0);
  out.writeInt32LE(b, 4);
  out.writeInt32LE(c, 8);
  out.writeInt32LE(d, 12);
  return out;
}

/** RC4, for NTLM key exchange and sealing (also absent from Node's default OpenSSL 3 provider). */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  constructor(key: Buffer) {
    for (let i = 0; i < 256; i++) this.s[i] = i;
    for (let i = 0, j = 0; i < 256; i++) {
      j = (j + this.s[i] + key[i % key.length]) & 0xff;
      [this.s[i], this.s[j]] = [this.s[j], this.s[i]];
    }
  }

  /** Encrypts or decrypts (the same operation), continuing the key stream. */
  update(data: Buffer): Buffer {
    const out = Buffer.alloc(data.length);
    const s = this.s;
    for (let n = 0; n < data.length; n++) {
      this.i = (this.i + 1) & 0xff;
      this.j = (this.j + s[this.i]) & 0xff;
      [s[this.i], s[this.j]] = [s[this.j], s[this.i]];
      out[n] = data[n] ^ s[(s[this.i] + s[this.j]) & 0xff];
    }
    return out;
  }
}
