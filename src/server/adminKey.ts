import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RandomSource, randomId, SkybridgeError } from '../core/index.js';
import type { Store } from '../store/index.js';

export const ADMIN_KEY_FILE = 'admin.key';

/**
 * Makes sure an admin key exists. A key given in SKYBRIDGE_ADMIN_KEY is stored (hashed) if new. With
 * no key at all, in embedded mode one is generated and written to <data dir>/admin.key (0600); with
 * DATABASE_URL there is no file to keep it in, so the first start is refused until
 * SKYBRIDGE_ADMIN_KEY is set (a generated key would be lost). Returns the key in clear only when it
 * was given or generated now, so it can be shown once.
 */
export async function ensureAdminKey(options: {
  store: Store;
  dataDir: string;
  embedded: boolean;
  given?: string | undefined;
  random: RandomSource;
}): Promise<{ key: string; generated: boolean; path?: string } | undefined> {
  const { store, given, random } = options;
  if (given) {
    if (!(await store.apiKeys.verify(given))) {
      await store.apiKeys.create({
        id: `key_${randomId(random, 64)}`,
        name: 'SKYBRIDGE_ADMIN_KEY',
        key: given,
        role: 'admin',
      });
    }
    return { key: given, generated: false };
  }
  if ((await store.apiKeys.count()) > 0) return undefined;
  if (!options.embedded) {
    throw new SkybridgeError(
      'admin_key_required',
      'SKYBRIDGE_ADMIN_KEY is required for the first start with DATABASE_URL: the database has no admin key yet ' +
        'and there is no data directory to keep a generated one in. Set it to a secret of at least 16 characters ' +
        '(e.g. from: openssl rand -hex 32) and start again.',
      { status: 500, field: 'SKYBRIDGE_ADMIN_KEY' },
    );
  }
  const key = `sbk_${randomId(random, 256)}`;
  const path = join(options.dataDir, ADMIN_KEY_FILE);
  // The file first: if it cannot be written, no key exists that nobody knows.
  await writeFile(path, `${key}\n`, { mode: 0o600 });
  await store.apiKeys.create({
    id: `key_${randomId(random, 64)}`,
    name: 'generated at first start',
    key,
    role: 'admin',
  });
  return { key, generated: true, path };
}
