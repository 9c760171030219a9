import { type Kysely, type Selectable, sql } from 'kysely';
import { type Clock, SkybridgeError } from '../core/index.js';
import { insertAuditEntry } from './auditRepository.js';
import type { StoreDialect } from './database.js';
import { identityColumns, toIdentityRecord } from './identitiesRepository.js';
import { AUDIT_ACTIONS, type InstallRecord, type InstallsRepository } from './records.js';
import type { Database, InstallsTable } from './schema.js';
import { sessionColumns } from './sessionsRepository.js';
import { isUniqueViolation } from './sqlErrors.js';
import { toDate, toOptionalDate } from './timeColumns.js';

export function installsRepository(
  db: Kysely<Database>,
  clock: Clock,
  dialect: StoreDialect = 'sqlite',
): InstallsRepository {
  /** Attaches each install's identities with one query for the whole list. */
  async function withIdentities(rows: Selectable<InstallsTable>[]): Promise<InstallRecord[]> {
    if (rows.length === 0) return [];
    const links = await db
      .selectFrom('install_identities')
      .innerJoin('identities', 'identities.id', 'install_identities.identity_id')
      .selectAll('identities')
      .select(['install_identities.install_id as link_install_id', 'install_identities.alias as link_alias'])
      .where(
        'install_identities.install_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('install_identities.alias')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      integration: row.integration,
      tenantId: row.tenant_id,
      status: row.status as InstallRecord['status'],
      sessionId: row.session_id,
      createdAt: toDate(row.created_at),
      deletedAt: toOptionalDate(row.deleted_at),
      identities: links
        .filter((link) => link.link_install_id === row.id)
        .map(({ link_install_id: _, link_alias, ...identity }) => ({
          alias: link_alias,
          identity: toIdentityRecord(identity),
        })),
    }));
  }

  return {
    async create(input, actor) {
      const now = clock.now();
      const aliases = Object.entries(input.identities);
      let replacedIds: string[] = [];
      try {
        await db.transaction().execute(async (trx) => {
          if (input.replaceOthers && dialect === 'postgres') {
            // One completion at a time per integration and tenant, even when they lock different
            // identity rows (a connector changed between two sessions). SQLite serializes writers anyway.
            await sql`select pg_advisory_xact_lock(hashtextextended(${`installs\n${input.integration}\n${input.tenantId}`}, 0))`.execute(
              trx,
            );
          }
          // The session first: its UPDATE takes the SQLite write lock (PostgreSQL: the row lock), so a
          // cancel racing this completion either lands before (nothing here is written) or after.
          if (input.session) {
            const moved =
              input.session.from.length === 0
                ? undefined
                : await trx
                    .updateTable('sessions')
                    .set(sessionColumns(input.session.patch, now))
                    .where('id', '=', input.sessionId)
                    .where('status', 'in', input.session.from)
                    .returning('id')
                    .executeTakeFirst();
            if (!moved) {
              throw new SkybridgeError(
                'session_ended',
                `Session ${input.sessionId} is no longer ${input.session.from.join(' or ')}; no install was recorded.`,
                { status: 409 },
              );
            }
          }
          for (const [identityId, patch] of Object.entries(input.identityPatches ?? {})) {
            const updated = await trx
              .updateTable('identities')
              .set(identityColumns(patch, now))
              .where('id', '=', identityId)
              .returning('id')
              .executeTakeFirst();
            if (!updated) {
              throw new SkybridgeError('identity_not_found', `No identity with id "${identityId}".`, {
                status: 404,
              });
            }
          }
          await trx
            .insertInto('installs')
            .values({
              id: input.id,
              integration: input.integration,
              tenant_id: input.tenantId,
              status: 'active',
              session_id: input.sessionId,
              created_at: now,
            })
            .execute();
          // Checked after the first write, so the SQLite transaction already holds the write lock.
          const ids = aliases.map(([, identityId]) => identityId);
          const found =
            ids.length === 0
              ? []
              : await trx.selectFrom('identities').select('id').where('id', 'in', ids).execute();
          const missing = ids.filter((id) => !found.some((row) => row.id === id));
          if (missing.length > 0) {
            throw new SkybridgeError('identity_not_found', `No identity with id "${missing[0]}".`, {
              status: 404,
            });
          }
          if (aliases.length > 0) {
            await trx
              .insertInto('install_identities')
              .values(
                aliases.map(([alias, identityId]) => ({
                  install_id: input.id,
                  alias,
                  identity_id: identityId,
                })),
              )
              .execute();
          }
          await insertAuditEntry(trx, clock, {
            actor,
            action: AUDIT_ACTIONS.installCreated,
            target: input.id,
            details: {
              integration: input.integration,
              tenantId: input.tenantId,
              sessionId: input.sessionId,
              identities: input.identities,
            },
          });
          const others = input.replaceOthers
            ? (
                await trx
                  .selectFrom('installs')
                  .select('id')
                  .where('integration', '=', input.integration)
                  .where('tenant_id', '=', input.tenantId)
                  .where('status', '=', 'active')
                  .where('id', '!=', input.id)
                  .execute()
              ).map((row) => row.id)
            : [];
          const replaces = [...new Set([...(input.replaces ?? []), ...others])].filter(
            (id) => id !== input.id,
          );
          if (replaces.length > 0) {
            // Only the same tenant's installs of the same integration, and only those still active.
            const replaced = await trx
              .updateTable('installs')
              .set({ status: 'deleted', deleted_at: now })
              .where('id', 'in', replaces)
              .where('integration', '=', input.integration)
              .where('tenant_id', '=', input.tenantId)
              .where('status', '=', 'active')
              .returning('id')
              .execute();
            replacedIds = replaced.map((row) => row.id).sort();
            for (const { id } of replaced.sort((a, b) => a.id.localeCompare(b.id))) {
              await insertAuditEntry(trx, clock, {
                actor,
                action: AUDIT_ACTIONS.installReplaced,
                target: id,
                details: { integration: input.integration, tenantId: input.tenantId, by: input.id },
              });
            }
          }
        });
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new SkybridgeError('install_exists', `An install with id "${input.id}" already exists.`, {
            status: 409,
            cause: error,
          });
        }
        throw error;
      }
      const created = await this.get(input.id);
      if (!created) throw new Error(`install ${input.id} vanished after insert`);
      return { ...created, replaced: replacedIds };
    },

    async get(id) {
      const row = await db.selectFrom('installs').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const [record] = await withIdentities([row]);
      return record;
    },

    async listByIntegration(integration, tenantId) {
      let query = db
        .selectFrom('installs')
        .selectAll()
        .where('integration', '=', integration)
        .where('status', '=', 'active')
        .orderBy('created_at')
        .orderBy('id');
      if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
      return withIdentities(await query.execute());
    },

    async delete(id, actor) {
      const now = clock.now();
      return db.transaction().execute(async (trx) => {
        const deleted = await trx
          .updateTable('installs')
          .set({ status: 'deleted', deleted_at: now })
          .where('id', '=', id)
          .where('status', '=', 'active')
          .returning(['integration', 'tenant_id'])
          .executeTakeFirst();
        if (!deleted) return false;
        await insertAuditEntry(trx, clock, {
          actor,
          action: AUDIT_ACTIONS.installDeleted,
          target: id,
          details: { integration: deleted.integration, tenantId: deleted.tenant_id },
        });
        return true;
      });
    },
  };
}
