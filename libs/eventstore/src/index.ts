// The port and what is built on it; no store client is loaded from here. Each adapter is its own entry point
// (`@samverkan/eventstore/sqlite`, `/postgres`, `/eventstoredb`), imported only where the store is chosen.
export * from './event-store.port';
export * from './expected-revision';
export * from './sealed-append';
export * from './command-path';
export * from './log-follower';
export * from './stream-fold';
