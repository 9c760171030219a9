import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomId } from '../core/index.js';
import type { StoreDialect } from './database.js';
import { openStore } from './openStore.js';
import type { Store, StoreOptions } from './records.js';

/**
 * A fresh database of one dialect for a test suite (test support, not product code): a temporary
 * data directory for SQLite, a temporary `skybridge_test_<random>` database for PostgreSQL.
 */
export interface StoreTarget {
  dialect: StoreDialect;
  dataDir: string;
  databaseUrl?: string;
  masterKey: string;
  open(extra?: Partial<StoreOptions>): Promise<Store>;
  dispose(): Promise<void>;
}

export const ADMIN_DATABASE_URL =
  process.env.SKYBRIDGE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const STORE_DIALECTS: readonly StoreDialect[] = ['sqlite', 'postgres'];

export async function createStoreTarget(dialect: StoreDialect): Promise<StoreTarget> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skybridge-store-'));
  const masterKey = Buffer.alloc(32, 7).toString('base64');
  if (dialect === 'sqlite') {
    return {
      dialect,
      dataDir,
      masterKey,
      open: (extra = {}) => openStore({ dataDir, masterKey, ...extra }),
      dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `skybridge_test_${randomId()
    .replace(/[^a-zA-Z0-9]/g, '')
    .toLowerCase()}`;
  await withPostgresAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  return {
    dialect,
    dataDir,
    databaseUrl,
    masterKey,
    open: (extra = {}) => openStore({ dataDir, databaseUrl, masterKey, ...extra }),
    dispose: async () => {
      await withPostgresAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `work` on a connection to the admin database (to create and drop test databases), then closes it. */
export async function withPostgresAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
