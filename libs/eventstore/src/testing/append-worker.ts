/**
 * A process for crash tests: appends sealed events to many streams of one store at once, and prints the id of
 * every event whose append has resolved, one per line, until it is killed.
 *
 *   node scripts/run-ts.js libs/eventstore/src/testing/append-worker.ts <store> <streams> <category> [run]
 *
 * The store is a SQLite file, or a PostgreSQL connection string whose `schema` parameter names the schema
 * (`postgres://user@host:5432/db?schema=name`).
 *
 * Each append carries one to three events; every event's data says which batch it belongs to and how big
 * that batch is, so a reader can tell a batch that was stored only in part.
 */
import { v7 as uuidv7 } from 'uuid';
import { EventDraft } from '@samverkan/sealing';
import { EventStore } from '../event-store.port';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import { appendSealed, StreamHead } from '../sealed-append';
import { SqliteEventStore } from '../sqlite/sqlite-event-store';

const [where, streamsArg, category, run = uuidv7()] = process.argv.slice(2);
if (!where || !streamsArg || !category) {
  process.stderr.write('usage: append-worker.ts <store> <streams> <category> [run]\n');
  process.exit(2);
}

async function openStore(): Promise<EventStore> {
  if (!/^postgres(ql)?:\/\//.test(where)) return new SqliteEventStore({ file: where });
  const url = new URL(where);
  const schema = url.searchParams.get('schema') ?? undefined;
  url.searchParams.delete('schema');
  return PostgresEventStore.open({ connectionString: url.toString(), schema });
}

// Padding makes an event span more than a few bytes of a page, so a torn write would show.
const padding = 'x'.repeat(300);

// The parent holds our stdin open; when it goes away without killing us, stop.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();

async function appendForever(store: EventStore, stream: string): Promise<never> {
  let head: StreamHead = null;
  for (let batch = 0; ; batch++) {
    const size = 1 + (batch % 3);
    const drafts: EventDraft[] = Array.from({ length: size }, (_, index) => ({
      id: uuidv7(),
      type: 'LoadApplied',
      schemaVersion: 1,
      data: { batch, index, size, padding },
      metadata: {
        agencyId: 'samverkan',
        actorId: 'append-worker',
        commandId: `${stream}/${batch}`,
        correlationId: `${stream}/${batch}`,
        causationId: null,
        occurredAt: new Date().toISOString(),
        recordedAt: new Date().toISOString(),
      },
    }));
    const { sealed } = await appendSealed(store, stream, head, drafts);
    const last = sealed[sealed.length - 1];
    head = { revision: last.revision, hash: last.hash };
    // stdout to a pipe is written synchronously on POSIX: a printed id was acknowledged after it was durable.
    process.stdout.write(sealed.map((event) => `${event.id}\n`).join(''));
  }
}

const streams = Array.from({ length: Number(streamsArg) }, (_, i) => `${category}-${run}-${i}`);
openStore()
  .then((store) => Promise.all(streams.map((stream) => appendForever(store, stream))))
  .catch((error: unknown) => {
    process.stderr.write(`append failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
