import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type RandomSource, randomId } from '../core/index.js';
import type { Store } from '../store/index.js';

export const ADMIN_KEY_FILE = 'admin.key';

/**
 * Makes sure an admin key exists. A key given in SKYBRIDGE_ADMIN_KEY is stored (hashed) if new. With
 * no key at all, one is generated and, in embedded mode, written to <data dir>/admin.key (0600).
 * Returns the key in clear only when it was given or generated now, so it can be shown once.
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
  const key = `sbk_${randomId(random, 256)}`;
  await store.apiKeys.create({
    id: `key_${randomId(random, 64)}`,
    name: 'generated at first start',
    key,
    role: 'admin',
  });
  if (!options.embedded) return { key, generated: true };
  const path = join(options.dataDir, ADMIN_KEY_FILE);
  await writeFile(path, `${key}\n`, { mode: 0o600 });
  return { key, generated: true, path };
}
