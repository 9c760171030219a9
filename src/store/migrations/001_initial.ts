import type { Kysely, Migration } from 'kysely';
import type { StoreDialect } from '../database.js';

/** The first schema: every table the store and the engine need. */
export function initialMigration(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('store_meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('connectors')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('secrets', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('integrations')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('connectors', 'text', (c) => c.notNull())
        .addColumn('redirect_urls', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('integration', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('redirect_url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text')
        .addColumn('region', 'text')
        .addColumn('template_key', 'text')
        .addColumn('template_url', 'text')
        .addColumn('console_url', 'text')
        .addColumn('install_id', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('verify_attempts', 'integer')
        .addColumn('verify_started_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('sessions_status')
        .on('sessions')
        .columns(['status', 'expires_at'])
        .execute();

      await db.schema
        .createTable('identities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('connector', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull().unique())
        .addColumn('account_id', 'text')
        .addColumn('region', 'text')
        .addColumn('role_arn', 'text')
        .addColumn('template_version', 'text')
        .addColumn('healthy', 'integer')
        .addColumn('health_error', 'text')
        .addColumn('checked_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('identities_connector_tenant', ['connector', 'tenant_id'])
        .execute();

      await db.schema
        .createTable('installs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('integration', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('installs_integration_tenant')
        .on('installs')
        .columns(['integration', 'tenant_id', 'status'])
        .execute();

      await db.schema
        .createTable('install_identities')
        .addColumn('install_id', 'text', (c) => c.notNull().references('installs.id').onDelete('cascade'))
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('identity_id', 'text', (c) => c.notNull().references('identities.id'))
        .addPrimaryKeyConstraint('install_identities_pk', ['install_id', 'alias'])
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute();

      // The one place the dialects differ: an ever-increasing key for the audit log's order.
      const audit =
        dialect === 'sqlite'
          ? db.schema
              .createTable('audit_log')
              .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
          : db.schema
              .createTable('audit_log')
              .addColumn('seq', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity());
      await audit
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('details', 'text')
        .execute();
      await db.schema.createIndex('audit_log_action').on('audit_log').columns(['action', 'seq']).execute();

      await db.schema
        .createTable('engine_totp_steps')
        .addColumn('mfa_serial', 'text', (c) => c.primaryKey())
        .addColumn('last_step', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('engine_credentials')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('expiration', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('engine_credentials_pk', ['kind', 'key'])
        .execute();

      await db.schema
        .createTable('engine_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('until_ms', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
