import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { type Partition, REGIONS_BY_PARTITION } from '../../aws/index.js';
import { isSkybridgeError, type Logger } from '../../core/index.js';
import type { InstallFlow, SessionView } from '../installFlow/index.js';
import { loggableError } from '../loggableError.js';
import { accountPage } from './accountPage.js';
import { pageAssets } from './assets.js';
import { accountFormSchema, fieldProblem, singleValue } from './forms.js';
import type { SafeHtml } from './html.js';
import { launchPage } from './launchPage.js';
import { messagePage } from './messagePage.js';
import { originOf, setSecurityHeaders } from './securityHeaders.js';
import { describeProblem, describeStatus, type StatusFacts, type StatusText } from './statusText.js';

/** The parts of the install flow the pages use. */
export type ConnectFlow = Pick<
  InstallFlow,
  | 'getSession'
  | 'start'
  | 'verify'
  | 'cancel'
  | 'templateBody'
  | 'redirectTarget'
  | 'checkCsrf'
  | 'csrfToken'
  | 'installDetails'
>;

export interface ConnectRouterDeps {
  flow: ConnectFlow;
  logger: Logger;
  /** Base URL tenants reach this server at; its path (if any) prefixes every link the pages make. */
  publicUrl: string;
}

/** The JSON the page script polls: the status, the words to show, and where to go once it ended. */
export interface StatusAnswer {
  status: string;
  error?: { code: string; message: string };
  redirectTo?: string;
  text: StatusText;
}

const CSRF_HEADER = 'x-csrf-token';

/**
 * The tenant-facing install pages under /connect (no API key: the unguessable session id in the
 * link and the per-session anti-forgery token on every form stand in for it).
 *
 * @example
 * const connect = createConnectRouter({ flow, logger, publicUrl });
 * app.use(connect.routes()).use(connect.allowedMethods());   // the router carries the /connect prefix
 */
export function createConnectRouter(deps: ConnectRouterDeps): Router {
  const { flow, logger } = deps;
  const basePath = basePathOf(deps.publicUrl);
  const assets = pageAssets();
  const router = new Router({ prefix: '/connect' });
  const forms = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  function sendPage(ctx: Context, status: number, page: SafeHtml, session?: SessionView): void {
    setSecurityHeaders(ctx, formOrigins(session));
    ctx.status = status;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = page.toString();
  }

  function sendMessage(
    ctx: Context,
    status: number,
    code: string,
    text: StatusText,
    more: object = {},
  ): void {
    const page = messagePage({ basePath, text, code, requestId: requestIdOf(ctx), ...more });
    sendPage(ctx, status, page);
  }

  /** Errors every route maps the same way; anything unknown is logged and shown as a 500 page. */
  function sendError(ctx: Context, error: unknown): void {
    if (isSkybridgeError(error) && error.code === 'session_not_found') {
      sendMessage(ctx, 404, error.code, describeProblem(error.code, { status: 'unknown' }));
      return;
    }
    if (isSkybridgeError(error) && error.status < 500) {
      sendMessage(
        ctx,
        error.status,
        error.code,
        describeProblem(error.code, { status: 'unknown' }, error.message),
      );
      return;
    }
    logger.error(
      { err: loggableError(error), requestId: requestIdOf(ctx), path: ctx.path },
      'install page failed',
    );
    sendMessage(
      ctx,
      isSkybridgeError(error) ? error.status : 500,
      isSkybridgeError(error) ? error.code : 'internal_error',
      {
        tone: 'problem',
        title: 'Something went wrong on our side.',
        detail:
          'Nothing in your AWS account was changed by this error. Try again in a minute; if it keeps happening, tell the app’s support and quote the request id below.',
      },
    );
  }

  function wantsJson(ctx: Context): boolean {
    return (
      ctx.get(CSRF_HEADER) !== '' ||
      (ctx.accepts('html', 'json') === 'json' && !ctx.get('accept').includes('html'))
    );
  }

  /** Checks the anti-forgery token (form field or header) in constant time; answers false after refusing. */
  async function csrfAccepted(ctx: Context, id: string): Promise<boolean> {
    const body = ctx.request.body as Record<string, unknown> | undefined;
    const token = singleValue(body?.csrf) ?? (ctx.get(CSRF_HEADER) || undefined);
    if (await flow.checkCsrf(id, token)) return true;
    logger.warn(
      { requestId: requestIdOf(ctx), session: id },
      'install page form refused: anti-forgery token',
    );
    const text = describeProblem('csrf_failed', { status: 'unknown' });
    if (wantsJson(ctx)) {
      setSecurityHeaders(ctx);
      ctx.status = 403;
      ctx.body = { error: { code: 'csrf_failed', message: `${text.title} ${text.detail}` }, text };
    } else {
      sendMessage(ctx, 403, 'csrf_failed', text, { reloadUrl: pageUrl(id) });
    }
    return false;
  }

  function pageUrl(id: string): string {
    return `${basePath}/connect/${encodeURIComponent(id)}`;
  }

  async function statusAnswer(session: SessionView): Promise<StatusAnswer> {
    const facts: StatusFacts = {
      status: session.status,
      accountId: session.accountId,
      region: session.region,
      error: session.error,
    };
    if (session.error?.code === 'role_not_assumable' || session.error?.code === 'external_id_not_enforced') {
      // The advice names the role to look for, or the stack to delete.
      const details = await flow.installDetails(session.id).catch(() => undefined);
      facts.roleName = details?.roleName;
      facts.stackName = details?.stackName;
    }
    const answer: StatusAnswer = { status: session.status, text: describeStatus(facts) };
    if (session.error) answer.error = session.error;
    const redirectTo = flow.redirectTarget(session);
    if (redirectTo) answer.redirectTo = redirectTo;
    return answer;
  }

  async function renderAccountPage(
    ctx: Context,
    session: SessionView,
    status: number,
    input?: {
      accountId?: string | undefined;
      region?: string | undefined;
      error?: { field?: string | undefined; message: string };
    },
  ): Promise<void> {
    const details = await flow.installDetails(session.id);
    const regions = regionsFor(details.partition);
    const wanted = input?.region ?? session.region;
    const page = accountPage({
      basePath,
      sessionId: session.id,
      integration: session.integration,
      tenantId: session.tenantId,
      csrfToken: await flow.csrfToken(session.id),
      regions,
      // A region that is not on the list (a forged form) falls back on the connector's default.
      region: wanted && regions.includes(wanted) ? wanted : details.defaultRegion,
      accountId: input?.accountId ?? session.accountId,
      error: input?.error,
    });
    sendPage(ctx, status, page, session);
  }

  async function renderLaunchPage(ctx: Context, session: SessionView): Promise<void> {
    const [details, csrfToken, templateBody] = await Promise.all([
      flow.installDetails(session.id),
      flow.csrfToken(session.id),
      flow.templateBody(session.id),
    ]);
    const page = launchPage({
      basePath,
      sessionId: session.id,
      integration: session.integration,
      tenantId: session.tenantId,
      csrfToken,
      status: session.status,
      statusText: describeStatus({
        status: session.status,
        accountId: session.accountId,
        region: session.region,
        roleName: details.roleName,
        stackName: details.stackName,
        error: session.error,
      }),
      accountId: session.accountId ?? '',
      region: session.region ?? details.defaultRegion,
      consoleUrl: session.consoleUrl ?? '',
      templateBody,
      roleName: details.roleName,
      externalId: details.externalId,
      stackName: details.stackName,
    });
    sendPage(ctx, 200, page, session);
  }

  router.use(async (ctx, next) => {
    setSecurityHeaders(ctx);
    await next();
  });

  router.get('/assets/:file', (ctx) => {
    const asset = assets.get(ctx.params.file ?? '');
    if (!asset) {
      ctx.status = 404;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = 'Not found';
      return;
    }
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.type = asset.type;
    ctx.body = asset.body;
  });

  router.get('/:id', async (ctx) => {
    const id = ctx.params.id ?? '';
    try {
      const session = await flow.getSession(id);
      switch (session.status) {
        case 'pending':
          await renderAccountPage(ctx, session, 200);
          return;
        case 'awaiting_stack':
          if (ctx.query.change === 'account') await renderAccountPage(ctx, session, 200);
          else await renderLaunchPage(ctx, session);
          return;
        case 'verifying':
          await renderLaunchPage(ctx, session);
          return;
        case 'expired':
        case 'cancelled': {
          const text = describeStatus({ status: session.status });
          sendMessage(ctx, 410, session.error?.code ?? `session_${session.status}`, text, {
            returnUrl: flow.redirectTarget(session),
          });
          return;
        }
        default:
          // completed or failed: the session has ended and the contract sends the browser to the app
          // (with installId, or with error=<code>). The live page explained a failure before leaving.
          redirect(ctx, flow.redirectTarget(session) ?? pageUrl(id));
      }
    } catch (error) {
      sendError(ctx, error);
    }
  });

  router.post('/:id', forms, async (ctx) => {
    const id = ctx.params.id ?? '';
    try {
      if (!(await csrfAccepted(ctx, id))) return;
      const session = await flow.getSession(id);
      const raw = ctx.request.body as Record<string, unknown> | undefined;
      const parsed = accountFormSchema.safeParse(raw ?? {});
      const kept = {
        accountId: singleValue(raw?.accountId),
        region: singleValue(raw?.region),
      };
      if (!parsed.success) {
        await renderAccountPage(ctx, session, 400, { ...kept, error: fieldProblem(parsed.error) });
        return;
      }
      const { accountId, region } = parsed.data;
      try {
        await flow.start(id, { accountId, ...(region ? { region } : {}) });
      } catch (error) {
        const problem = fieldProblem(error);
        if (problem) {
          await renderAccountPage(ctx, session, 400, { ...kept, error: problem });
          return;
        }
        // Ended or already verifying: the page for the session's state says what is going on.
        if (isSkybridgeError(error) && error.status === 409) {
          redirect(ctx, pageUrl(id));
          return;
        }
        throw error;
      }
      redirect(ctx, pageUrl(id));
    } catch (error) {
      sendError(ctx, error);
    }
  });

  router.get('/:id/status', async (ctx) => {
    const id = ctx.params.id ?? '';
    try {
      ctx.body = await statusAnswer(await flow.getSession(id));
    } catch (error) {
      if (isSkybridgeError(error) && error.status < 500) {
        ctx.status = error.status;
        ctx.body = {
          ...error.toJSON(),
          text: describeProblem(error.code, { status: 'unknown' }, error.message),
        };
        return;
      }
      logger.error({ err: loggableError(error), requestId: requestIdOf(ctx) }, 'install status failed');
      ctx.status = 500;
      ctx.body = { error: { code: 'internal_error', message: 'Something went wrong on our side.' } };
    }
  });

  router.post('/:id/verify', forms, async (ctx) => {
    const id = ctx.params.id ?? '';
    const json = wantsJson(ctx);
    try {
      if (!(await csrfAccepted(ctx, id))) return;
      let session: SessionView;
      try {
        session = await flow.verify(id);
      } catch (error) {
        // Ended, or not started: the current state answers the request.
        if (!(isSkybridgeError(error) && error.status === 409)) throw error;
        session = await flow.getSession(id);
      }
      if (json) ctx.body = await statusAnswer(session);
      else redirect(ctx, pageUrl(id));
    } catch (error) {
      if (json && isSkybridgeError(error) && error.status < 500) {
        ctx.status = error.status;
        ctx.body = {
          ...error.toJSON(),
          text: describeProblem(error.code, { status: 'unknown' }, error.message),
        };
        return;
      }
      sendError(ctx, error);
    }
  });

  router.post('/:id/cancel', forms, async (ctx) => {
    const id = ctx.params.id ?? '';
    try {
      if (!(await csrfAccepted(ctx, id))) return;
      let session: SessionView;
      try {
        session = await flow.cancel(id);
      } catch (error) {
        if (!(isSkybridgeError(error) && error.status === 409)) throw error;
        session = await flow.getSession(id);
      }
      redirect(ctx, flow.redirectTarget(session) ?? pageUrl(id));
    } catch (error) {
      sendError(ctx, error);
    }
  });

  router.get('/:id/template.yaml', async (ctx) => {
    const id = ctx.params.id ?? '';
    try {
      const [body, details] = await Promise.all([flow.templateBody(id), flow.installDetails(id)]);
      ctx.type = 'text/yaml; charset=utf-8';
      ctx.attachment(`${details.stackName}.yaml`);
      ctx.body = body;
    } catch (error) {
      sendError(ctx, error);
    }
  });

  return router;
}

/** The regions offered: those of the connector's partition (a role can only trust its own partition). */
function regionsFor(partition: Partition): readonly string[] {
  return REGIONS_BY_PARTITION[partition];
}

function redirect(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.set('Location', location);
  ctx.body = '';
}

function formOrigins(session: SessionView | undefined): string[] {
  const origin = originOf(session?.redirectUrl);
  return origin ? [origin] : [];
}

function requestIdOf(ctx: Context): string | undefined {
  const id = ctx.state.requestId;
  return typeof id === 'string' ? id : undefined;
}

/** The path of the public URL without a trailing slash ('' when served at the root). */
export function basePathOf(publicUrl: string): string {
  return new URL(publicUrl).pathname.replace(/\/+$/, '');
}
