import type { Kysely, Selectable, Updateable } from 'kysely';
import { type Clock, SkybridgeError } from '../core/index.js';
import type { IdentitiesRepository, IdentityPatch, IdentityRecord } from './records.js';
import type { Database, IdentitiesTable } from './schema.js';
import { toDate, toMs, toOptional, toOptionalDate } from './timeColumns.js';

export function toIdentityRecord(row: Selectable<IdentitiesTable>): IdentityRecord {
  return {
    id: row.id,
    connector: row.connector,
    tenantId: row.tenant_id,
    externalId: row.external_id,
    accountId: toOptional(row.account_id),
    region: toOptional(row.region),
    roleArn: toOptional(row.role_arn),
    templateVersion: toOptional(row.template_version),
    healthy: row.healthy === null ? undefined : Number(row.healthy) === 1,
    healthError: toOptional(row.health_error),
    checkedAt: toOptionalDate(row.checked_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/** Columns for a patch: absent keys stay as they are, keys present with `undefined` become NULL. */
export function identityColumns(patch: IdentityPatch, now: number): Updateable<IdentitiesTable> {
  const has = (key: keyof IdentityPatch): boolean => Object.hasOwn(patch, key);
  const columns: Updateable<IdentitiesTable> = { updated_at: now };
  if (has('accountId')) columns.account_id = patch.accountId ?? null;
  if (has('region')) columns.region = patch.region ?? null;
  if (has('roleArn')) columns.role_arn = patch.roleArn ?? null;
  if (has('templateVersion')) columns.template_version = patch.templateVersion ?? null;
  if (has('healthy')) columns.healthy = patch.healthy === undefined ? null : patch.healthy ? 1 : 0;
  if (has('healthError')) columns.health_error = patch.healthError ?? null;
  if (has('checkedAt')) columns.checked_at = toMs(patch.checkedAt);
  return columns;
}

export function identitiesRepository(db: Kysely<Database>, clock: Clock): IdentitiesRepository {
  async function find(connector: string, tenantId: string) {
    return db
      .selectFrom('identities')
      .selectAll()
      .where('connector', '=', connector)
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
  }

  return {
    async getOrCreate(connector, tenantId, create) {
      const existing = await find(connector, tenantId);
      if (existing) return toIdentityRecord(existing);
      const { id, externalId } = create();
      const now = clock.now();
      // The unique (connector, tenant_id) constraint decides a race: the loser's insert does nothing
      // and it reads the winner's row, so a tenant never gets two external ids.
      await db
        .insertInto('identities')
        .values({
          id,
          connector,
          tenant_id: tenantId,
          external_id: externalId,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.columns(['connector', 'tenant_id']).doNothing())
        .execute();
      const row = await find(connector, tenantId);
      if (!row) throw new Error(`identity for ${connector}/${tenantId} vanished after insert`);
      return toIdentityRecord(row);
    },

    async get(id) {
      const row = await db.selectFrom('identities').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toIdentityRecord(row);
    },

    async update(id, patch) {
      const row = await db
        .updateTable('identities')
        .set(identityColumns(patch, clock.now()))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      if (!row) {
        throw new SkybridgeError('identity_not_found', `No identity with id "${id}".`, { status: 404 });
      }
      return toIdentityRecord(row);
    },
  };
}
