import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../core/index.js';
import { insertAuditEntry } from './auditRepository.js';
import { AUDIT_ACTIONS, type IntegrationRecord, type IntegrationsRepository } from './records.js';
import type { Database, IntegrationsTable } from './schema.js';
import { toDate } from './timeColumns.js';

function toRecord(row: Selectable<IntegrationsTable>): IntegrationRecord {
  return {
    name: row.name,
    connectors: JSON.parse(row.connectors) as Record<string, string>,
    redirectUrls: JSON.parse(row.redirect_urls) as string[],
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

export function integrationsRepository(db: Kysely<Database>, clock: Clock): IntegrationsRepository {
  return {
    async put(name, input, actor) {
      const now = clock.now();
      const connectors = JSON.stringify(input.connectors);
      const redirectUrls = JSON.stringify(input.redirectUrls);
      const values = { connectors, redirect_urls: redirectUrls, updated_at: now };
      // Writes first, as in connectorsRepository: no read-to-write lock upgrade on SQLite.
      const row = await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('integrations')
          .values({ name, created_at: now, ...values })
          .onConflict((oc) => oc.column('name').doNothing())
          .returningAll()
          .executeTakeFirst();
        const saved =
          inserted ??
          (await trx
            .updateTable('integrations')
            .set(values)
            .where('name', '=', name)
            .returningAll()
            .executeTakeFirstOrThrow());
        await insertAuditEntry(trx, clock, {
          actor,
          action: AUDIT_ACTIONS.integrationPut,
          target: name,
          details: {
            created: inserted !== undefined,
            connectors: input.connectors,
            redirectUrls: input.redirectUrls,
          },
        });
        return saved;
      });
      return toRecord(row);
    },

    async get(name) {
      const row = await db.selectFrom('integrations').selectAll().where('name', '=', name).executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async list() {
      const rows = await db.selectFrom('integrations').selectAll().orderBy('name').execute();
      return rows.map(toRecord);
    },
  };
}
