import type { SessionRecord, SessionStatus } from '../../store/index.js';

/** A session as the API and the pages show it: never the anti-forgery token, never a secret. */
export interface SessionView {
  id: string;
  integration: string;
  tenantId: string;
  status: SessionStatus;
  /** The registered URL the tenant returns to (the app chose it; not a secret). */
  redirectUrl: string;
  accountId?: string;
  region?: string;
  templateUrl?: string;
  consoleUrl?: string;
  installId?: string;
  error?: { code: string; message: string };
  createdAt: string;
  expiresAt: string;
  /** The tenant-facing install page. */
  url: string;
}

export const ENDED_STATUSES: readonly SessionStatus[] = ['completed', 'failed', 'cancelled', 'expired'];
export const OPEN_STATUSES: SessionStatus[] = ['pending', 'awaiting_stack', 'verifying'];

export function isEnded(status: SessionStatus): boolean {
  return ENDED_STATUSES.includes(status);
}

export function toSessionView(record: SessionRecord, publicUrl: string): SessionView {
  const view: SessionView = {
    id: record.id,
    integration: record.integration,
    tenantId: record.tenantId,
    status: record.status,
    redirectUrl: record.redirectUrl,
    createdAt: record.createdAt.toISOString(),
    expiresAt: record.expiresAt.toISOString(),
    url: `${publicUrl}/connect/${encodeURIComponent(record.id)}`,
  };
  if (record.accountId) view.accountId = record.accountId;
  if (record.region) view.region = record.region;
  // The template link is useless (and the object gone) once the session ended.
  if (!isEnded(record.status)) {
    if (record.templateUrl) view.templateUrl = record.templateUrl;
    if (record.consoleUrl) view.consoleUrl = record.consoleUrl;
  }
  if (record.status === 'completed' && record.installId) view.installId = record.installId;
  if (record.errorCode)
    view.error = { code: record.errorCode, message: record.errorMessage ?? record.errorCode };
  return view;
}

/**
 * Where the tenant's browser goes once the session ended: the registered redirect URL with
 * `session`, `tenantId` and `installId`, or `error=<code>`. Undefined while the session is open.
 */
export function redirectTargetFor(view: SessionView): string | undefined {
  if (!isEnded(view.status)) return undefined;
  const url = new URL(view.redirectUrl);
  url.searchParams.set('session', view.id);
  url.searchParams.set('tenantId', view.tenantId);
  if (view.status === 'completed' && view.installId) url.searchParams.set('installId', view.installId);
  else url.searchParams.set('error', view.error?.code ?? `session_${view.status}`);
  return url.toString();
}
