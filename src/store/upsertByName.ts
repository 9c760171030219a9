import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Clock } from '../core/index.js';
import { type AuditEntry, insertAuditEntry } from './auditRepository.js';
import type { Database } from './schema.js';

/** The tables keyed by a unique `name` whose rows a put creates or replaces. */
type NamedTable = 'connectors' | 'integrations';

/**
 * Creates the row `name` (created_at = updated_at) or updates it with `values`, and writes the audit
 * entry `audit(created)` in the same transaction.
 */
export async function upsertByName<T extends NamedTable>(
  db: Kysely<Database>,
  clock: Clock,
  table: T,
  name: string,
  values: Updateable<Database[T]> & { updated_at: number },
  audit: (created: boolean) => AuditEntry,
): Promise<Selectable<Database[T]>> {
  // Writes first (insert, else update) so a SQLite transaction takes the write lock at once and
  // never fails upgrading a read lock while another process writes.
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto(table)
      .values({ name, created_at: values.updated_at, ...values } as Insertable<Database[T]>)
      .onConflict((oc) => oc.column('name').doNothing())
      .returningAll()
      .executeTakeFirst();
    // Kysely cannot narrow a query over a table chosen by a type parameter; the union stands for it.
    const saved =
      inserted ??
      (await trx
        .updateTable(table as NamedTable)
        .set(values)
        .where('name', '=', name)
        .returningAll()
        .executeTakeFirstOrThrow());
    await insertAuditEntry(trx, clock, audit(inserted !== undefined));
    return saved as Selectable<Database[T]>;
  });
}
