import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../core/index.js';
import { insertAuditEntry } from './auditRepository.js';
import { mergeConnectorSecrets, splitConnectorSecrets } from './connectorSecrets.js';
import { AUDIT_ACTIONS, type ConnectorRecord, type ConnectorsRepository } from './records.js';
import type { ConnectorsTable, Database } from './schema.js';
import type { SecretBox } from './secretBox.js';
import { toDate } from './timeColumns.js';

/** AAD for a connector's sealed secrets: binds them to this row, so they cannot be moved to another. */
function secretsContext(name: string): string {
  return `connectors.secrets:${name}`;
}

export function connectorsRepository(
  db: Kysely<Database>,
  clock: Clock,
  box: SecretBox,
): ConnectorsRepository {
  function toRecord(row: Selectable<ConnectorsTable>): ConnectorRecord {
    const clear = JSON.parse(row.config) as Record<string, unknown>;
    const secrets = row.secrets === null ? {} : JSON.parse(box.open(row.secrets, secretsContext(row.name)));
    return {
      name: row.name,
      config: mergeConnectorSecrets(clear, secrets),
      createdAt: toDate(row.created_at),
      updatedAt: toDate(row.updated_at),
    };
  }

  return {
    async put(name, config, actor) {
      const { clear, secrets } = splitConnectorSecrets(config);
      const sealed =
        Object.keys(secrets).length === 0 ? null : box.seal(JSON.stringify(secrets), secretsContext(name));
      const now = clock.now();
      const values = { config: JSON.stringify(clear), secrets: sealed, updated_at: now };
      // Writes first (insert, else update) so a SQLite transaction takes the write lock at once and
      // never fails upgrading a read lock while another process writes.
      const row = await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('connectors')
          .values({ name, created_at: now, ...values })
          .onConflict((oc) => oc.column('name').doNothing())
          .returningAll()
          .executeTakeFirst();
        const saved =
          inserted ??
          (await trx
            .updateTable('connectors')
            .set(values)
            .where('name', '=', name)
            .returningAll()
            .executeTakeFirstOrThrow());
        await insertAuditEntry(trx, clock, {
          actor,
          action: AUDIT_ACTIONS.connectorPut,
          target: name,
          details: { created: inserted !== undefined },
        });
        return saved;
      });
      return toRecord(row);
    },

    async get(name) {
      const row = await db.selectFrom('connectors').selectAll().where('name', '=', name).executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async list() {
      const rows = await db.selectFrom('connectors').selectAll().orderBy('name').execute();
      return rows.map(toRecord);
    },
  };
}
