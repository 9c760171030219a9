import type { Kysely, Selectable } from 'kysely';
import { type Clock, SkybridgeError } from '../core/index.js';
import type { ApiKeyHasher } from './apiKeyHash.js';
import type { ApiKeyRecord, ApiKeysRepository } from './records.js';
import type { ApiKeysTable, Database } from './schema.js';
import { isUniqueViolation } from './sqlErrors.js';
import { toDate, toOptionalDate } from './timeColumns.js';

/** Recording every use would write on every request; once a minute is enough to see a key is alive. */
const LAST_USED_RESOLUTION_MS = 60_000;

function toRecord(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as ApiKeyRecord['role'],
    createdAt: toDate(row.created_at),
    lastUsedAt: toOptionalDate(row.last_used_at),
  };
}

export function apiKeysRepository(
  db: Kysely<Database>,
  clock: Clock,
  hasher: ApiKeyHasher,
): ApiKeysRepository {
  return {
    async create(input) {
      try {
        const row = await db
          .insertInto('api_keys')
          .values({
            id: input.id,
            name: input.name,
            key_hash: hasher.hash(input.key),
            role: input.role,
            created_at: clock.now(),
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return toRecord(row);
      } catch (error) {
        if (isUniqueViolation(error)) {
          // Says which id clashed, never anything about the key.
          throw new SkybridgeError(
            'api_key_exists',
            `An API key with id "${input.id}" or the same key already exists.`,
            {
              status: 409,
              cause: error,
            },
          );
        }
        throw error;
      }
    },

    async verify(key) {
      // The lookup is by HMAC under a secret key, so its timing tells an attacker nothing about valid
      // keys; the final comparison is constant-time all the same.
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('key_hash', '=', hasher.hash(key))
        .executeTakeFirst();
      if (!row || !hasher.matches(key, row.key_hash)) return undefined;
      const now = clock.now();
      if (row.last_used_at === null || now - Number(row.last_used_at) >= LAST_USED_RESOLUTION_MS) {
        await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.id).execute();
        row.last_used_at = now;
      }
      return toRecord(row);
    },

    async count() {
      const { count } = await db
        .selectFrom('api_keys')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      return Number(count);
    },
  };
}
