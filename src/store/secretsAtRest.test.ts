import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { parseConnectorConfig } from '../aws/index.js';
import { SQLITE_FILE } from './database.js';
import type { Store } from './records.js';
import { createStoreTarget, STORE_DIALECTS, type StoreTarget } from './storeTestTargets.js';

const SECRETS = {
  iamSecretAccessKey: 'IAMSECRET-wJalrXUtnFEMI-K7MDENG-distinct-7f3a',
  otpSecret: 'OTPSECRETJBSWY3DPEHPK3PXPDISTINCTQ',
  baseSecretAccessKey: 'BASESECRET-9d8c7b6a5f4e3d2c1b0a-distinct',
  baseSessionToken: 'BASETOKEN-FwoGZXIvYXdzEJr-distinct-session-token',
  tenantSecretAccessKey: 'TENANTSECRET-0a1b2c3d4e5f6a7b8c9d-distinct',
  tenantSessionToken: 'TENANTTOKEN-IQoJb3JpZ2luX2VjEJr-distinct-session-token',
  apiKey: 'sk_APIKEY_distinct_5e6f7a8b9c0d1e2f3a4b5c6d',
};

/** A clear value stored beside the secrets: proves the scan would find a secret if one were there. */
const CLEAR_MARKER = 'clear-marker-bucket-4242';

async function writeSecrets(store: Store): Promise<void> {
  await store.connectors.put(
    'acme',
    parseConnectorConfig({
      type: 'aws',
      bucketName: CLEAR_MARKER,
      iam: {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: SECRETS.iamSecretAccessKey,
        otpSecret: SECRETS.otpSecret,
        mfaSerial: 'arn:aws:iam::111122223333:mfa/skybridge',
      },
    }),
    'admin',
  );
  await store.engine.putBaseSession('acme', {
    accessKeyId: 'ASIABASEEXAMPLE',
    secretAccessKey: SECRETS.baseSecretAccessKey,
    sessionToken: SECRETS.baseSessionToken,
    expiration: Date.parse('2026-03-02T00:00:00Z'),
    mfa: true,
  });
  await store.engine.putTenantCredentials('acme:tenant-1', {
    accessKeyId: 'ASIATENANTEXAMPLE',
    secretAccessKey: SECRETS.tenantSecretAccessKey,
    sessionToken: SECRETS.tenantSessionToken,
    expiration: Date.parse('2026-03-01T13:00:00Z'),
  });
  await store.apiKeys.create({ id: 'bootstrap', name: 'bootstrap', key: SECRETS.apiKey, role: 'admin' });
}

function assertNoSecretIn(haystack: string, where: string, masterKey: string): void {
  assert.ok(haystack.includes(CLEAR_MARKER), `${where}: the scan found no clear data at all`);
  for (const [name, value] of Object.entries({ ...SECRETS, masterKey })) {
    assert.ok(!haystack.includes(value), `${where}: ${name} is stored in clear`);
  }
}

function sqliteBytes(dataDir: string): { files: string[]; text: string } {
  const files = ['', '-wal', '-shm']
    .map((suffix) => join(dataDir, SQLITE_FILE + suffix))
    .filter((file) => existsSync(file));
  // latin1 maps every byte to one character, so ASCII secrets are found wherever they sit in a page.
  return { files, text: files.map((file) => readFileSync(file).toString('latin1')).join('\n') };
}

async function postgresText(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: columns } = await client.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
       WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')`,
    );
    assert.ok(columns.length > 10);
    const values: string[] = [];
    for (const { table_name, column_name } of columns) {
      const { rows } = await client.query(`SELECT "${column_name}" AS v FROM "${table_name}"`);
      for (const row of rows) if (row.v !== null) values.push(String(row.v));
    }
    return values.join('\n');
  } finally {
    await client.end();
  }
}

for (const dialect of STORE_DIALECTS) {
  describe(`secrets at rest on ${dialect}`, () => {
    let target: StoreTarget;

    before(async () => {
      target = await createStoreTarget(dialect);
    });

    after(async () => {
      await target?.dispose();
    });

    it('stores no secret in clear, and reads every secret back', async () => {
      const store = await target.open();
      await writeSecrets(store);

      if (dialect === 'sqlite') {
        const open = sqliteBytes(target.dataDir);
        assert.ok(
          open.files.some((file) => file.endsWith('-wal')),
          'the WAL file was scanned while open',
        );
        assertNoSecretIn(open.text, 'database files while open', target.masterKey);
      }
      await store.close();

      if (dialect === 'sqlite') {
        assertNoSecretIn(sqliteBytes(target.dataDir).text, 'database files after close', target.masterKey);
      } else {
        assertNoSecretIn(await postgresText(target.databaseUrl!), 'every text column', target.masterKey);
      }

      const reopened = await target.open();
      try {
        const iam = (await reopened.connectors.get('acme'))?.config.iam;
        assert.equal(iam?.secretAccessKey, SECRETS.iamSecretAccessKey);
        assert.equal(iam?.otpSecret, SECRETS.otpSecret);
        assert.equal((await reopened.engine.getBaseSession('acme'))?.sessionToken, SECRETS.baseSessionToken);
        assert.equal(
          (await reopened.engine.getTenantCredentials('acme:tenant-1'))?.secretAccessKey,
          SECRETS.tenantSecretAccessKey,
        );
        assert.equal((await reopened.apiKeys.verify(SECRETS.apiKey))?.id, 'bootstrap');
        const audit = JSON.stringify(await reopened.audit.list());
        for (const value of Object.values(SECRETS)) assert.ok(!audit.includes(value));
      } finally {
        await reopened.close();
      }
    });
  });
}
