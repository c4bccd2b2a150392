// The SSH transport: one ssh2 connection per connect(), reused for every exec on that target.
import { wrongTransport, type Connection, type ConnectTarget, type Transport } from '../types.js';
import { sshSettings } from './config.js';
import { openClient } from './connect.js';
import { SshConnection } from './connection.js';

export const sshTransport: Transport = {
  name: 'ssh',
  async connect(target: ConnectTarget): Promise<Connection> {
    if (target.transport !== 'ssh') throw wrongTransport('ssh', target);
    const settings = sshSettings(target);
    const client = await openClient(settings, target.name);
    return new SshConnection(target.name, client, settings);
  },
};

export { SshConnection } from './connection.js';
