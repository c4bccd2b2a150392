// NTLM session security with extended session security (MS-NLMP 3.4.4.2, 3.4.5, 3.4.6): the
// client side of sealing (RC4) and signing (HMAC-MD5) used for WinRM message encryption over
// HTTP, plus the TLS channel-binding token (RFC 5929 tls-server-end-point) sent over HTTPS.
import { createHash, createHmac } from 'node:crypto';
import { Rc4 } from './md4.js';

const N128 = 0x20000000;
const N56 = 0x80000000;
const KEY_EXCH = 0x40000000;
const EXTENDED_SESSIONSECURITY = 0x00080000;

const md5 = (...parts: Buffer[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};
const magic = (s: string) => Buffer.from(`session key to ${s} key magic constant\0`, 'latin1');

export class NtlmSession {
  private readonly signKey: Buffer;
  private readonly verifyKey: Buffer;
  private readonly sealer: Rc4;
  private readonly unsealer: Rc4;
  private sendSeq = 0;
  private receiveSeq = 0;

  constructor(
    exportedSessionKey: Buffer,
    private readonly flags: number,
  ) {
    const sealKeyMaterial =
      flags & N128 ? exportedSessionKey : exportedSessionKey.subarray(0, flags & N56 ? 7 : 5);
    this.signKey = md5(exportedSessionKey, magic('client-to-server signing'));
    this.verifyKey = md5(exportedSessionKey, magic('server-to-client signing'));
    this.sealer = new Rc4(md5(sealKeyMaterial, magic('client-to-server sealing')));
    this.unsealer = new Rc4(md5(sealKeyMaterial, magic('server-to-client sealing')));
  }

  /** True when the server agreed to the only session security we implement. */
  get canSeal(): boolean {
    return (this.flags & EXTENDED_SESSIONSECURITY) !== 0;
  }

  /** Seals one message: returns the encrypted bytes and their 16-byte signature. */
  wrap(message: Buffer): { sealed: Buffer; signature: Buffer } {
    const sealed = this.sealer.update(message);
    const signature = this.sign(this.sealer, this.signKey, this.sendSeq++, message);
    return { sealed, signature };
  }

  /** Unseals one message from the server and checks its signature; throws when it does not match. */
  unwrap(sealed: Buffer, signature: Buffer): Buffer {
    const message = this.unsealer.update(sealed);
    const expected = this.sign(this.unsealer, this.verifyKey, this.receiveSeq++, message);
    if (!expected.equals(signature)) {
      throw new Error('the signature of an encrypted WinRM response does not match: message altered or keys out of step');
    }
    return message;
  }

  private sign(handle: Rc4, key: Buffer, seq: number, message: Buffer): Buffer {
    const seqBytes = Buffer.alloc(4);
    seqBytes.writeUInt32LE(seq);
    let checksum: Buffer = createHmac('md5', key).update(seqBytes).update(message).digest().subarray(0, 8);
    if (this.flags & KEY_EXCH) checksum = handle.update(checksum);
    return Buffer.concat([Buffer.from([1, 0, 0, 0]), checksum, seqBytes]);
  }
}

// OIDs (DER contents) of signature algorithms whose hash is not SHA-256 for RFC 5929 purposes.
const SIGNATURE_HASHES: [string, string][] = [
  ['2a864886f70d01010c', 'sha384'], // sha384WithRSAEncryption
  ['2a864886f70d01010d', 'sha512'], // sha512WithRSAEncryption
  ['2a8648ce3d040303', 'sha384'], // ecdsa-with-SHA384
  ['2a8648ce3d040304', 'sha512'], // ecdsa-with-SHA512
];

/** Reads a DER tag+length at `at`: returns where the contents start and end. */
function derItem(der: Buffer, at: number): { start: number; end: number } {
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  return { start, end: start + len };
}

/** The hash RFC 5929 prescribes for a certificate: its signature hash, SHA-256 for MD5/SHA-1. */
export function certificateHashAlgorithm(der: Buffer): string {
  try {
    const cert = derItem(der, 0);
    const tbs = derItem(der, cert.start);
    const algorithm = derItem(der, tbs.end);
    const oid = derItem(der, algorithm.start);
    const hex = der.subarray(oid.start, oid.end).toString('hex');
    return SIGNATURE_HASHES.find(([prefix]) => hex === prefix)?.[1] ?? 'sha256';
  } catch {
    return 'sha256';
  }
}

/** MD5 of the gss_channel_bindings_struct for `tls-server-end-point` (MsvAvChannelBindings). */
export function channelBindingsHash(serverCertDer: Buffer): Buffer {
  const certHash = createHash(certificateHashAlgorithm(serverCertDer)).update(serverCertDer).digest();
  const appData = Buffer.concat([Buffer.from('tls-server-end-point:', 'latin1'), certHash]);
  const struct = Buffer.alloc(20);
  struct.writeUInt32LE(appData.length, 16);
  return md5(struct, appData);
}
