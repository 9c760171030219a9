import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator } from 'kysely';
import { openDatabase } from './database.js';
import { storeMigrations } from './migrations/index.js';
import { createStoreTarget, STORE_DIALECTS, type StoreTarget } from './storeTestTargets.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const OLD_TOKEN = 'clear-token-from-before-migration-002';

for (const dialect of STORE_DIALECTS) {
  describe(`migration 002 on ${dialect}: anti-forgery tokens no longer stored in clear`, () => {
    let target: StoreTarget;

    before(async () => {
      target = await createStoreTarget(dialect);
      // A database as the first release left it: schema 001 with tokens in clear.
      const { db } = openDatabase({ dataDir: target.dataDir, databaseUrl: target.databaseUrl });
      try {
        const migrator = new Migrator({
          db,
          provider: { getMigrations: async () => storeMigrations(dialect) },
        });
        const { error } = await migrator.migrateTo('001_initial');
        assert.equal(error, undefined);
        // biome-ignore lint/suspicious/noExplicitAny: the 001 schema, which today's types no longer describe.
        const old = db as any;
        for (const [id, status] of [
          ['open-session', 'awaiting_stack'],
          ['ended-session', 'completed'],
        ]) {
          await old
            .insertInto('sessions')
            .values({
              id,
              integration: 'demo',
              tenant_id: 'acme',
              redirect_url: 'https://app.example/done',
              status,
              csrf_token: OLD_TOKEN,
              created_at: NOW,
              updated_at: NOW,
              expires_at: NOW + 3_600_000,
            })
            .execute();
        }
      } finally {
        await db.destroy();
      }
    });
    after(async () => {
      await target?.dispose();
    });

    it("keeps open sessions' old tokens working through their hash and drops the clear column", async () => {
      const store = await target.open();
      try {
        assert.equal(await store.sessions.checkCsrf('open-session', OLD_TOKEN), true, 'a page already open');
        assert.equal(await store.sessions.checkCsrf('open-session', `${OLD_TOKEN}x`), false);
        assert.equal(await store.sessions.checkCsrf('ended-session', OLD_TOKEN), false, 'ended: not kept');
        const derived = store.sessions.csrfToken('open-session');
        assert.equal(
          await store.sessions.checkCsrf('open-session', derived),
          true,
          'pages shown from now on',
        );
        assert.equal((await store.sessions.get('open-session'))?.status, 'awaiting_stack');
      } finally {
        await store.close();
      }
      const { db } = openDatabase({ dataDir: target.dataDir, databaseUrl: target.databaseUrl });
      try {
        const rows = await db.selectFrom('sessions').selectAll().orderBy('id').execute();
        const text = JSON.stringify(rows);
        assert.equal(text.includes(OLD_TOKEN), false, 'the clear token is gone');
        assert.equal(Object.hasOwn(rows[0]!, 'csrf_token'), false, 'the column is gone');
        assert.deepEqual(
          rows.map((row) => [row.id, row.csrf_hash === null ? null : row.csrf_hash.length]),
          [
            ['ended-session', null],
            ['open-session', 64],
          ],
        );
      } finally {
        await db.destroy();
      }
    });
  });
}
