import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { type Logger, SkybridgeError, silentLogger } from '../core/index.js';
import type { Database } from './schema.js';

export type StoreDialect = 'sqlite' | 'postgres';

/** The embedded database's file name inside the data directory. */
export const SQLITE_FILE = 'skybridge.db';

export interface OpenDatabaseOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  logger?: Logger;
}

export interface OpenedDatabase {
  db: Kysely<Database>;
  dialect: StoreDialect;
}

const INT8_OID = 20;

/**
 * PostgreSQL when a postgres:// URL is given, else SQLite in `<dataDir>/skybridge.db`.
 * SQLite runs in WAL mode with a busy timeout so a CLI command can read while the server writes.
 */
export function openDatabase(options: OpenDatabaseOptions): OpenedDatabase {
  const url = options.databaseUrl?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new SkybridgeError(
        'invalid_database_url',
        'DATABASE_URL must start with postgres:// or postgresql://; leave it unset for the embedded SQLite database.',
        { status: 500 },
      );
    }
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      // Times are bigint milliseconds: read them as numbers (safe below 2^53) rather than strings.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID && format !== 'binary'
            ? (value: string) => Number(value)
            : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
      },
    });
    // An idle connection can die (database restart, failover, DROP ... FORCE); pg drops it from the
    // pool and emits 'error', which would crash the process without a listener. The next query reconnects.
    const logger = options.logger ?? silentLogger;
    pool.on('error', (error) =>
      logger.warn({ err: { message: error.message } }, 'PostgreSQL connection lost'),
    );
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
  }

  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  const file = join(options.dataDir, SQLITE_FILE);
  // Created owner-only; SQLite gives its -wal and -shm files the same mode.
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  const database = new SQLite(file);
  database.pragma('journal_mode = WAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  database.pragma('synchronous = NORMAL');
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), dialect: 'sqlite' };
}
