import type { Kysely, Migration } from 'kysely';
import { legacyTokenHash } from '../antiForgeryTokens.js';

const OPEN_STATUSES = ['pending', 'awaiting_stack', 'verifying'];

/**
 * Stops storing anti-forgery tokens in clear: new sessions derive theirs (AntiForgeryTokens), and
 * sessions still open keep only the SHA-256 of their old token, so pages already shown keep working.
 */
export function csrfTokenHashMigration(): Migration {
  return {
    async up(untyped: Kysely<unknown>): Promise<void> {
      // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its own time, not today's types.
      const db = untyped as Kysely<any>;
      await db.schema.alterTable('sessions').addColumn('csrf_hash', 'text').execute();
      const open: { id: string; csrf_token: string }[] = await db
        .selectFrom('sessions')
        .select(['id', 'csrf_token'])
        .where('status', 'in', OPEN_STATUSES)
        .execute();
      for (const row of open) {
        await db
          .updateTable('sessions')
          .set({ csrf_hash: legacyTokenHash(row.csrf_token) })
          .where('id', '=', row.id)
          .execute();
      }
      await db.schema.alterTable('sessions').dropColumn('csrf_token').execute();
    },
  };
}
