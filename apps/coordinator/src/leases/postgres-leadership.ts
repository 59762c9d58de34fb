import { Client } from 'pg';
import { WakeableSleep } from '@samverkan/common';
import { Lease, Leadership, POLL_MS } from './leadership';

/**
 * A PostgreSQL session advisory lock per role, held on a connection of its own. The server releases it when
 * that session ends: the holder's exit, crash or lost network all end it, and a standby's next
 * `pg_try_advisory_lock` succeeds. A holder that loses its connection loses the lease, and is told.
 */
export class PostgresLeadership implements Leadership {
  constructor(
    private readonly connectionString: string,
    /** Distinguishes deployments sharing one database (the store's schema). */
    private readonly namespace: string,
  ) {}

  async acquire(role: string, signal: AbortSignal): Promise<Lease> {
    const client = new Client({ connectionString: this.connectionString, application_name: `samverkan-${role}-lease` });
    let lose!: (error: Error) => void;
    const lost = new Promise<Error>((resolve) => (lose = resolve));
    client.on('error', (error) => lose(error));
    client.on('end', () => lose(new Error(`the connection holding the ${role} lease ended`)));
    await client.connect();
    try {
      const key = `samverkan:${this.namespace}:${role}`;
      for (;;) {
        if (signal.aborted) throw signal.reason;
        const { rows } = await client.query<{ held: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held', [key]);
        if (rows[0].held) break;
        await new WakeableSleep().sleep(POLL_MS, signal);
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return { lost, release: () => client.end().catch(() => undefined) };
  }
}
