/**
 * What the AWS engine needs to share between server instances: the base session, the last TOTP
 * step per MFA device, cached tenant credentials, and refresh leases. The engine knows nothing of
 * SQL; `src/store` implements this on SQLite and PostgreSQL, and `MemoryEngineStore` serves a
 * single process and tests.
 */

/** Temporary AWS credentials as the engine keeps them. `expiration` is ms since the epoch. */
export interface StoredCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration: number;
  /** True when obtained with an MFA code (GetSessionToken with SerialNumber/TokenCode). */
  mfa?: boolean;
}

export interface EngineStore {
  /**
   * Atomically records `step` as the last TOTP time step used for `mfaSerial`, if it is greater
   * than the one recorded. Returns false when that step (or a later one) was already used, so a
   * code is never sent twice, even by two instances at once.
   */
  claimTotpStep(mfaSerial: string, step: number): Promise<boolean>;
  /** The last TOTP step recorded for `mfaSerial`, if any. */
  lastTotpStep(mfaSerial: string): Promise<number | undefined>;

  /** The cached base session of a connector (key chosen by the engine). */
  getBaseSession(key: string): Promise<StoredCredentials | undefined>;
  putBaseSession(key: string, credentials: StoredCredentials): Promise<void>;
  deleteBaseSession(key: string): Promise<void>;

  /** Cached tenant (AssumeRole) credentials, by identity key. */
  getTenantCredentials(key: string): Promise<StoredCredentials | undefined>;
  putTenantCredentials(key: string, credentials: StoredCredentials): Promise<void>;
  deleteTenantCredentials(key: string): Promise<void>;

  /**
   * Takes the lease `name` for `holder` for `ttlMs` if it is free, expired, or already held by
   * `holder`. Returns whether `holder` now holds it. Leases keep several instances from
   * refreshing the same credentials at once.
   */
  tryAcquireLease(name: string, holder: string, ttlMs: number, nowMs: number): Promise<boolean>;
  releaseLease(name: string, holder: string): Promise<void>;
}

/** An EngineStore in process memory: for one instance and for tests. */
export class MemoryEngineStore implements EngineStore {
  private totpSteps = new Map<string, number>();
  private baseSessions = new Map<string, StoredCredentials>();
  private tenantCredentials = new Map<string, StoredCredentials>();
  private leases = new Map<string, { holder: string; until: number }>();

  async claimTotpStep(mfaSerial: string, step: number): Promise<boolean> {
    const last = this.totpSteps.get(mfaSerial);
    if (last !== undefined && last >= step) return false;
    this.totpSteps.set(mfaSerial, step);
    return true;
  }

  async lastTotpStep(mfaSerial: string): Promise<number | undefined> {
    return this.totpSteps.get(mfaSerial);
  }

  async getBaseSession(key: string): Promise<StoredCredentials | undefined> {
    return this.baseSessions.get(key);
  }

  async putBaseSession(key: string, credentials: StoredCredentials): Promise<void> {
    this.baseSessions.set(key, { ...credentials });
  }

  async deleteBaseSession(key: string): Promise<void> {
    this.baseSessions.delete(key);
  }

  async getTenantCredentials(key: string): Promise<StoredCredentials | undefined> {
    return this.tenantCredentials.get(key);
  }

  async putTenantCredentials(key: string, credentials: StoredCredentials): Promise<void> {
    this.tenantCredentials.set(key, { ...credentials });
  }

  async deleteTenantCredentials(key: string): Promise<void> {
    this.tenantCredentials.delete(key);
  }

  async tryAcquireLease(name: string, holder: string, ttlMs: number, nowMs: number): Promise<boolean> {
    const lease = this.leases.get(name);
    if (lease && lease.holder !== holder && lease.until > nowMs) return false;
    this.leases.set(name, { holder, until: nowMs + ttlMs });
    return true;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    if (this.leases.get(name)?.holder === holder) this.leases.delete(name);
  }
}
