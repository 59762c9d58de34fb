/**
 * What the integration project's global setup started, for its global teardown. Both run in jest's main
 * process but may not share a module registry, so it is kept on the global object.
 */
interface IntegrationRun {
  stopEventStoreDb?: () => Promise<void>;
}

const key = Symbol.for('samverkan.integration-run');

export function integrationRun(): IntegrationRun {
  const holder = globalThis as unknown as Record<symbol, IntegrationRun | undefined>;
  return (holder[key] ??= {});
}
