/**
 * What the global setup started, for the global teardown. Both run in jest's main process but may not share
 * a module registry, so it is kept on the global object.
 */
interface TestRun {
  stopEventStoreDb?: () => Promise<void>;
}

const key = Symbol.for('samverkan.test-run');

export function testRun(): TestRun {
  const holder = globalThis as unknown as Record<symbol, TestRun | undefined>;
  return (holder[key] ??= {});
}
