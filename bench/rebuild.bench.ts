import { PostgresEventStore } from '@samverkan/eventstore/postgres';
import { rebuildCaseIndex } from '../apps/coordinator/src/projections/rebuild';
import { PostgresCaseIndex } from '../apps/coordinator/src/case-index/postgres-case-index';
import { buildCaseLog } from './case-log';
import { PostgresBenchStores } from './stores';

export interface RebuildParameters {
  readonly cases: number;
  readonly eventsPerCase: number;
  readonly eventsPerAppend: number;
  /** Events per transaction of the rebuild (the CLI's default). */
  readonly batchSize: number;
}

export interface RebuildResult {
  readonly events: number;
  /** Writing the log into the PostgreSQL store, before the timed rebuild. */
  readonly buildSeconds: number;
  /** From the call to the rebuild's start (clearing the index and counting the log): not in `seconds`. */
  readonly startSeconds: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

/**
 * `npm run projections:rebuild` as its function: a log of realistic case events in a PostgreSQL event store
 * (fresh schema), then the case index (summaries, worklists, agency feeds) rebuilt from scratch into
 * PostgreSQL read models in the same schema, timed from the start of the rebuild to its last commit.
 */
export async function benchProjectionRebuild(stores: PostgresBenchStores, p: RebuildParameters, progress: (text: string) => void): Promise<RebuildResult> {
  const schema = stores.freshSchema('rebuild');
  const store = await PostgresEventStore.open({ connectionString: stores.url, schema });
  try {
    const log = await buildCaseLog(store, { cases: p.cases, eventsPerCase: p.eventsPerCase, eventsPerAppend: p.eventsPerAppend, sampleIds: 0, progress });
    progress(`rebuild: ${log.events.toLocaleString('en-US')} events written in ${log.seconds.toFixed(1)} s; rebuilding the case index`);
    const index = await PostgresCaseIndex.open({ connectionString: stores.url, schema });
    try {
      let reported = 0;
      const called = performance.now();
      let startSeconds = NaN;
      const result = await rebuildCaseIndex(store, index, {
        fromScratch: true,
        batchSize: p.batchSize,
        onStart: () => (startSeconds = (performance.now() - called) / 1000),
        onProgress: (done) => {
          if (done - reported < log.events / 10) return;
          reported = done;
          progress(`rebuild: ${done.toLocaleString('en-US')} of ${log.events.toLocaleString('en-US')} events folded`);
        },
      });
      if (!result.complete || result.events !== log.events) throw new Error(`the rebuild folded ${result.events} of ${log.events} events`);
      return { events: result.events, buildSeconds: log.seconds, startSeconds, seconds: result.seconds, eventsPerSecond: result.events / result.seconds };
    } finally {
      await index.close();
    }
  } finally {
    await store.close();
  }
}
