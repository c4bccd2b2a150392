// A tiny command language for testing the protocol without Windows. Statements are separated
// by " ; ". Each statement is one of:
//   echo TEXT          TEXT + CRLF on stdout          echoerr TEXT   the same on stderr
//   print TEXT         TEXT, no newline               emit STREAM B64   raw bytes (base64) on STREAM
//   cat                copy stdin to stdout            stdin-sha256   hex SHA-256 and byte count of stdin
//   sleep MS           wait (ends early on Signal)    exit N         stop with exit code N
//   repeat N TEXT      N separate writes of TEXT
// Anything else writes "'X' is not recognized..." on stderr and exits 1, as cmd.exe does.
import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { WsmanHandler, WsmanOutput } from './types.js';

export const defaultHandler: WsmanHandler = async function* (cmd): AsyncGenerator<WsmanOutput> {
  for (const statement of cmd.commandLine.split(' ; ')) {
    const [op, ...rest] = statement.trim().split(' ');
    const arg = rest.join(' ');
    switch (op) {
      case 'echo':
        yield { stream: 'stdout', data: `${arg}\r\n` };
        break;
      case 'echoerr':
        yield { stream: 'stderr', data: `${arg}\r\n` };
        break;
      case 'print':
        yield { stream: 'stdout', data: arg };
        break;
      case 'emit':
        yield { stream: rest[0] === 'stderr' ? 'stderr' : 'stdout', data: Buffer.from(rest[1] ?? '', 'base64') };
        break;
      case 'repeat':
        for (let i = 0; i < Number(rest[0]); i++) yield { stream: 'stdout', data: rest.slice(1).join(' ') };
        break;
      case 'cat':
        for await (const chunk of cmd.stdin) yield { stream: 'stdout', data: chunk };
        break;
      case 'stdin-sha256': {
        const data = await cmd.readStdin();
        yield { stream: 'stdout', data: `${createHash('sha256').update(data).digest('hex')} ${data.length}\r\n` };
        break;
      }
      case 'sleep':
        await delay(Number(arg), undefined, { signal: cmd.signal }).catch(() => undefined);
        if (cmd.signal.aborted) return;
        break;
      case 'exit':
        yield { exitCode: Number(arg) };
        return;
      default:
        yield { stream: 'stderr', data: `'${op}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n` };
        yield { exitCode: 1 };
        return;
    }
  }
};
