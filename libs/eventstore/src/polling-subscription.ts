import { EventEmitter } from 'node:events';
import { WakeableSleep } from '@samverkan/common';
import { LogPosition, LogSubscription, RecordedEvent } from './event-store.port';

/** A page of the log after a position, as an adapter reads it. */
export interface LogPage {
  readonly events: readonly RecordedEvent[];
  /** Committed events wait behind an open transaction (PostgreSQL): look again soon, sooner than the poll. */
  readonly heldBack?: boolean;
}

export interface PollingSource {
  /** Emits `appended` when this store appended, or learnt that another process did. */
  readonly appended: EventEmitter;
  readonly pageSize: number;
  readonly pollIntervalMs: number;
  /** The longest wait before looking again while events are held back. */
  readonly heldBackMaxWaitMs?: number;
  readPage(after: LogPosition | undefined): LogPage | Promise<LogPage>;
  isClosed(): boolean;
  /** Called before each wait (PostgreSQL: listen again, in case its listening connection was lost). */
  beforeWait?(): void;
}

/**
 * The catch-up-then-live subscription both polling adapters give: reads pages after its position, and when
 * caught up waits for an append of this store (or a notification), or the poll, whichever comes first.
 */
export function pollingSubscription(source: PollingSource, from: LogPosition | undefined): LogSubscription {
  let after = from;
  let open = true;
  const wait = new WakeableSleep();
  // An append that lands while the consumer is busy with an event must not leave the next wait to the poll.
  let appendedSinceRead = false;
  const onAppend = () => {
    appendedSinceRead = true;
    wait.wake();
  };
  source.appended.on('appended', onAppend);
  const iterator = async function* (): AsyncGenerator<RecordedEvent> {
    let heldBackWait = 0;
    try {
      while (open && !source.isClosed()) {
        appendedSinceRead = false;
        let page: LogPage;
        try {
          page = await source.readPage(after);
        } catch (error) {
          if (!open || source.isClosed()) return; // a read that failed because it was closing ends it quietly
          throw error;
        }
        for (const event of page.events) {
          after = event.position;
          yield event;
          if (!open) return;
        }
        if (page.events.length === source.pageSize) {
          // Catching up on a long log is a burst of pages; between two, let requests and other followers run.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        const maxHeldBack = source.heldBackMaxWaitMs ?? source.pollIntervalMs;
        heldBackWait = page.heldBack ? Math.min(Math.max(1, heldBackWait * 2), maxHeldBack) : 0;
        if (appendedSinceRead || !open) continue;
        source.beforeWait?.();
        const waitMs = page.heldBack ? Math.min(heldBackWait, source.pollIntervalMs) : source.pollIntervalMs;
        await wait.sleep(waitMs);
      }
    } finally {
      source.appended.off('appended', onAppend);
    }
  };
  return {
    [Symbol.asyncIterator]: iterator,
    close: async () => {
      open = false;
      source.appended.off('appended', onAppend);
      wait.wake();
    },
  };
}
