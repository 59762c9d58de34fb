export * from './errors';
export * from './clock';
export * from './connection-strings';
export * from './wakeable-sleep';
