import type { Generated } from 'kysely';

/**
 * The tables as Kysely sees them. Portable types only: text for ids, JSON and enums; bigint
 * milliseconds since the epoch for every time (numbers in JS; PostgreSQL's int8 is parsed to a
 * number in database.ts); integer 0/1 for booleans.
 */
export interface Database {
  store_meta: StoreMetaTable;
  connectors: ConnectorsTable;
  integrations: IntegrationsTable;
  sessions: SessionsTable;
  identities: IdentitiesTable;
  installs: InstallsTable;
  install_identities: InstallIdentitiesTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  engine_totp_steps: EngineTotpStepsTable;
  engine_credentials: EngineCredentialsTable;
  engine_leases: EngineLeasesTable;
}

export interface StoreMetaTable {
  key: string;
  value: string;
}

export interface ConnectorsTable {
  name: string;
  /** The configuration JSON without its secret fields. */
  config: string;
  /** The secret fields, sealed by SecretBox; null when the configuration has none. */
  secrets: string | null;
  created_at: number;
  updated_at: number;
}

export interface IntegrationsTable {
  name: string;
  connectors: string;
  redirect_urls: string;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  id: string;
  integration: string;
  tenant_id: string;
  redirect_url: string;
  status: string;
  /** SHA-256 of an anti-forgery token stored before migration 002 (open sessions then); null since. */
  csrf_hash: string | null;
  account_id: string | null;
  region: string | null;
  template_key: string | null;
  template_url: string | null;
  console_url: string | null;
  install_id: string | null;
  error_code: string | null;
  error_message: string | null;
  verify_attempts: number | null;
  verify_started_at: number | null;
  created_at: number;
  updated_at: number;
  expires_at: number;
  ended_at: number | null;
}

export interface IdentitiesTable {
  id: string;
  connector: string;
  tenant_id: string;
  external_id: string;
  account_id: string | null;
  region: string | null;
  role_arn: string | null;
  template_version: string | null;
  healthy: number | null;
  health_error: string | null;
  checked_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface InstallsTable {
  id: string;
  integration: string;
  tenant_id: string;
  status: string;
  session_id: string;
  created_at: number;
  deleted_at: number | null;
}

export interface InstallIdentitiesTable {
  install_id: string;
  alias: string;
  identity_id: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  key_hash: string;
  role: string;
  created_at: number;
  last_used_at: number | null;
}

export interface AuditLogTable {
  /** Insertion order, so entries written in the same millisecond still list in order. */
  seq: Generated<number>;
  at: number;
  actor: string;
  action: string;
  target: string | null;
  details: string | null;
}

export interface EngineTotpStepsTable {
  mfa_serial: string;
  last_step: number;
}

export interface EngineCredentialsTable {
  /** 'base' or 'tenant'. */
  kind: string;
  key: string;
  /** The StoredCredentials JSON, sealed by SecretBox. */
  sealed: string;
  expiration: number;
  updated_at: number;
}

export interface EngineLeasesTable {
  name: string;
  holder: string;
  until_ms: number;
}
