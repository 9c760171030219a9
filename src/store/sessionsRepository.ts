import type { Kysely, Selectable, Updateable } from 'kysely';
import { type Clock, SkybridgeError } from '../core/index.js';
import type { AntiForgeryTokens } from './antiForgeryTokens.js';
import {
  ENDED_SESSION_STATUSES,
  SESSION_STATUSES,
  type SessionPatch,
  type SessionRecord,
  type SessionStatus,
  type SessionsRepository,
} from './records.js';
import type { Database, SessionsTable } from './schema.js';
import { isUniqueViolation } from './sqlErrors.js';
import { toDate, toMs, toOptional, toOptionalDate } from './timeColumns.js';

function toRecord(row: Selectable<SessionsTable>): SessionRecord {
  return {
    id: row.id,
    integration: row.integration,
    tenantId: row.tenant_id,
    redirectUrl: row.redirect_url,
    status: row.status as SessionStatus,
    accountId: toOptional(row.account_id),
    region: toOptional(row.region),
    templateKey: toOptional(row.template_key),
    templateUrl: toOptional(row.template_url),
    consoleUrl: toOptional(row.console_url),
    installId: toOptional(row.install_id),
    errorCode: toOptional(row.error_code),
    errorMessage: toOptional(row.error_message),
    verifyAttempts: toOptional(row.verify_attempts),
    verifyStartedAt: toOptionalDate(row.verify_started_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    expiresAt: toDate(row.expires_at),
    endedAt: toOptionalDate(row.ended_at),
  };
}

/** Columns for a patch: absent keys stay as they are, keys present with `undefined` become NULL. */
export function sessionColumns(patch: SessionPatch, now: number): Updateable<SessionsTable> {
  const has = (key: keyof SessionPatch): boolean => Object.hasOwn(patch, key);
  const columns: Updateable<SessionsTable> = { updated_at: patch.updatedAt?.getTime() ?? now };
  if (has('redirectUrl') && patch.redirectUrl !== undefined) columns.redirect_url = patch.redirectUrl;
  if (has('status') && patch.status !== undefined) columns.status = patch.status;
  if (has('expiresAt') && patch.expiresAt !== undefined) columns.expires_at = patch.expiresAt.getTime();
  if (has('accountId')) columns.account_id = patch.accountId ?? null;
  if (has('region')) columns.region = patch.region ?? null;
  if (has('templateKey')) columns.template_key = patch.templateKey ?? null;
  if (has('templateUrl')) columns.template_url = patch.templateUrl ?? null;
  if (has('consoleUrl')) columns.console_url = patch.consoleUrl ?? null;
  if (has('installId')) columns.install_id = patch.installId ?? null;
  if (has('errorCode')) columns.error_code = patch.errorCode ?? null;
  if (has('errorMessage')) columns.error_message = patch.errorMessage ?? null;
  if (has('verifyAttempts')) columns.verify_attempts = patch.verifyAttempts ?? null;
  if (has('verifyStartedAt')) columns.verify_started_at = toMs(patch.verifyStartedAt);
  if (has('endedAt')) columns.ended_at = toMs(patch.endedAt);
  return columns;
}

export function sessionsRepository(
  db: Kysely<Database>,
  clock: Clock,
  tokens: AntiForgeryTokens,
): SessionsRepository {
  return {
    async create(input) {
      const now = clock.now();
      try {
        const row = await db
          .insertInto('sessions')
          .values({
            id: input.id,
            integration: input.integration,
            tenant_id: input.tenantId,
            redirect_url: input.redirectUrl,
            status: 'pending',
            csrf_hash: null,
            created_at: now,
            updated_at: now,
            expires_at: input.expiresAt.getTime(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toRecord(row);
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new SkybridgeError('session_exists', `A session with id "${input.id}" already exists.`, {
            status: 409,
            cause: error,
          });
        }
        throw error;
      }
    },

    async get(id) {
      const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    csrfToken(id) {
      return tokens.tokenFor(id);
    },

    async checkCsrf(id, token) {
      const row = await db.selectFrom('sessions').select('csrf_hash').where('id', '=', id).executeTakeFirst();
      if (!row) return false;
      return tokens.matches(id, token, row.csrf_hash);
    },

    async countByStatus() {
      const rows = await db
        .selectFrom('sessions')
        .select(['status', (eb) => eb.fn.countAll().as('count')])
        .groupBy('status')
        .execute();
      const counts = Object.fromEntries(SESSION_STATUSES.map((status) => [status, 0])) as Record<
        SessionStatus,
        number
      >;
      // PostgreSQL's count is int8 (parsed to a number in database.ts); SQLite's an integer.
      for (const row of rows) counts[row.status as SessionStatus] = Number(row.count);
      return counts;
    },

    async transition(id, from, patch) {
      if (from.length === 0) return undefined;
      // One UPDATE with the expected status in its WHERE: of two racing callers, exactly one matches.
      const row = await db
        .updateTable('sessions')
        .set(sessionColumns(patch, clock.now()))
        .where('id', '=', id)
        .where('status', 'in', from)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },

    async listExpirable(now) {
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('status', 'not in', ENDED_SESSION_STATUSES)
        .where('expires_at', '<=', now.getTime())
        .orderBy('expires_at')
        .orderBy('id')
        .execute();
      return rows.map(toRecord);
    },

    async listByStatus(statuses) {
      if (statuses.length === 0) return [];
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('status', 'in', statuses)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toRecord);
    },
  };
}
