import type { ConnectorConfig, EngineStore } from '../aws/index.js';
import type { Clock, Logger, RandomSource } from '../core/index.js';

export type { ConnectorConfig };

export interface StoreOptions {
  /** SKYBRIDGE_DATA_DIR (default ./.skybridge): created on first start. */
  dataDir: string;
  /** DATABASE_URL: postgres://... selects PostgreSQL; absent selects SQLite `<dataDir>/skybridge.db`. */
  databaseUrl?: string | undefined;
  /**
   * SKYBRIDGE_MASTER_KEY (32 bytes as base64 or hex). Absent in embedded mode: `<dataDir>/master.key`
   * is generated with mode 0600. Absent with DATABASE_URL: an error.
   */
  masterKey?: string | undefined;
  clock?: Clock;
  random?: RandomSource;
  /** Where lost database connections are reported (never with secrets). */
  logger?: Logger;
}

/** Every session status, in the order a session moves through them (metrics list them so). */
export const SESSION_STATUSES = [
  'pending',
  'awaiting_stack',
  'verifying',
  'completed',
  'failed',
  'cancelled',
  'expired',
] as const;

export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Statuses a session does not leave. */
export const ENDED_SESSION_STATUSES: readonly SessionStatus[] = [
  'completed',
  'failed',
  'cancelled',
  'expired',
];

export interface ConnectorRecord {
  name: string;
  config: ConnectorConfig;
  createdAt: Date;
  updatedAt: Date;
}

export interface IntegrationRecord {
  name: string;
  connectors: Record<string, string>;
  redirectUrls: string[];
  createdAt: Date;
  updatedAt: Date;
}

export interface SessionRecord {
  id: string;
  integration: string;
  tenantId: string;
  redirectUrl: string;
  status: SessionStatus;
  accountId?: string;
  region?: string;
  templateKey?: string;
  templateUrl?: string;
  consoleUrl?: string;
  installId?: string;
  errorCode?: string;
  errorMessage?: string;
  verifyAttempts?: number;
  verifyStartedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  endedAt?: Date;
}

/** What `sessions.transition` may change. A key present with `undefined` clears that field. */
export type SessionPatch = Partial<Omit<SessionRecord, 'id' | 'integration' | 'tenantId' | 'createdAt'>>;

export interface IdentityRecord {
  id: string;
  connector: string;
  tenantId: string;
  externalId: string;
  accountId?: string;
  region?: string;
  roleArn?: string;
  templateVersion?: string;
  healthy?: boolean;
  healthError?: string;
  checkedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

/** What `identities.update` may change. A key present with `undefined` clears that field. */
export type IdentityPatch = Partial<
  Pick<
    IdentityRecord,
    'accountId' | 'region' | 'roleArn' | 'templateVersion' | 'healthy' | 'healthError' | 'checkedAt'
  >
>;

export interface InstallRecord {
  id: string;
  integration: string;
  tenantId: string;
  status: 'active' | 'deleted';
  sessionId: string;
  createdAt: Date;
  deletedAt?: Date;
  /** alias = the integration's connector name, e.g. 'awsConnector'. */
  identities: { alias: string; identity: IdentityRecord }[];
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  role: 'admin';
  createdAt: Date;
  lastUsedAt?: Date;
}

export interface AuditRecord {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target?: string;
  details?: Record<string, unknown>;
}

/** Audit actions the store records itself; the server records the others. */
export const AUDIT_ACTIONS = {
  connectorPut: 'connector.put',
  integrationPut: 'integration.put',
  installCreated: 'install.created',
  installDeleted: 'install.deleted',
  /** A reconnect's new install took this one's place (soft-deleted with the new one's creation). */
  installReplaced: 'install.replaced',
} as const;

export interface ConnectorsRepository {
  /** Saves the configuration; its secret fields are encrypted. */
  put(name: string, config: ConnectorConfig, actor: string): Promise<ConnectorRecord>;
  /** The configuration with its secrets decrypted. */
  get(name: string): Promise<ConnectorRecord | undefined>;
  list(): Promise<ConnectorRecord[]>;
}

export interface IntegrationsRepository {
  put(
    name: string,
    input: { connectors: Record<string, string>; redirectUrls: string[] },
    actor: string,
  ): Promise<IntegrationRecord>;
  get(name: string): Promise<IntegrationRecord | undefined>;
  list(): Promise<IntegrationRecord[]>;
}

export interface SessionsRepository {
  create(input: {
    id: string;
    integration: string;
    tenantId: string;
    redirectUrl: string;
    expiresAt: Date;
  }): Promise<SessionRecord>;
  get(id: string): Promise<SessionRecord | undefined>;
  /**
   * The session's anti-forgery token for its pages: HMAC(master-derived key, session id), so nothing
   * about it is stored and a stolen database cannot forge it.
   */
  csrfToken(id: string): string;
  /** Constant-time check of a page's token (sessions older than migration 002 also match their old token's hash). */
  checkCsrf(id: string, token: string | undefined): Promise<boolean>;
  /** How many sessions have each status (one GROUP BY; every status present, 0 when none). */
  countByStatus(): Promise<Record<SessionStatus, number>>;
  /** Compare-and-set: applies `patch` only if the session's status is one of `from`; returns the updated record or undefined. */
  transition(
    id: string,
    from: readonly SessionStatus[],
    patch: SessionPatch,
  ): Promise<SessionRecord | undefined>;
  /** Sessions not ended whose `expiresAt <= now`. */
  listExpirable(now: Date): Promise<SessionRecord[]>;
  listByStatus(statuses: readonly SessionStatus[]): Promise<SessionRecord[]>;
}

export interface IdentitiesRepository {
  /** One identity per tenant per connector: returns the existing one or creates it with `create()`'s values. */
  getOrCreate(
    connector: string,
    tenantId: string,
    create: () => { id: string; externalId: string },
  ): Promise<IdentityRecord>;
  get(id: string): Promise<IdentityRecord | undefined>;
  update(id: string, patch: IdentityPatch): Promise<IdentityRecord>;
}

export interface CreateInstallInput {
  id: string;
  integration: string;
  tenantId: string;
  sessionId: string;
  /** alias -> identity id. */
  identities: Record<string, string>;
  /**
   * Active installs of the same integration and tenant this one replaces (a reconnect): soft-deleted
   * in the same transaction, each audited `install.replaced`, so readers never see both active.
   */
  replaces?: readonly string[];
  /**
   * Also replace every other active install of the same integration and tenant found inside the
   * transaction. Completions of one integration and tenant are serialized (PostgreSQL: an advisory
   * lock; SQLite: its single writer), so of two sessions of one tenant completing at once the second
   * sees and replaces the first's install: never two active installs (a list read before the
   * transaction would miss the other one).
   */
  replaceOthers?: boolean;
  /** Identity changes (the verified account, role, region) that take effect only with the install. */
  identityPatches?: Record<string, IdentityPatch>;
  /**
   * Compare-and-set of the install's session, first in the same transaction: when its status is not
   * one of `from`, nothing is written and `session_ended` (409) is thrown.
   */
  session?: { from: readonly SessionStatus[]; patch: SessionPatch };
}

/** The new install, with the ids of the installs it replaced (soft-deleted in the same transaction). */
export type CreatedInstall = InstallRecord & { replaced: string[] };

export interface InstallsRepository {
  /**
   * Creates the install and links identities (alias -> identity id) in one transaction, with the
   * optional session transition, identity patches and replaced installs of `input` (all or nothing).
   */
  create(input: CreateInstallInput, actor: string): Promise<CreatedInstall>;
  /** With identities; deleted installs too. */
  get(id: string): Promise<InstallRecord | undefined>;
  /** Active (not deleted) installs, oldest first. */
  listByIntegration(integration: string, tenantId?: string): Promise<InstallRecord[]>;
  /** Soft delete: status 'deleted'. False when there was no active install with this id. */
  delete(id: string, actor: string): Promise<boolean>;
}

export interface ApiKeysRepository {
  /** Stores a key hashed; returns the record (never the key). */
  create(input: { id: string; name: string; key: string; role: 'admin' }): Promise<ApiKeyRecord>;
  /** Constant-time comparison of hashes; returns the record for a valid key. */
  verify(key: string): Promise<ApiKeyRecord | undefined>;
  count(): Promise<number>;
}

export interface AuditRepository {
  record(entry: {
    actor: string;
    action: string;
    target?: string;
    details?: Record<string, unknown>;
  }): Promise<void>;
  /** Newest first; `limit` defaults to 100 (at most 1000). */
  list(options?: { limit?: number; action?: string }): Promise<AuditRecord[]>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  connectors: ConnectorsRepository;
  integrations: IntegrationsRepository;
  sessions: SessionsRepository;
  identities: IdentitiesRepository;
  installs: InstallsRepository;
  apiKeys: ApiKeysRepository;
  audit: AuditRepository;
  /** The engine's shared state on SQL; cached credentials encrypted. */
  engine: EngineStore;
  close(): Promise<void>;
}
