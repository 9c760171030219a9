/**
 * Shared setup for journeys against a REAL Skybridge server and a REAL sandbox over HTTP on 127.0.0.1.
 * Used by the API journeys (test/api-*.test.ts), the install pages' browser test and the CLI tests.
 *
 * `setupWorld()` starts the sandbox (iamPropagationMs 300 by default) with a base account whose IAM user
 * has a virtual MFA device, a public template bucket in that account, and a tenant account with its own
 * IAM user; then starts the server on a temp data dir with a fixed admin key and master key, and
 * configures connector `aws` (the base user's keys + MFA, sandbox endpoints, a 5 s propagation timeout)
 * and integration `demo` ({ awsConnector: 'aws' }, redirect URL `world.redirectUrl`).
 *
 * @example
 * const world = await setupWorld();
 * try {
 *   const { installId } = await world.installTenant('acme');          // the whole headless journey
 *   const creds = await world.api('POST', '/v1/integrations/demo/tenants/acme/credentials');
 * } finally {
 *   await world.close();
 * }
 *
 * Options: `configure: false` leaves the connector and integration to the test; `connector` overrides
 * fields of the connector configuration; `logStream` captures the server's pino lines; `clock` is the
 * server's clock (e.g. `offsetClock()` to jump ahead without touching the sandbox's TOTP clock).
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { DeleteRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import type { Middleware } from 'koa';
import pg from 'pg';
import { createSandboxAccounts, sandboxConnectorConfig } from '../../src/cli/sandboxWorld.js';
import { type Clock, systemClock } from '../../src/core/index.js';
import { type RunningSandbox, SandboxAdminClient, startSandbox } from '../../src/sandbox/index.js';
import { createLogger, type RunningServer, startServer } from '../../src/server/index.js';
import {
  ADMIN_DATABASE_URL as POSTGRES_ADMIN_URL,
  withPostgresAdmin,
} from '../../src/store/storeTestTargets.js';

/**
 * A parsed JSON answer. Tests check its shape with assertions, so it is typed loosely on purpose.
 */
// biome-ignore lint/suspicious/noExplicitAny: answers are checked by assertions, not by types.
export type Json = any;

export interface WorldOptions {
  /** Sandbox settings; default { iamPropagationMs: 300 }. */
  sandboxSettings?: Record<string, number>;
  /** Extra server environment (merged over the world's). */
  serverEnv?: Record<string, string>;
  /** Receives the server's JSON log lines (pino); default: logs discarded. */
  logStream?: Writable;
  /** The server's clock (default the system clock). */
  clock?: Clock;
  /** Create connector `aws` and integration `demo` (default true). */
  configure?: boolean;
  /** Fields merged over the connector configuration (top level; `iam`, `verify`, `endpoints` merged one level down). */
  connector?: Record<string, unknown>;
  /** Give the base user an MFA device and put it in the connector (default true). */
  mfa?: boolean;
  /**
   * 'postgres': the server runs on a fresh temporary PostgreSQL database (created here, dropped by
   * `close()`; admin URL SKYBRIDGE_TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres).
   */
  database?: 'sqlite' | 'postgres';
  /** Integration routes to mount (e.g. `createIntegrationRoutes({ integrations, host: integrationHostOf })`). */
  integrationRoutes?: Middleware;
}

export interface ApiAnswer<T = Json> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface World {
  sandbox: RunningSandbox;
  sandboxAdmin: SandboxAdminClient;
  server: RunningServer;
  /** The server's base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  adminKey: string;
  masterKey: string;
  dataDir: string;
  base: {
    accountId: string;
    accessKeyId: string;
    secretAccessKey: string;
    mfaSerial?: string;
    otpSecret?: string;
  };
  tenant: { accountId: string; accessKeyId: string; secretAccessKey: string };
  templateBucket: string;
  connectorName: string;
  integration: string;
  alias: string;
  redirectUrl: string;
  /** The connector configuration PUT by the world (with secrets: never print it). */
  connectorConfig: Record<string, Json>;
  /** JSON call to the server with the admin key (`key: null` sends none; a string sends that one). */
  api<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    options?: { key?: string | null },
  ): Promise<ApiAnswer<T>>;
  /** Creates the stack in an account as a tenant would in the (sandbox) console. Answers the console's JSON. */
  createStack(
    templateUrl: string,
    options?: { accountId?: string; region?: string; stackName?: string },
  ): Promise<{ status: number; body: Json }>;
  /** Polls GET /v1/sessions/{id} until its status is one of `statuses` (default: any but awaiting/verifying). */
  waitForSession(id: string, statuses?: string[], timeoutMs?: number): Promise<Json>;
  /**
   * The whole headless journey for a tenant: session, start, stack, verify, completed. `stack: false`
   * skips the stack (a reconnect: the role from the first install still trusts the same external id).
   */
  installTenant(
    tenantId: string,
    options?: { accountId?: string; stack?: boolean },
  ): Promise<{ sessionId: string; installId: string }>;
  /** An S3 client acting as the tenant's own IAM user (to create buckets in the tenant account). */
  tenantS3(): S3Client;
  /** The tenant removes the role of an install with its own keys (IAM DeleteRole), as in the console. */
  deleteTenantRole(installId: string): Promise<void>;
  /** Stops the server and starts a new one on the same data dir, master key and admin key. */
  restartServer(): Promise<void>;
  /** Starts ANOTHER server on the same database and keys (two instances); `close()` stops it too. */
  startInstance(): Promise<RunningServer>;
  /** Everything the server stored, as text to search for secrets: the SQLite files, or every PostgreSQL row. */
  storedText(): Promise<string>;
  /** The PostgreSQL database URL when `database: 'postgres'`. */
  databaseUrl?: string;
  close(): Promise<void>;
}

/** A clock running on real time plus an offset the test moves (`advance`), for expiry without waiting. */
export function offsetClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    // Real waits, cancellable like the system clock's.
    sleep: (ms, signal) => systemClock.sleep(ms, signal),
    advance: (ms) => {
      offset += ms;
    },
  };
}

export async function setupWorld(options: WorldOptions = {}): Promise<World> {
  const sandbox = await startSandbox({
    port: 0,
    settings: { iamPropagationMs: 300, ...options.sandboxSettings },
  });
  const sandboxAdmin = new SandboxAdminClient(sandbox.url);
  const dataDir = await mkdtemp(join(tmpdir(), 'skybridge-world-'));
  const adminKey = `test-admin-key-${randomBytes(16).toString('hex')}`;
  const masterKey = randomBytes(32).toString('base64');
  const cleanup: (() => Promise<void>)[] = [
    () => sandbox.close(),
    () => rm(dataDir, { recursive: true, force: true }),
  ];

  let databaseUrl: string | undefined;
  const instances: RunningServer[] = [];

  try {
    if (options.database === 'postgres') {
      const name = `skybridge_journey_${randomBytes(8).toString('hex')}`;
      await withPostgresAdmin((client) => client.query(`CREATE DATABASE ${name}`));
      cleanup.push(async () => {
        await withPostgresAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      });
      const url = new URL(POSTGRES_ADMIN_URL);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
    }
    // The same sandbox world `skybridge dev` and `demo` make: one definition, in src/cli/sandboxWorld.ts.
    const accounts = await createSandboxAccounts({
      sandboxUrl: sandbox.url,
      baseUserName: 'skybridge',
      mfa: options.mfa !== false,
    });
    const { accountId: baseAccountId, user: baseUser, mfa } = accounts.base;
    const { accountId: tenantAccountId, user: tenantUser } = accounts.tenant;
    const { templateBucket } = accounts;

    const overrides = options.connector ?? {};
    const standard = sandboxConnectorConfig({
      sandboxUrl: sandbox.url,
      accounts,
      propagationTimeoutSeconds: 5,
    });
    const connectorConfig: Record<string, Json> = {
      ...standard,
      ...overrides,
      iam: { ...standard.iam, ...(overrides.iam as object | undefined) },
      verify: { ...standard.verify, ...(overrides.verify as object | undefined) },
      endpoints: { ...standard.endpoints, ...(overrides.endpoints as object | undefined) },
    };

    const env = {
      SKYBRIDGE_DATA_DIR: dataDir,
      SKYBRIDGE_ADMIN_KEY: adminKey,
      SKYBRIDGE_MASTER_KEY: masterKey,
      LOG_LEVEL: options.logStream ? 'debug' : 'silent',
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      ...options.serverEnv,
    };
    const start = () =>
      startServer({
        env,
        port: 0,
        host: '127.0.0.1',
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.integrationRoutes ? { integrationRoutes: options.integrationRoutes } : {}),
        logger: createLogger({
          level: env.LOG_LEVEL,
          ...(options.logStream ? { destination: options.logStream } : {}),
        }),
      });

    const world: World = {
      sandbox,
      sandboxAdmin,
      server: await start(),
      url: '',
      adminKey,
      masterKey,
      dataDir,
      base: {
        accountId: baseAccountId,
        accessKeyId: baseUser.accessKeyId,
        secretAccessKey: baseUser.secretAccessKey,
        ...(mfa ? { mfaSerial: mfa.serialNumber, otpSecret: mfa.base32Secret } : {}),
      },
      tenant: {
        accountId: tenantAccountId,
        accessKeyId: tenantUser.accessKeyId,
        secretAccessKey: tenantUser.secretAccessKey,
      },
      templateBucket,
      connectorName: 'aws',
      integration: 'demo',
      alias: 'awsConnector',
      redirectUrl: 'https://app.example/skybridge/done',
      connectorConfig,
      ...(databaseUrl ? { databaseUrl } : {}),

      async api(method, path, body, callOptions = {}) {
        const key = callOptions.key === undefined ? adminKey : callOptions.key;
        const headers: Record<string, string> = {};
        if (key !== null) headers.authorization = `Bearer ${key}`;
        if (body !== undefined) headers['content-type'] = 'application/json';
        const response = await fetch(`${world.url}${path}`, {
          method,
          headers,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
        const text = await response.text();
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: keep the text
        }
        return { status: response.status, body: parsed as Json, text, headers: response.headers };
      },

      async createStack(templateUrl, stackOptions = {}) {
        const form = new URLSearchParams({
          accountId: stackOptions.accountId ?? tenantAccountId,
          templateURL: templateUrl,
          stackName: stackOptions.stackName ?? 'skybridge-connector',
          region: stackOptions.region ?? 'us-east-1',
          acknowledgeIam: 'on',
        });
        const response = await fetch(`${sandbox.url}/_sandbox/console/cloudformation/stacks`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: form,
        });
        const text = await response.text();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // an HTML page: keep the text
        }
        return { status: response.status, body: parsed };
      },

      async waitForSession(id, statuses, timeoutMs = 15_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const answer = await world.api('GET', `/v1/sessions/${id}`);
          const status = answer.body?.status;
          const done = statuses
            ? statuses.includes(status)
            : !['awaiting_stack', 'verifying'].includes(status);
          if (done) return answer.body;
          if (Date.now() > deadline) {
            throw new Error(`session ${id} still ${status} after ${timeoutMs} ms: ${answer.text}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },

      async installTenant(tenantId, installOptions = {}) {
        const created = await world.api('POST', `/v1/integrations/${world.integration}/sessions`, {
          tenantId,
          redirectUrl: world.redirectUrl,
        });
        if (created.status !== 201) throw new Error(`session create failed: ${created.text}`);
        const sessionId = created.body.id as string;
        const accountId = installOptions.accountId ?? tenantAccountId;
        const started = await world.api('POST', `/v1/sessions/${sessionId}/start`, { accountId });
        if (started.status !== 200) throw new Error(`session start failed: ${started.text}`);
        if (installOptions.stack !== false) {
          const stack = await world.createStack(started.body.templateUrl, { accountId });
          if (stack.status !== 201) throw new Error(`stack failed: ${JSON.stringify(stack.body)}`);
        }
        const verifying = await world.api('POST', `/v1/sessions/${sessionId}/verify`);
        if (verifying.status !== 200) throw new Error(`verify failed: ${verifying.text}`);
        const ended = await world.waitForSession(sessionId);
        if (ended.status !== 'completed')
          throw new Error(`session ended ${ended.status}: ${JSON.stringify(ended)}`);
        return { sessionId, installId: ended.installId as string };
      },

      tenantS3() {
        return new S3Client({
          region: 'us-east-1',
          endpoint: sandbox.url,
          forcePathStyle: true,
          credentials: { accessKeyId: tenantUser.accessKeyId, secretAccessKey: tenantUser.secretAccessKey },
        });
      },

      async deleteTenantRole(installId) {
        const install = await world.api('GET', `/v1/installs/${installId}`);
        const roleArn: string = install.body.identities[0].roleArn;
        const iam = new IAMClient({
          region: 'us-east-1',
          endpoint: sandbox.url,
          credentials: { accessKeyId: tenantUser.accessKeyId, secretAccessKey: tenantUser.secretAccessKey },
        });
        try {
          await iam.send(new DeleteRoleCommand({ RoleName: roleArn.split('/').pop()! }));
        } finally {
          iam.destroy();
        }
      },

      async restartServer() {
        await world.server.close();
        world.server = await start();
        world.url = world.server.url;
      },

      async startInstance() {
        const instance = await start();
        instances.push(instance);
        return instance;
      },

      async storedText() {
        if (!databaseUrl) {
          return readdirSync(dataDir)
            .filter((name) => name.startsWith('skybridge.db'))
            .map((name) => readFileSync(join(dataDir, name)).toString('latin1'))
            .join('\n');
        }
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        try {
          const tables = await client.query<{ table_name: string }>(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
          );
          const parts: string[] = [];
          for (const { table_name } of tables.rows) {
            const rows = await client.query(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`);
            parts.push(...rows.rows.map((row: { row: string }) => row.row));
          }
          return parts.join('\n');
        } finally {
          await client.end();
        }
      },

      async close() {
        for (const instance of instances) await instance.close().catch(() => {});
        await world.server.close().catch(() => {});
        for (const step of cleanup) await step().catch(() => {});
      },
    };
    world.url = world.server.url;

    if (options.configure !== false) {
      const connector = await world.api('PUT', `/v1/connectors/${world.connectorName}`, connectorConfig);
      if (connector.status !== 200) throw new Error(`connector PUT failed: ${connector.text}`);
      const integration = await world.api('PUT', `/v1/integrations/${world.integration}`, {
        connectors: { [world.alias]: world.connectorName },
        redirectUrls: [world.redirectUrl],
      });
      if (integration.status !== 200) throw new Error(`integration PUT failed: ${integration.text}`);
    }
    return world;
  } catch (error) {
    for (const step of cleanup) await step().catch(() => {});
    throw error;
  }
}
