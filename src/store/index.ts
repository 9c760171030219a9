export { ApiKeyHasher } from './apiKeyHash.js';
export { SQLITE_FILE, type StoreDialect } from './database.js';
export { loadMasterKey, MASTER_KEY_FILE, parseMasterKey } from './masterKey.js';
export { openStore } from './openStore.js';
export * from './records.js';
export { SecretBox } from './secretBox.js';
export { SqlEngineStore } from './sqlEngineStore.js';
