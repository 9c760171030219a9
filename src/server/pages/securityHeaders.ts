import type { Context } from 'koa';

/**
 * The Content-Security-Policy of the install pages: nothing inline, nothing from elsewhere. Forms may
 * also target the app's redirect origin, because Chrome applies form-action to the redirect that
 * follows a form post (cancel, and verify once the session completed).
 */
export function contentSecurityPolicy(formOrigins: readonly string[] = []): string {
  const formAction = ["'self'", ...formOrigins.filter(isSafeOrigin)].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

// An origin goes into a header: accept only what URL parsing produced (scheme://host[:port]).
function isSafeOrigin(origin: string): boolean {
  return /^https?:\/\/[A-Za-z0-9.\-[\]:]+$/.test(origin);
}

/** The origin of a URL, or nothing if it is not an http(s) URL. */
export function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/** Headers every /connect answer carries; pages call it again with the session's redirect origin. */
export function setSecurityHeaders(ctx: Context, formOrigins: readonly string[] = []): void {
  ctx.set('Content-Security-Policy', contentSecurityPolicy(formOrigins));
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Cache-Control', 'no-store');
}
