import type { Kysely, Selectable } from 'kysely';
import type { Clock } from '../core/index.js';
import { mergeConnectorSecrets, splitConnectorSecrets } from './connectorSecrets.js';
import { AUDIT_ACTIONS, type ConnectorRecord, type ConnectorsRepository } from './records.js';
import type { ConnectorsTable, Database } from './schema.js';
import type { SecretBox } from './secretBox.js';
import { toDate } from './timeColumns.js';
import { upsertByName } from './upsertByName.js';

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
      const values = { config: JSON.stringify(clear), secrets: sealed, updated_at: clock.now() };
      const row = await upsertByName(db, clock, 'connectors', name, values, (created) => ({
        actor,
        action: AUDIT_ACTIONS.connectorPut,
        target: name,
        details: { created },
      }));
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
