/**
 * What the runtime needs from the server that mounts it: installs, the integration's connectors and
 * the live AwsConnector objects. The runtime knows nothing of SQL or Koa apps; the server builds an
 * IntegrationHost from its store and connector registry (src/server/integrationHost.ts).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AwsConnector } from '../aws/index.js';
import type { Clock } from '../core/index.js';

export interface HostIdentity {
  id: string;
  connector: string;
  tenantId: string;
  externalId: string;
  accountId?: string;
  region?: string;
  roleArn?: string;
}

export interface HostInstall {
  id: string;
  integration: string;
  tenantId: string;
  status: string;
  createdAt: Date;
  /** alias = the integration's connector name (e.g. 'awsConnector'). */
  identities: { alias: string; identity: HostIdentity }[];
}

export interface IntegrationHost {
  /** The integration's connectors (alias -> connector name), or undefined when it is not registered. */
  integrationConnectors(integration: string): Promise<Record<string, string> | undefined>;
  /** Active installs of an integration, optionally for one tenant. */
  listInstalls(integration: string, tenantId?: string): Promise<HostInstall[]>;
  getInstall(id: string): Promise<HostInstall | undefined>;
  /** The live connector (one per name, shared with the server so the base session is shared). */
  connector(name: string): Promise<AwsConnector>;
  /** True when `key` is a valid admin API key. */
  verifyAdminKey(key: string): Promise<boolean>;
  /**
   * True while the install may still get credentials. Called before EVERY credential a tenant client
   * asks for (a client built before a DELETE must stop), so it should be a cheap, cached lookup.
   * Without it, only the moment of getSdkByTenant/getSdk checks the install.
   */
  isInstallActive?(installId: string): Promise<boolean>;
  /**
   * Records that credentials were handed to integration code (the server writes the same
   * `credentials.issued` audit row and metric as for POST .../credentials). Called once per credential
   * a provider from getSdkByTenant/getSdk hands out, before the SDK gets it; a rejection fails that
   * credential call. Never receives the credential.
   */
  credentialsIssued?(issue: CredentialIssue): Promise<void>;
  /** Told when getting a tenant credential for integration code failed (the server counts STS failures). */
  credentialsFailed?(error: unknown): void;
  /** The clock the connectors run on (default: the system clock). */
  clock?: Clock;
}

/** Who got credentials for which install, without the credentials. */
export interface CredentialIssue {
  integration: string;
  installId: string;
  tenantId: string;
  /** The integration's alias for the connector (e.g. 'awsConnector'). */
  connector: string;
  /**
   * The request during which the credential was handed out: the route the SDK call ran in, or the
   * request that asked for the SDK configuration when the call ran outside any route (a timer).
   */
  requestId: string;
}

/** What a request handled by integration code carries: which integration, and the host. */
export interface RouteBinding {
  integration: string;
  host: IntegrationHost;
  requestId: string;
}

// Symbol.for so that two copies of this module (an integration resolving 'skybridge' to another path)
// still agree on where the binding lives.
const BINDING = Symbol.for('skybridge.runtime.binding');

export function bindContext(ctx: { state: object }, binding: RouteBinding): void {
  (ctx.state as Record<symbol, unknown>)[BINDING] = binding;
}

export function contextBinding(ctx: { state?: object } | undefined): RouteBinding | undefined {
  const state = ctx?.state as Record<symbol, unknown> | undefined;
  return state?.[BINDING] as RouteBinding | undefined;
}

// The route a piece of integration code runs in, so a client built in one request and used in a later
// one is attributed to the later one. On globalThis for the same reason as BINDING.
const CURRENT_ROUTE = Symbol.for('skybridge.runtime.currentRoute');
const globals = globalThis as Record<symbol, AsyncLocalStorage<RouteBinding> | undefined>;
const currentRoute = globals[CURRENT_ROUTE] ?? new AsyncLocalStorage<RouteBinding>();
globals[CURRENT_ROUTE] = currentRoute;

/** Runs a route's handlers with `binding` as the current route (see currentRouteBinding). */
export function runInRoute<T>(binding: RouteBinding, handle: () => T): T {
  return currentRoute.run(binding, handle);
}

/** The route whose handlers are running now, if any. */
export function currentRouteBinding(): RouteBinding | undefined {
  return currentRoute.getStore();
}
