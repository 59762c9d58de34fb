export * from './field-cipher';
export * from './key-vault.port';
export * from './master-key';
export * from './caching-key-vault';
export * from './sqlite/sqlite-key-vault';
export * from './postgres/postgres-key-vault';
