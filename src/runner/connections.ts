// One connection per target, opened on first use and reused for every task of the run.
import { connectTargetOf } from '../inventory/connect-target.js';
import type { Target } from '../inventory/types.js';
import type { Connection, ConnectTarget } from '../transports/types.js';

export type Connector = (target: ConnectTarget) => Promise<Connection>;

export class ConnectionPool {
  private readonly open = new Map<string, Promise<Connection>>();

  constructor(private readonly connector: Connector) {}

  get(target: Target): Promise<Connection> {
    let connection = this.open.get(target.name);
    if (!connection) {
      try {
        connection = this.connector(connectTargetOf(target));
      } catch (e) {
        connection = Promise.reject(e);
      }
      // A failed connection is not cached: a later step may retry after the admin fixed it.
      connection.catch(() => this.open.delete(target.name));
      this.open.set(target.name, connection);
    }
    return connection;
  }

  /** Forgets a target's connection after it dropped, so the next use reconnects. */
  async discard(target: Target): Promise<void> {
    const connection = this.open.get(target.name);
    this.open.delete(target.name);
    await connection?.then((c) => c.close()).catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((c) => c.then((x) => x.close()).catch(() => undefined)));
  }
}
