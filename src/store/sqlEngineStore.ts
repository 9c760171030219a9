import type { Kysely } from 'kysely';
import type { EngineStore, StoredCredentials } from '../aws/engineStore.js';
import type { Clock } from '../core/index.js';
import type { Database } from './schema.js';
import type { SecretBox } from './secretBox.js';

type CredentialKind = 'base' | 'tenant';

/**
 * The engine's shared state on SQLite or PostgreSQL, with the semantics of MemoryEngineStore.
 * Claims and leases are single upserts whose conflict clause carries the condition, so the
 * database decides races between instances: exactly one of two competing callers sees a changed row.
 */
export class SqlEngineStore implements EngineStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  async claimTotpStep(mfaSerial: string, step: number): Promise<boolean> {
    const result = await this.db
      .insertInto('engine_totp_steps')
      .values({ mfa_serial: mfaSerial, last_step: step })
      .onConflict((oc) =>
        oc
          .column('mfa_serial')
          .doUpdateSet({ last_step: (eb) => eb.ref('excluded.last_step') })
          .where('engine_totp_steps.last_step', '<', step),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async lastTotpStep(mfaSerial: string): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('engine_totp_steps')
      .select('last_step')
      .where('mfa_serial', '=', mfaSerial)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.last_step);
  }

  getBaseSession(key: string): Promise<StoredCredentials | undefined> {
    return this.getCredentials('base', key);
  }

  putBaseSession(key: string, credentials: StoredCredentials): Promise<void> {
    return this.putCredentials('base', key, credentials);
  }

  deleteBaseSession(key: string): Promise<void> {
    return this.deleteCredentials('base', key);
  }

  getTenantCredentials(key: string): Promise<StoredCredentials | undefined> {
    return this.getCredentials('tenant', key);
  }

  putTenantCredentials(key: string, credentials: StoredCredentials): Promise<void> {
    return this.putCredentials('tenant', key, credentials);
  }

  deleteTenantCredentials(key: string): Promise<void> {
    return this.deleteCredentials('tenant', key);
  }

  async tryAcquireLease(name: string, holder: string, ttlMs: number, nowMs: number): Promise<boolean> {
    const until = nowMs + ttlMs;
    const result = await this.db
      .insertInto('engine_leases')
      .values({ name, holder, until_ms: until })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, until_ms: until })
          .where((eb) =>
            eb.or([eb('engine_leases.holder', '=', holder), eb('engine_leases.until_ms', '<=', nowMs)]),
          ),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.deleteFrom('engine_leases').where('name', '=', name).where('holder', '=', holder).execute();
  }

  /** AAD binding sealed credentials to their kind and key: a tenant's cannot be served as another's. */
  private context(kind: CredentialKind, key: string): string {
    return `engine_credentials.sealed:${kind}:${key}`;
  }

  private async getCredentials(kind: CredentialKind, key: string): Promise<StoredCredentials | undefined> {
    const row = await this.db
      .selectFrom('engine_credentials')
      .select('sealed')
      .where('kind', '=', kind)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) return undefined;
    return JSON.parse(this.box.open(row.sealed, this.context(kind, key))) as StoredCredentials;
  }

  private async putCredentials(
    kind: CredentialKind,
    key: string,
    credentials: StoredCredentials,
  ): Promise<void> {
    const sealed = this.box.seal(JSON.stringify(credentials), this.context(kind, key));
    const now = this.clock.now();
    await this.db
      .insertInto('engine_credentials')
      .values({ kind, key, sealed, expiration: credentials.expiration, updated_at: now })
      .onConflict((oc) =>
        oc
          .columns(['kind', 'key'])
          .doUpdateSet({ sealed, expiration: credentials.expiration, updated_at: now }),
      )
      .execute();
  }

  private async deleteCredentials(kind: CredentialKind, key: string): Promise<void> {
    await this.db.deleteFrom('engine_credentials').where('kind', '=', kind).where('key', '=', key).execute();
  }
}
