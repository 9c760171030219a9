// The HTTP server: Koa app, management API, install flow. Others import this file only.
export { ADMIN_KEY_FILE, ensureAdminKey } from './adminKey.js';
export { type AppDeps, createApp, createServices } from './app.js';
export { loadServerConfig, type ServerConfig } from './config.js';
export { ConnectorRegistry, type ConnectorRegistryOptions } from './connectorRegistry.js';
export * from './installFlow/index.js';
export { Metrics } from './metrics.js';
export { authenticateAdmin, requireAdmin } from './middleware/auth.js';
export { errorBody } from './middleware/errors.js';
export { createLogger, REDACT_PATHS } from './middleware/logging.js';
export { installView } from './routes/installs.js';
export { type RunningServer, type StartServerOptions, startServer } from './server.js';
export type { ServerServices } from './services.js';
export {
  type CredentialCaller,
  integrationActor,
  issueTenantCredentials,
  type ResolvedTenant,
  recordCredentialIssue,
  resolveTenant,
  type TenantLookup,
} from './tenantCredentials.js';
