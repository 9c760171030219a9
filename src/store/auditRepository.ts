import type { Kysely } from 'kysely';
import type { Clock } from '../core/index.js';
import type { AuditRecord, AuditRepository } from './records.js';
import type { Database } from './schema.js';
import { toDate, toOptional } from './timeColumns.js';

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string;
  details?: Record<string, unknown>;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/** Writes one entry; takes a transaction so a change and its audit entry commit together. */
export async function insertAuditEntry(db: Kysely<Database>, clock: Clock, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      at: clock.now(),
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      details: entry.details === undefined ? null : JSON.stringify(entry.details),
    })
    .execute();
}

/** Who configured what, which install was created or deleted, each credential issue; never a credential. */
export function auditRepository(db: Kysely<Database>, clock: Clock): AuditRepository {
  return {
    async record(entry) {
      await insertAuditEntry(db, clock, entry);
    },

    async list(options = {}) {
      const limit = Math.min(Math.max(1, Math.floor(options.limit ?? DEFAULT_LIMIT)), MAX_LIMIT);
      let query = db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(limit);
      if (options.action !== undefined) query = query.where('action', '=', options.action);
      const rows = await query.execute();
      return rows.map(
        (row): AuditRecord => ({
          id: String(row.seq),
          at: toDate(row.at),
          actor: row.actor,
          action: row.action,
          target: toOptional(row.target),
          details: row.details === null ? undefined : (JSON.parse(row.details) as Record<string, unknown>),
        }),
      );
    },
  };
}
