import type Router from '@koa/router';
import { parseConnectorConfig, redactConnectorConfig } from '../../aws/index.js';
import { SkybridgeError } from '../../core/index.js';
import type { ConnectorRecord } from '../../store/index.js';
import type { ServerServices } from '../services.js';
import { actorOf, pathName } from './names.js';

const SECRET_FIELDS = ['secretAccessKey', 'otpSecret'] as const;

/**
 * The field each secret belongs with: a redacted secret stands for the stored one only while this is
 * unchanged (a new access key id with the old user's secret key would fail only at the next AWS call).
 */
const SECRET_OWNER: Record<(typeof SECRET_FIELDS)[number], string> = {
  secretAccessKey: 'accessKeyId',
  otpSecret: 'mfaSerial',
};

/**
 * PUT/GET /v1/connectors/{connector}, POST .../check, GET .../iam-policy. Reads answer the
 * configuration redacted; a PUT that sends a redacted secret back unchanged keeps the stored one.
 */
export function connectorRoutes(router: Router, services: ServerServices): void {
  const { store, connectors } = services;

  router.put('/connectors/:connector', async (ctx) => {
    const name = pathName('connector', ctx.params.connector);
    const existing = await store.connectors.get(name);
    const config = parseConnectorConfig(keepRedactedSecrets(ctx.request.body, existing));
    await store.connectors.put(name, config, actorOf(ctx.state));
    connectors.invalidate(name);
    ctx.body = redactConnectorConfig(config);
  });

  router.get('/connectors/:connector', async (ctx) => {
    const name = pathName('connector', ctx.params.connector);
    const record = await store.connectors.get(name);
    if (!record) throw notFound(name);
    ctx.body = redactConnectorConfig(record.config);
  });

  router.post('/connectors/:connector/check', async (ctx) => {
    const connector = await connectors.get(pathName('connector', ctx.params.connector));
    ctx.body = await connector.check();
  });

  router.get('/connectors/:connector/iam-policy', async (ctx) => {
    const connector = await connectors.get(pathName('connector', ctx.params.connector));
    ctx.body = connector.iamPolicy();
  });
}

function notFound(name: string): SkybridgeError {
  return new SkybridgeError('connector_not_found', `No connector named "${name}". Create it with PUT.`, {
    status: 404,
  });
}

/** A client that GETs, edits and PUTs back sends "••••1234": put the stored secret back in its place. */
function keepRedactedSecrets(body: unknown, existing: ConnectorRecord | undefined): unknown {
  const kept = restoreRedactedSecrets(body, existing);
  refuseRedactedSecrets(kept);
  return kept;
}

/**
 * A redacted value left over (copied from another connector, the stored secret changed, or sent with
 * another access key id or MFA serial) would
 * otherwise fail as a malformed key; say what it is and what to send instead.
 */
function refuseRedactedSecrets(body: unknown): void {
  const iam = typeof body === 'object' && body !== null ? (body as { iam?: unknown }).iam : undefined;
  if (typeof iam !== 'object' || iam === null) return;
  for (const field of SECRET_FIELDS) {
    const sent = (iam as Record<string, unknown>)[field];
    if (typeof sent === 'string' && sent.startsWith('••••')) {
      throw new SkybridgeError(
        'invalid_request',
        `iam.${field} is a redacted value, as reads show it, not the secret. Send the real secret; a redacted value is kept only when sent back unchanged to the connector it was read from, with the same iam.${SECRET_OWNER[field]}.`,
        { status: 400, field: `iam.${field}` },
      );
    }
  }
}

function restoreRedactedSecrets(body: unknown, existing: ConnectorRecord | undefined): unknown {
  if (!existing || typeof body !== 'object' || body === null) return body;
  const iam = (body as { iam?: unknown }).iam;
  const storedIam = (existing.config as { iam?: Record<string, unknown> }).iam;
  if (typeof iam !== 'object' || iam === null || !storedIam) return body;
  const redactedStored =
    (redactConnectorConfig(existing.config) as { iam?: Record<string, unknown> }).iam ?? {};
  const merged: Record<string, unknown> = { ...(iam as Record<string, unknown>) };
  for (const field of SECRET_FIELDS) {
    const sent = merged[field];
    const owner = SECRET_OWNER[field];
    if (
      typeof sent === 'string' &&
      sent.startsWith('••••') &&
      sent === redactedStored[field] &&
      merged[owner] === storedIam[owner]
    ) {
      merged[field] = storedIam[field];
    }
  }
  return { ...(body as Record<string, unknown>), iam: merged };
}
