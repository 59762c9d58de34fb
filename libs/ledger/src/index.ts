export * from './hashes';
export * from './merkle-tree';
export * from './verify';
export * from './note';
export * from './checkpoint';
export * from './witness';
export * from './audit-formats';
