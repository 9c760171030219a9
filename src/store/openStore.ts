import { cryptoRandom, systemClock } from '../core/index.js';
import { AntiForgeryTokens } from './antiForgeryTokens.js';
import { ApiKeyHasher } from './apiKeyHash.js';
import { apiKeysRepository } from './apiKeysRepository.js';
import { auditRepository } from './auditRepository.js';
import { connectorsRepository } from './connectorsRepository.js';
import { openDatabase } from './database.js';
import { identitiesRepository } from './identitiesRepository.js';
import { installsRepository } from './installsRepository.js';
import { integrationsRepository } from './integrationsRepository.js';
import { loadMasterKey } from './masterKey.js';
import { checkMasterKey } from './masterKeyCheck.js';
import { migrateToLatest } from './migrations/index.js';
import type { Store, StoreOptions } from './records.js';
import { SecretBox } from './secretBox.js';
import { sessionsRepository } from './sessionsRepository.js';
import { SqlEngineStore } from './sqlEngineStore.js';

/**
 * Opens the store: SQLite in the data directory, or PostgreSQL with `databaseUrl`; loads (or, in
 * embedded mode, creates) the master key; runs pending migrations.
 *
 * @example
 * const store = await openStore({ dataDir: process.env.SKYBRIDGE_DATA_DIR ?? './.skybridge',
 *   databaseUrl: process.env.DATABASE_URL, masterKey: process.env.SKYBRIDGE_MASTER_KEY });
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom;
  const embedded = !options.databaseUrl?.trim();
  const masterKey = loadMasterKey({
    masterKey: options.masterKey,
    dataDir: options.dataDir,
    embedded,
    random,
  });
  const box = new SecretBox(masterKey, random);
  const hasher = new ApiKeyHasher(masterKey);
  const { db, dialect } = openDatabase({
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  try {
    await migrateToLatest(db, dialect);
    await checkMasterKey(db, box);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return {
    dialect,
    connectors: connectorsRepository(db, clock, box),
    integrations: integrationsRepository(db, clock),
    sessions: sessionsRepository(db, clock, new AntiForgeryTokens(masterKey)),
    identities: identitiesRepository(db, clock),
    installs: installsRepository(db, clock, dialect),
    apiKeys: apiKeysRepository(db, clock, hasher),
    audit: auditRepository(db, clock),
    engine: new SqlEngineStore(db, box, clock),
    close: () => db.destroy(),
  };
}
