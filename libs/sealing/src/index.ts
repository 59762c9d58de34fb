export * from './envelope';
export * from './seal';
export * from './verify-chain';
export * from './case-stream';
export * from './stored-hash';
export * from './canonical-envelope';
