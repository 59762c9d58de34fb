export * from './errors';
export * from './clock';
export * from './connection-strings';
export * from './wakeable-sleep';
export * from './untrusted-json';
export * from './private-files';
export * from './module-worker';
