export * from './field-cipher';
export * from './key-vault.port';
export * from './master-key';
export * from './caching-key-vault';
