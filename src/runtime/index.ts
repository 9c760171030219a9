/**
 * What integration code imports as `skybridge`:
 * `import { Integration } from 'skybridge'` (package.json "exports" points here).
 */
export { SkybridgeError } from '../core/index.js';
export { type FromSkybridgeInit, fromSkybridge, type SkybridgeCredentials } from './fromSkybridge.js';
export type { CredentialIssue, HostIdentity, HostInstall, IntegrationHost, RouteBinding } from './host.js';
export { type InstallSummary, Integration, isIntegration, type RuntimeContext } from './integration.js';
export {
  type FailedIntegration,
  INTEGRATION_NAME,
  type LoadedIntegrations,
  loadIntegrations,
} from './loader.js';
export { routeErrorAnswer } from './routeErrors.js';
export {
  type IntegrationContext,
  IntegrationRouter,
  type RouteHandler,
  type RouteOptions,
  type RouteParams,
} from './router.js';
export { createIntegrationRoutes, type IntegrationRoutesOptions } from './routesMiddleware.js';
export {
  type TenantCredentialProviderOptions,
  type TenantSdkConfig,
  tenantCredentialProvider,
} from './tenantSdkConfig.js';
