export * from './event-store.port';
export * from './expected-revision';
export * from './sealed-append';
export * from './command-path';
export * from './sqlite/sqlite-event-store';
export * from './log-follower';
export * from './postgres/postgres-event-store';
export * from './eventstoredb/eventstoredb-event-store';
