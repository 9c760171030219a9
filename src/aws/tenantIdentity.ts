/**
 * The shapes the engine shares with the server and the runtime (see engine-api.md). They live here
 * so the broker, the verifier and the AwsConnector facade use one definition; the facade re-exports them.
 */

/** What a connector knows about one tenant's account. */
export interface TenantIdentity {
  /** The store's identity id (stable; used in cache keys and RoleSessionName). */
  id: string;
  /** Connector name. */
  connector: string;
  tenantId: string;
  installId?: string;
  /** 12 digits, leading zeros kept. */
  accountId: string;
  region: string;
  roleArn: string;
  externalId: string;
}

export interface TenantCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  region: string;
}

export interface IdentityHealth {
  healthy: boolean;
  checkedAt: Date;
  error?: { code: string; message: string };
}

export interface VerifyProgress {
  attempt: number;
  elapsedMs: number;
  lastError?: { code: string; message: string };
}

export type IdentityHealthListener = (identity: TenantIdentity, health: IdentityHealth) => void;
