import { describe, expect, it } from 'vitest';
import { authenticateMessage, negotiateMessage, ntowfv2, parseChallenge, splitUser } from './ntlm.js';
import { certificateHashAlgorithm } from './ntlm-session.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const utf16 = (s: string) => Buffer.from(s, 'utf16le');

// The CHALLENGE of MS-NLMP 4.2.4 (NTLMv2 authentication examples).
function specChallenge(): Buffer {
  const info = Buffer.concat([hex('02000c00'), utf16('Domain'), hex('01000c00'), utf16('Server'), hex('00000000')]);
  const msg = Buffer.alloc(56);
  msg.write('NTLMSSP\0', 0, 'latin1');
  msg.writeUInt32LE(2, 8);
  msg.writeUInt32LE(0xe28a8233, 20);
  hex('0123456789abcdef').copy(msg, 24);
  msg.writeUInt16LE(info.length, 40);
  msg.writeUInt16LE(info.length, 42);
  msg.writeUInt32LE(56, 44);
  return Buffer.concat([msg, info]);
}

function field(msg: Buffer, at: number): Buffer {
  const len = msg.readUInt16LE(at);
  const offset = msg.readUInt32LE(at + 4);
  return msg.subarray(offset, offset + len);
}

describe('NTLMv2 (MS-NLMP 4.2.4 test vectors)', () => {
  const creds = { user: 'User', domain: 'Domain', password: 'Password' };
  const result = authenticateMessage({
    creds,
    negotiate: negotiateMessage(),
    challenge: specChallenge(),
    clientChallenge: Buffer.alloc(8, 0xaa),
    exportedSessionKey: Buffer.alloc(16, 0x55),
    timestamp: Buffer.alloc(8),
  });

  it('derives NTOWFv2', () => {
    expect(ntowfv2(creds).toString('hex')).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
  });

  it('builds the LMv2 and NTLMv2 responses and the encrypted session key', () => {
    const msg = result.message;
    expect(msg.readUInt32LE(8)).toBe(3);
    expect(field(msg, 12).toString('hex')).toBe('86c35097ac9cec102554764a57cccc19' + 'aa'.repeat(8));
    expect(field(msg, 20).subarray(0, 16).toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    expect(field(msg, 28).toString('utf16le')).toBe('Domain');
    expect(field(msg, 36).toString('utf16le')).toBe('User');
    expect(field(msg, 52).toString('hex')).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
  });

  it('seals and signs like GSS_WrapEx', () => {
    const { sealed, signature } = result.session.wrap(utf16('Plaintext'));
    expect(sealed.toString('hex')).toBe('54e50165bf1936dc996020c1811b0f06fb5f');
    expect(signature.toString('hex')).toBe('010000007fb38ec5c55d497600000000');
  });
});

describe('NTLM helpers', () => {
  it('splits DOMAIN\\user and keeps UPNs whole', () => {
    expect(splitUser('CORP\\admin')).toEqual({ domain: 'CORP', user: 'admin' });
    expect(splitUser('admin@corp.example')).toEqual({ domain: '', user: 'admin@corp.example' });
  });

  it('rejects a message that is not a CHALLENGE', () => {
    expect(() => parseChallenge(negotiateMessage())).toThrow(/not an NTLM CHALLENGE/);
  });

  it('adds a MIC and zero LM response when the server sends a timestamp', () => {
    const base = specChallenge();
    const info = Buffer.concat([hex('07000800'), hex('0102030405060708'), hex('00000000')]);
    const challenge = Buffer.concat([base.subarray(0, 56), info]);
    challenge.writeUInt16LE(info.length, 40);
    challenge.writeUInt16LE(info.length, 42);
    const { message } = authenticateMessage({
      creds: { user: 'u', domain: '', password: 'p' },
      negotiate: negotiateMessage(),
      challenge,
    });
    expect(field(message, 12).equals(Buffer.alloc(24))).toBe(true);
    expect(message.subarray(72, 88).equals(Buffer.alloc(16))).toBe(false);
    const blob = field(message, 20).subarray(16);
    expect(blob.subarray(8, 16).toString('hex')).toBe('0102030405060708');
  });

  it('picks SHA-256 for the channel binding of an ordinary certificate', () => {
    expect(certificateHashAlgorithm(Buffer.from([0x30, 0x03, 0x02, 0x01, 0x00]))).toBe('sha256');
  });
});
