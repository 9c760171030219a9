/**
 * What the runtime needs from the server that mounts it: installs, the integration's connectors and
 * the live AwsConnector objects. The runtime knows nothing of SQL or Koa apps; the server builds an
 * IntegrationHost from its store and connector registry (src/server/integrationHost.ts).
 */
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
  /** The clock the connectors run on (default: the system clock). */
  clock?: Clock;
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
