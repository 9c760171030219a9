import type { Kysely } from 'kysely';
import { SkybridgeError } from '../core/index.js';
import type { Database } from './schema.js';
import type { SecretBox } from './secretBox.js';

const CHECK_KEY = 'master_key_check';
const CHECK_CONTEXT = 'store_meta.value:master_key_check';
const CHECK_PLAINTEXT = 'skybridge master key check v1';

/**
 * Refuses to start with a master key other than the one the database's secrets were sealed with,
 * so a mistyped SKYBRIDGE_MASTER_KEY fails at start instead of at the first credential request.
 */
export async function checkMasterKey(db: Kysely<Database>, box: SecretBox): Promise<void> {
  await db
    .insertInto('store_meta')
    .values({ key: CHECK_KEY, value: box.seal(CHECK_PLAINTEXT, CHECK_CONTEXT) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .selectFrom('store_meta')
    .select('value')
    .where('key', '=', CHECK_KEY)
    .executeTakeFirstOrThrow();
  let opened: string | undefined;
  try {
    opened = box.open(row.value, CHECK_CONTEXT);
  } catch {
    opened = undefined;
  }
  if (opened !== CHECK_PLAINTEXT) {
    throw new SkybridgeError(
      'master_key_mismatch',
      'The master key is not the one this database was created with: set SKYBRIDGE_MASTER_KEY ' +
        '(or restore <dataDir>/master.key) to the original key.',
      { status: 500 },
    );
  }
}
