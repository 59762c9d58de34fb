import { EventDraft, SealedEnvelope, sealEvents } from '@samverkan/sealing';
import { AppendResult, EventStore } from './event-store.port';

/** The last event of a stream, which the next one links to; null for a stream that does not exist yet. */
export type StreamHead = { readonly revision: number; readonly hash: string } | null;

/**
 * The one place events are sealed and written: places the drafts after `head`, seals them, and appends them
 * expecting the stream to still end at `head`. Throws `ConcurrencyError` when another writer got there first.
 */
export async function appendSealed(
  store: EventStore,
  stream: string,
  head: StreamHead,
  drafts: readonly EventDraft[],
): Promise<{ result: AppendResult; sealed: SealedEnvelope[] }> {
  const sealed = sealEvents(stream, head, drafts);
  const result = await store.appendToStream(stream, sealed, head ? head.revision : 'no-stream');
  return { result, sealed };
}

/** Reads the last event of a stream, to append after it. */
export async function readStreamHead(store: EventStore, stream: string): Promise<StreamHead> {
  for await (const { envelope } of store.readStream(stream, { direction: 'backwards', maxCount: 1 })) {
    return { revision: envelope.revision, hash: envelope.hash };
  }
  return null;
}
