import { createHash } from 'node:crypto';
import {
  type AwsConnector,
  generateExternalId,
  isKnownRegion,
  partitionOfRegion,
  renderTemplate,
  type TenantIdentity,
  templateObjectKey,
} from '../../aws/index.js';
import {
  type Clock,
  isSkybridgeError,
  type Logger,
  type RandomSource,
  randomId,
  SkybridgeError,
} from '../../core/index.js';
import type {
  IdentityRecord,
  IntegrationRecord,
  SessionRecord,
  SessionStatus,
  Store,
} from '../../store/index.js';
import type { ConnectorRegistry } from '../connectorRegistry.js';
import type { InstallStatusCache } from '../installStatusCache.js';
import { loggableError } from '../loggableError.js';
import type { Metrics } from '../metrics.js';
import { createSessionSchema, type StartSessionInput, startSessionSchema } from './inputs.js';
import { isEnded, OPEN_STATUSES, redirectTargetFor, type SessionView, toSessionView } from './sessionView.js';

export interface InstallFlowDeps {
  store: Store;
  connectors: ConnectorRegistry;
  clock: Clock;
  random: RandomSource;
  logger: Logger;
  /** Base URL of this server as tenants reach it (the /connect pages hang under it). */
  publicUrl: string;
  sessionTtlMs: number;
  metrics?: Metrics;
  /** Told when a reconnect replaces an install, so clients of the old one stop at once. */
  installStatus?: Pick<InstallStatusCache, 'markDeleted'>;
}

/** What the pages show beside a session: the connector's region choices and the role being created. */
export interface InstallDetails {
  connector: string;
  partition: 'aws' | 'aws-cn' | 'aws-us-gov';
  defaultRegion: string;
  roleName: string;
  stackName: string;
  /** Known once the session was started. The external id is not a secret (AWS says so). */
  externalId?: string;
  roleArn?: string;
}

// Verification errors after which trying again cannot help: the stack itself must change.
const TERMINAL_VERIFY_CODES = new Set(['external_id_not_enforced', 'account_mismatch']);
const FLOW_ACTOR = 'install-flow';

/**
 * The install flow, shared by the tenant pages (/connect) and the headless API (/v1/sessions).
 * Every status change is a compare-and-set in the store, so two instances (or a page and an API
 * call) racing on one session cannot both win; verification runs in the background.
 *
 * @example
 * const view = await flow.createSession('s3-buckets', { tenantId: 'acme', redirectUrl }, 'api-key:k1');
 * await flow.start(view.id, { accountId: '012345678901' });   // -> templateUrl, consoleUrl
 * await flow.verify(view.id);                                  // -> 'verifying', then 'completed'
 */
export class InstallFlow {
  private readonly deps: InstallFlowDeps;
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private stopped = false;

  constructor(deps: InstallFlowDeps) {
    this.deps = deps;
  }

  /** Opens a session for a tenant; the redirect URL must be one the integration registered. */
  async createSession(
    integration: string,
    input: { tenantId: string; redirectUrl: string },
    actor: string,
  ): Promise<SessionView> {
    const { tenantId, redirectUrl } = createSessionSchema.parse(input);
    const record = await this.integration(integration);
    if (!isRegisteredRedirect(record, redirectUrl)) {
      throw new SkybridgeError(
        'redirect_url_not_registered',
        `redirectUrl: "${redirectUrl}" is not registered on integration "${integration}". Add it to its redirectUrls first.`,
        { status: 400, field: 'redirectUrl' },
      );
    }
    installConnector(record);
    const now = this.now();
    const session = await this.deps.store.sessions.create({
      id: randomId(this.deps.random),
      integration,
      tenantId,
      redirectUrl,
      expiresAt: new Date(now.getTime() + this.deps.sessionTtlMs),
    });
    await this.audit(actor, 'session.created', session.id, { integration, tenantId });
    return this.view(session);
  }

  /** The session, expired on the spot when its time ran out. 404 `session_not_found`. */
  async getSession(id: string): Promise<SessionView> {
    return this.view(await this.load(id));
  }

  /** The anti-forgery token of the session's pages (never part of a SessionView; derived, never stored). */
  async csrfToken(id: string): Promise<string> {
    const session = await this.load(id);
    return this.deps.store.sessions.csrfToken(session.id);
  }

  /** Constant-time check of a page's anti-forgery field. */
  async checkCsrf(id: string, token: string | undefined): Promise<boolean> {
    const session = await this.load(id);
    return this.deps.store.sessions.checkCsrf(session.id, token);
  }

  /** The connector's choices and the role the stack creates, for the pages. */
  async installDetails(id: string): Promise<InstallDetails> {
    const session = await this.load(id);
    const { connectorName } = installConnector(await this.integration(session.integration));
    const connector = await this.deps.connectors.get(connectorName);
    const config = connector.config;
    const details: InstallDetails = {
      connector: connectorName,
      partition: partitionOfRegion(config.defaultRegion),
      defaultRegion: config.defaultRegion,
      roleName: config.roleName,
      stackName: config.stackName,
    };
    if (session.accountId) {
      details.roleArn = connector.roleArnFor(session.accountId);
      details.externalId = (await this.identityFor(connectorName, session.tenantId)).externalId;
    }
    return details;
  }

  /**
   * Takes the tenant's account and region, renders and publishes the tenant's template, and answers
   * the template and console links. Can be repeated (another account or region) until verification starts.
   */
  async start(id: string, input: StartSessionInput): Promise<SessionView> {
    const parsed = startSessionSchema.parse(input);
    const session = await this.load(id);
    this.assertOpen(session);
    if (session.status === 'verifying') {
      throw new SkybridgeError(
        'verification_in_progress',
        'The role is being verified; wait for the result, or cancel the session to start over.',
        { status: 409 },
      );
    }
    const { connectorName } = installConnector(await this.integration(session.integration));
    const connector = await this.deps.connectors.get(connectorName);
    const region = parsed.region ?? connector.config.defaultRegion;
    assertRegionFits(region, connector.config.defaultRegion);
    const identity = await this.identityFor(connectorName, session.tenantId);
    const prepared = await connector.prepareInstall({
      sessionId: session.id,
      accountId: parsed.accountId,
      region,
      externalId: identity.externalId,
    });
    const updated = await this.deps.store.sessions.transition(id, ['pending', 'awaiting_stack'], {
      status: 'awaiting_stack',
      accountId: parsed.accountId,
      region,
      templateKey: templateObjectKey(connector.config, session.id),
      templateUrl: prepared.templateUrl,
      consoleUrl: prepared.consoleUrl,
      errorCode: undefined,
      errorMessage: undefined,
    });
    if (!updated) {
      // Cancelled or expired meanwhile: the object just published must not outlive the session.
      await connector.removeTemplate(session.id).catch(() => {});
      return this.raced(id);
    }
    await this.audit(FLOW_ACTOR, 'session.started', id, { accountId: parsed.accountId, region });
    return this.view(updated);
  }

  /**
   * Starts verifying the tenant's role in the background and answers at once (`verifying`); a second
   * call while one runs reports it. The session ends `completed` (install created) or `failed`, or
   * returns to `awaiting_stack` with a retryable error (the stack may not exist yet).
   */
  async verify(id: string): Promise<SessionView> {
    const session = await this.load(id);
    this.assertOpen(session);
    if (session.status === 'verifying') {
      // Another instance may own it; if none does here (e.g. after a crash), pick it up.
      if (!this.running.has(id) && !this.stopped) this.launch(session);
      return this.view(session);
    }
    if (session.status === 'pending') {
      throw new SkybridgeError(
        'session_not_started',
        'Give the AWS account id first (POST /v1/sessions/{id}/start), then create the stack, then verify.',
        { status: 409 },
      );
    }
    const updated = await this.deps.store.sessions.transition(id, ['awaiting_stack'], {
      status: 'verifying',
      verifyStartedAt: this.now(),
      verifyAttempts: (session.verifyAttempts ?? 0) + 1,
      errorCode: undefined,
      errorMessage: undefined,
    });
    if (!updated) return this.raced(id);
    this.launch(updated);
    return this.view(updated);
  }

  /** Ends the session as `cancelled` and deletes its template. Cancelling twice is harmless. */
  async cancel(id: string): Promise<SessionView> {
    const session = await this.load(id);
    if (session.status === 'cancelled') return this.view(session);
    this.assertOpen(session);
    const updated = await this.deps.store.sessions.transition(id, OPEN_STATUSES, {
      status: 'cancelled',
      errorCode: 'session_cancelled',
      errorMessage: 'The install was cancelled. Ask the application for a new install link to try again.',
      endedAt: this.now(),
    });
    if (!updated) return this.raced(id);
    this.running.get(id)?.controller.abort();
    await this.removeTemplate(updated);
    await this.audit(FLOW_ACTOR, 'session.cancelled', id);
    return this.view(updated);
  }

  /** The tenant's rendered template, for the page to show or download (the external id is no secret). */
  async templateBody(id: string): Promise<string> {
    const session = await this.load(id);
    if (!session.accountId) {
      throw new SkybridgeError(
        'session_not_started',
        'Give the AWS account id first; the template depends on it.',
        {
          status: 409,
        },
      );
    }
    const { connectorName } = installConnector(await this.integration(session.integration));
    const connector = await this.deps.connectors.get(connectorName);
    const identity = await this.identityFor(connectorName, session.tenantId);
    const rendered = renderTemplate(connector.config, {
      baseAccountId: await connector.baseAccountId(),
      externalId: identity.externalId,
    });
    return rendered.body;
  }

  redirectTarget(session: SessionView): string | undefined {
    return redirectTargetFor(session);
  }

  /** Expires open sessions past their time and deletes their templates. Returns how many expired. */
  async sweep(now: Date = this.now()): Promise<number> {
    let expired = 0;
    for (const session of await this.deps.store.sessions.listExpirable(now)) {
      if (await this.expire(session, now)) expired += 1;
    }
    return expired;
  }

  /** Restarts the verifications of sessions left in `verifying` (after a restart). */
  async resume(): Promise<void> {
    for (const session of await this.deps.store.sessions.listByStatus(['verifying'])) {
      if (session.expiresAt.getTime() <= this.deps.clock.now()) await this.expire(session, this.now());
      else this.launch(session);
    }
  }

  /** Aborts background verifications and waits for them to settle (for shutdown); their sessions stay `verifying`. */
  async stop(): Promise<void> {
    this.stopped = true;
    const pending = [...this.running.values()];
    for (const task of pending) task.controller.abort();
    await Promise.allSettled(pending.map((task) => task.done));
  }

  /** Sessions verifying in this process (for metrics and tests). */
  get verificationsRunning(): number {
    return this.running.size;
  }

  private launch(session: SessionRecord): void {
    if (this.stopped || this.running.has(session.id)) return;
    const controller = new AbortController();
    const done = this.runVerification(session, controller.signal)
      .catch((error: unknown) => {
        this.deps.logger.error({ err: loggableError(error), session: session.id }, 'verification crashed');
      })
      .finally(() => {
        this.running.delete(session.id);
      });
    this.running.set(session.id, { controller, done });
  }

  private async runVerification(session: SessionRecord, signal: AbortSignal): Promise<void> {
    const integration = await this.integration(session.integration);
    const { connectorName, aliases } = installConnector(integration);
    const connector = await this.deps.connectors.get(connectorName);
    const identity = await this.identityFor(connectorName, session.tenantId);
    const tenant = tenantIdentityFor(connector, identity, session);
    const log = this.deps.logger.child({ session: session.id, connector: connectorName });
    log.info({ accountId: tenant.accountId, roleArn: tenant.roleArn }, 'verifying role');
    try {
      await connector.verify(tenant, { signal });
    } catch (error) {
      if (signal.aborted) return; // shutdown or cancel: a restart resumes it, a cancel already ended it
      await this.verificationFailed(session, error, log);
      return;
    }
    await this.complete(session, { connector, identity, tenant, aliases }, log);
  }

  /**
   * Records the verified role, the install and `completed` in ONE store transaction that starts with
   * the session's compare-and-set from `verifying`: a cancel or expiry that got there first leaves
   * the identity, the installs and the session untouched; one that comes later finds it completed.
   * A reconnect's earlier installs are replaced in the same transaction, so the tenant never has
   * two active installs (getSdkByTenant would answer several_installs) nor none.
   */
  private async complete(
    session: SessionRecord,
    found: { connector: AwsConnector; identity: IdentityRecord; tenant: TenantIdentity; aliases: string[] },
    log: Logger,
  ): Promise<void> {
    const { store } = this.deps;
    const { connector, identity, tenant, aliases } = found;
    const now = this.now();
    const templateVersion = renderTemplate(connector.config, {
      baseAccountId: await connector.baseAccountId(),
      externalId: identity.externalId,
    }).version;
    // Its id derives from the session id: of two completions of one session, only one can insert it.
    const installId = installIdFor(session.id);
    let replaced: string[];
    try {
      ({ replaced } = await store.installs.create(
        {
          id: installId,
          integration: session.integration,
          tenantId: session.tenantId,
          sessionId: session.id,
          identities: Object.fromEntries(aliases.map((alias) => [alias, identity.id])),
          // Found inside the transaction: another session of this tenant completing at the same
          // moment is replaced too, never left active beside this one.
          replaceOthers: true,
          identityPatches: {
            [identity.id]: {
              accountId: tenant.accountId,
              region: tenant.region,
              roleArn: tenant.roleArn,
              templateVersion,
              healthy: true,
              healthError: undefined,
              checkedAt: now,
            },
          },
          session: {
            from: ['verifying'],
            patch: {
              status: 'completed',
              installId,
              errorCode: undefined,
              errorMessage: undefined,
              endedAt: now,
            },
          },
        },
        FLOW_ACTOR,
      ));
    } catch (error) {
      if (isSkybridgeError(error) && (error.code === 'session_ended' || error.code === 'install_exists')) {
        log.info({ code: error.code }, 'session ended otherwise meanwhile; nothing recorded');
        return;
      }
      log.error({ err: loggableError(error) }, 'could not record the install');
      await store.sessions.transition(session.id, ['verifying'], {
        status: 'failed',
        errorCode: 'install_failed',
        errorMessage:
          'The role works, but the install could not be recorded. Ask the application for a new link.',
        endedAt: now,
      });
      return;
    }
    // A reconnect may point the identity at another role: credentials cached for the old one must go.
    await connector.forget(tenant).catch((error: unknown) => {
      log.warn({ err: loggableError(error) }, 'could not drop cached credentials');
    });
    for (const old of replaced) this.deps.installStatus?.markDeleted(old);
    this.deps.metrics?.sessionCompleted();
    log.info({ installId, replaced }, 'install created');
    await this.removeTemplate(session);
  }

  private async verificationFailed(session: SessionRecord, error: unknown, log: Logger): Promise<void> {
    const known = isSkybridgeError(error);
    const code = known ? error.code : 'verification_error';
    const message = known ? error.message : 'Verification failed unexpectedly. Try again in a minute.';
    if (!known) log.error({ err: loggableError(error) }, 'verification failed unexpectedly');
    else log.info({ code }, 'verification failed');
    if (known && /^(sts_|aws_unreachable|mfa_)/.test(code)) this.deps.metrics?.stsFailure(code);
    const terminal = TERMINAL_VERIFY_CODES.has(code);
    const updated = await this.deps.store.sessions.transition(
      session.id,
      ['verifying'],
      terminal
        ? { status: 'failed', errorCode: code, errorMessage: message, endedAt: this.now() }
        : { status: 'awaiting_stack', errorCode: code, errorMessage: message },
    );
    await this.audit(FLOW_ACTOR, 'verification.failed', session.id, { code, retryable: !terminal });
    if (updated && terminal) await this.removeTemplate(updated);
  }

  private async expire(session: SessionRecord, now: Date): Promise<boolean> {
    const updated = await this.deps.store.sessions.transition(session.id, OPEN_STATUSES, {
      status: 'expired',
      errorCode: 'session_expired',
      errorMessage: 'This install link expired. Ask the application for a new one.',
      endedAt: now,
    });
    if (!updated) return false;
    this.running.get(session.id)?.controller.abort();
    await this.removeTemplate(updated);
    await this.audit(FLOW_ACTOR, 'session.expired', session.id);
    return true;
  }

  private async load(id: string): Promise<SessionRecord> {
    const session = await this.deps.store.sessions.get(id);
    if (!session) {
      throw new SkybridgeError(
        'session_not_found',
        'No such session. Ask the application for a new install link.',
        {
          status: 404,
        },
      );
    }
    if (!isEnded(session.status) && session.expiresAt.getTime() <= this.deps.clock.now()) {
      await this.expire(session, this.now());
      return (await this.deps.store.sessions.get(id)) ?? session;
    }
    return session;
  }

  /** Another caller changed the session between our read and our write: answer what it is now. */
  private async raced(id: string): Promise<SessionView> {
    const session = await this.load(id);
    this.assertOpen(session);
    return this.view(session);
  }

  private assertOpen(session: SessionRecord): void {
    if (!isEnded(session.status)) return;
    const what: Record<string, string> = {
      completed: 'is already completed',
      failed: 'failed',
      cancelled: 'was cancelled',
      expired: 'expired',
    };
    throw new SkybridgeError(
      'session_ended',
      `This session ${what[session.status]}. Ask the application for a new install link.`,
      { status: 409, details: { status: session.status } },
    );
  }

  private async integration(name: string): Promise<IntegrationRecord> {
    const record = await this.deps.store.integrations.get(name);
    if (!record) {
      throw new SkybridgeError(
        'integration_not_found',
        `No integration named "${name}". Create it with PUT /v1/integrations/${name}.`,
        { status: 404 },
      );
    }
    return record;
  }

  /** The tenant's identity for a connector: created once, so a reconnect keeps its external id. */
  private identityFor(connector: string, tenantId: string): Promise<IdentityRecord> {
    return this.deps.store.identities.getOrCreate(connector, tenantId, () => ({
      id: `idn_${randomId(this.deps.random)}`,
      externalId: generateExternalId(this.deps.random),
    }));
  }

  private async removeTemplate(session: SessionRecord): Promise<void> {
    if (!session.templateUrl) return;
    try {
      const { connectorName } = installConnector(await this.integration(session.integration));
      await (await this.deps.connectors.get(connectorName)).removeTemplate(session.id);
    } catch (error) {
      // The object is unguessable and the sweeper retries nothing: log and go on rather than fail the flow.
      this.deps.logger.warn(
        { err: loggableError(error), session: session.id },
        'could not delete the template object',
      );
    }
  }

  private async audit(actor: string, action: string, target: string, details?: Record<string, unknown>) {
    await this.deps.store.audit.record({ actor, action, target, ...(details ? { details } : {}) });
  }

  private view(session: SessionRecord): SessionView {
    return toSessionView(session, this.deps.publicUrl);
  }

  private now(): Date {
    return new Date(this.deps.clock.now());
  }
}

/** `inst_` + 128 bits derived one-way from the session id: unguessable, and one per session. */
export function installIdFor(sessionId: string): string {
  const digest = createHash('sha256').update(`skybridge-install\0${sessionId}`).digest();
  return `inst_${digest.subarray(0, 16).toString('base64url')}`;
}

/**
 * The connector an integration's install flow sets up. All of the integration's aliases must name
 * one connector: a tenant creates one stack per session.
 */
export function installConnector(integration: IntegrationRecord): {
  connectorName: string;
  aliases: string[];
} {
  const names = [...new Set(Object.values(integration.connectors))];
  if (names.length !== 1) {
    throw new SkybridgeError(
      'unsupported_integration',
      `Integration "${integration.name}" uses ${names.length} connectors; the install flow handles exactly one.`,
      { status: 400 },
    );
  }
  return { connectorName: names[0]!, aliases: Object.keys(integration.connectors).sort() };
}

export function tenantIdentityFor(
  connector: AwsConnector,
  identity: IdentityRecord,
  session: Pick<SessionRecord, 'accountId' | 'region'>,
): TenantIdentity {
  const accountId = session.accountId ?? identity.accountId;
  const region = session.region ?? identity.region ?? connector.config.defaultRegion;
  if (!accountId) {
    throw new SkybridgeError('session_not_started', 'The AWS account id is not known yet.', { status: 409 });
  }
  return {
    id: identity.id,
    connector: connector.name,
    tenantId: identity.tenantId,
    accountId,
    region,
    roleArn: connector.roleArnFor(accountId),
    externalId: identity.externalId,
  };
}

function isRegisteredRedirect(integration: IntegrationRecord, redirectUrl: string): boolean {
  const wanted = normalizeUrl(redirectUrl);
  return wanted !== undefined && integration.redirectUrls.some((url) => normalizeUrl(url) === wanted);
}

function normalizeUrl(value: string): string | undefined {
  try {
    return new URL(value).href;
  } catch {
    return undefined;
  }
}

function assertRegionFits(region: string, defaultRegion: string): void {
  const partition = partitionOfRegion(defaultRegion);
  if (!isKnownRegion(region) || partitionOfRegion(region) !== partition) {
    throw new SkybridgeError(
      'invalid_request',
      `region: "${region}" is not a region of the ${partition} partition this connector works in.`,
      { status: 400, field: 'region' },
    );
  }
}

export type { SessionStatus };
