/**
 * The router integration code registers its routes on (`integration.router.get(...)`). Paths are
 * relative to `/v1/integrations/<name>` and start with `/api`, so the contract's
 * `router.get('/api/tenant/:tenantId/buckets', ...)` is served at
 * `/v1/integrations/<name>/api/tenant/:tenantId/buckets`.
 *
 * Patterns: literal segments, `:name` (one segment, decoded) and a trailing `*name` (the rest of the
 * path, one or more segments, e.g. an S3 key with slashes). Routes need the admin key unless
 * registered with `{ public: true }`.
 *
 * @example
 * integration.router.get('/api/tenant/:tenantId/buckets', async (ctx) => { ctx.body = ctx.params.tenantId });
 * integration.router.post('/api/webhook', { public: true }, async (ctx) => { ctx.status = 204 });
 */
import type { DefaultState, Next, ParameterizedContext } from 'koa';
import { SkybridgeError } from '../core/index.js';

/** The names of the `:param` and `*param` placeholders of a path pattern, as a union. */
type ParamNames<P extends string> = P extends `${string}${':' | '*'}${infer Rest}`
  ? Rest extends `${infer Name}/${infer Tail}`
    ? Name | ParamNames<Tail>
    : Rest
  : never;

/** `ctx.params` for a pattern: `RouteParams<'/api/tenant/:tenantId'>` is `{ tenantId: string }`. */
export type RouteParams<P extends string> = string extends P
  ? Record<string, string>
  : { [K in ParamNames<P>]: string };

/** The Koa context a route handler gets, with its path parameters and the parsed request body. */
export type IntegrationContext<Params = Record<string, string>> = ParameterizedContext<
  DefaultState,
  { params: Params; request: { body?: unknown; rawBody?: string } }
>;

export type RouteHandler<Params = Record<string, string>> = (
  ctx: IntegrationContext<Params>,
  next: Next,
) => unknown;

export interface RouteOptions {
  /** Serve without the admin key (webhooks, pages for the app's users). Default false. */
  public?: boolean;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';

export interface Route {
  method: HttpMethod | 'ALL';
  path: string;
  public: boolean;
  handlers: RouteHandler[];
  match(path: string): Record<string, string> | undefined;
}

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allowed: string[] }
  | { kind: 'not_found' };

type Segment = { literal: string } | { param: string } | { rest: string };

function compilePattern(path: string): Segment[] {
  if (path !== '/api' && !path.startsWith('/api/')) {
    throw new SkybridgeError(
      'invalid_route',
      `Route path "${path}" must start with /api: integration routes are served under /v1/integrations/<name>/api.`,
      { status: 500 },
    );
  }
  const parts = path.split('/').slice(1);
  return parts.map((part, index) => {
    if (part.startsWith(':')) {
      const name = part.slice(1);
      if (!/^\w+$/.test(name)) throw invalidParam(path, part);
      return { param: name };
    }
    if (part.startsWith('*')) {
      const name = part.slice(1);
      if (!/^\w+$/.test(name) || index !== parts.length - 1) throw invalidParam(path, part);
      return { rest: name };
    }
    return { literal: part };
  });
}

function invalidParam(path: string, part: string): SkybridgeError {
  return new SkybridgeError(
    'invalid_route',
    `Route path "${path}": "${part}" is not a valid placeholder (use :name for one segment, *name only at the end).`,
    { status: 500 },
  );
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function matcher(segments: Segment[]): (path: string) => Record<string, string> | undefined {
  return (path) => {
    // A trailing slash is the same route: "/api/items/" matches "/api/items".
    const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    const parts = trimmed.split('/').slice(1);
    const params: Record<string, string> = {};
    for (const [index, segment] of segments.entries()) {
      if ('rest' in segment) {
        const rest = parts.slice(index);
        if (rest.length === 0 || rest.some((p) => p === '')) return undefined;
        const decoded = rest.map(decodeSegment);
        if (decoded.some((d) => d === undefined)) return undefined;
        params[segment.rest] = decoded.join('/');
        return params;
      }
      const part = parts[index];
      if (part === undefined) return undefined;
      if ('literal' in segment) {
        if (part !== segment.literal) return undefined;
      } else {
        const value = decodeSegment(part);
        if (!value) return undefined;
        params[segment.param] = value;
      }
    }
    return parts.length === segments.length ? params : undefined;
  };
}

export class IntegrationRouter {
  readonly routes: Route[] = [];
  private readonly middleware: RouteHandler[] = [];

  /** Middleware that runs before the handlers of every route of this integration. */
  use(...handlers: RouteHandler[]): this {
    this.middleware.push(...handlers);
    return this;
  }

  get<P extends string>(path: P, ...args: RouteArgs<P>): this {
    return this.add('GET', path, args);
  }
  post<P extends string>(path: P, ...args: RouteArgs<P>): this {
    return this.add('POST', path, args);
  }
  put<P extends string>(path: P, ...args: RouteArgs<P>): this {
    return this.add('PUT', path, args);
  }
  patch<P extends string>(path: P, ...args: RouteArgs<P>): this {
    return this.add('PATCH', path, args);
  }
  delete<P extends string>(path: P, ...args: RouteArgs<P>): this {
    return this.add('DELETE', path, args);
  }
  all<P extends string>(path: P, ...args: RouteArgs<P>): this {
    return this.add('ALL', path, args);
  }

  /** Finds the route for a request; HEAD falls back to GET. */
  match(method: string, path: string): RouteMatch {
    const upper = method.toUpperCase();
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = route.match(path);
      if (!params) continue;
      if (route.method === 'ALL' || route.method === upper || (upper === 'HEAD' && route.method === 'GET')) {
        return { kind: 'found', route, params };
      }
      allowed.add(route.method);
    }
    if (allowed.size > 0) return { kind: 'method_not_allowed', allowed: [...allowed] };
    return { kind: 'not_found' };
  }

  /** The middleware and the route's handlers, in the order they run. */
  chain(route: Route): RouteHandler[] {
    return [...this.middleware, ...route.handlers];
  }

  private add<P extends string>(method: Route['method'], path: P, args: RouteArgs<P>): this {
    const [first, ...rest] = args;
    const options: RouteOptions = typeof first === 'function' ? {} : (first ?? {});
    const handlers = (typeof first === 'function' ? [first, ...rest] : rest) as RouteHandler[];
    if (handlers.length === 0 || handlers.some((h) => typeof h !== 'function')) {
      throw new SkybridgeError(
        'invalid_route',
        `Route ${method} ${path} needs at least one handler function.`,
        {
          status: 500,
        },
      );
    }
    this.routes.push({
      method,
      path,
      public: options.public === true,
      handlers,
      match: matcher(compilePattern(path)),
    });
    return this;
  }
}

/** A route's arguments: handlers, optionally preceded by options such as `{ public: true }`. */
export type RouteArgs<P extends string> =
  | [RouteHandler<RouteParams<P>>, ...RouteHandler<RouteParams<P>>[]]
  | [RouteOptions, RouteHandler<RouteParams<P>>, ...RouteHandler<RouteParams<P>>[]];

/** Runs handlers as a Koa middleware chain (each may `await next()`). */
export function composeHandlers(
  handlers: RouteHandler[],
): (ctx: IntegrationContext, next?: Next) => Promise<void> {
  return (ctx, next) => {
    let last = -1;
    const dispatch = async (index: number): Promise<void> => {
      if (index <= last) throw new Error('next() called more than once in an integration route');
      last = index;
      const handler = handlers[index];
      if (handler) await handler(ctx, () => dispatch(index + 1));
      else if (next) await next();
    };
    return dispatch(0);
  };
}
