import { Admin, ITopicConfig } from 'kafkajs';

/** What a broker answers while a topic it has just created, or itself, is still settling. */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER', 'NOT_CONTROLLER']);

/**
 * Creates the topics that do not exist yet, then waits until every partition of each answers an offsets
 * request. `waitForLeaders` alone is not enough on a broker that has just started: creation and the first
 * requests after it can still be answered "this server does not host this topic-partition" or "not the
 * leader"; those are retried until `timeoutMs`.
 */
export async function createTopicsAndWait(admin: Admin, topics: ITopicConfig[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await admin.createTopics({ waitForLeaders: true, topics });
      for (const { topic } of topics) await admin.fetchTopicOffsets(topic);
      return;
    } catch (error) {
      if (!settling(error) || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

function settling(error: unknown): boolean {
  for (let e = error as { type?: string; cause?: unknown; originalError?: unknown; errors?: unknown[] } | undefined; e; ) {
    if (e.type && NOT_YET.has(e.type)) return true;
    if (Array.isArray(e.errors) && e.errors.some(settling)) return true;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return false;
}
