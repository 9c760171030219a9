import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../core/index.js';
import { AUDIT_ACTIONS, type IntegrationRecord, type IntegrationsRepository } from './records.js';
import type { Database, IntegrationsTable } from './schema.js';
import { toDate } from './timeColumns.js';
import { upsertByName } from './upsertByName.js';

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
      const values = {
        connectors: JSON.stringify(input.connectors),
        redirect_urls: JSON.stringify(input.redirectUrls),
        updated_at: clock.now(),
      };
      const row = await upsertByName(db, clock, 'integrations', name, values, (created) => ({
        actor,
        action: AUDIT_ACTIONS.integrationPut,
        target: name,
        details: { created, connectors: input.connectors, redirectUrls: input.redirectUrls },
      }));
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
