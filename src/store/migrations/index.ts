import { type Kysely, type Migration, Migrator } from 'kysely';
import { SkybridgeError } from '../../core/index.js';
import type { StoreDialect } from '../database.js';
import type { Database } from '../schema.js';
import { initialMigration } from './001_initial.js';
import { csrfTokenHashMigration } from './002_csrf_token_hash.js';

/** Every migration, in order. Names sort; never rename or edit one that has shipped: add another. */
export function storeMigrations(dialect: StoreDialect): Record<string, Migration> {
  return {
    '001_initial': initialMigration(dialect),
    '002_csrf_token_hash': csrfTokenHashMigration(),
  };
}

/**
 * Brings the schema up to date. Kysely's migrator takes a lock table first, so several instances
 * starting at once against one PostgreSQL database apply each migration exactly once.
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: StoreDialect): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => storeMigrations(dialect) },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    // No failed migration means none could run: the database itself was not usable (missing,
    // unreachable, refused), which is what the message should say.
    const message = failed
      ? `Database migration ${failed} failed: ${describe(error)}`
      : `The database could not be prepared (no migration ran): ${describe(error)}`;
    throw new SkybridgeError('migration_failed', message, { status: 500, cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
