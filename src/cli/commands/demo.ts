/**
 * `skybridge demo`: the whole journey, headless, on the sandbox, then exits. Its last line is the
 * s3-buckets route's answer, e.g. `3 buckets discovered from the AWS account.`
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SkybridgeError } from '../../core/index.js';
import { ApiClient } from '../apiClient.js';
import { examples, logLevelOption, parsePort } from '../commonOptions.js';
import { action } from '../output.js';

interface DemoFlags {
  port: number;
  sandboxPort: number;
  integrations?: string;
  tenant: string;
  keep?: boolean;
  logLevel: string;
  json?: boolean;
}

const DEMO_REDIRECT_URL = 'https://app.example/skybridge/done';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'run the whole install journey headless on the sandbox (connector with MFA, tenant, stack, route), then exit',
    )
    .option('-p, --port <port>', 'server port (0: any free port)', parsePort, 0)
    .option('--sandbox-port <port>', 'sandbox port (0: any free port)', parsePort, 0)
    .option(
      '--integrations <dir>',
      'folder of integrations (default: ./integrations, else the bundled examples)',
    )
    .option('--tenant <id>', 'the tenant id to install for', 'acme')
    .option('--keep', 'keep the temporary data directory')
    .addOption(logLevelOption('silent'))
    .option(
      '--json',
      'print one JSON document at the end instead of progress lines (errors as JSON; usage errors stay text on stderr)',
    )
    .addHelpText('after', examples('npx skybridge demo', 'npx skybridge demo --tenant globex --json'))
    .showHelpAfterError(true)
    .action(
      action(async (output, flags: DemoFlags) => {
        // Loaded here so that --help and the client commands start fast.
        const { startSandbox } = await import('../../sandbox/index.js');
        const { installLikeABrowser } = await import('../browserInstall.js');
        const { prepareSandboxWorld } = await import('../sandboxWorld.js');
        const { defaultIntegrationsDir, launchServer } = await import('../serverLauncher.js');
        const steps: string[] = [];
        const step = (message: string) => {
          steps.push(message);
          output.step(message);
        };
        const cleanup: (() => Promise<unknown>)[] = [];
        try {
          step('Starting the AWS sandbox');
          const sandbox = await startSandbox({
            port: flags.sandboxPort,
            settings: { iamPropagationMs: 1_000 },
          });
          cleanup.unshift(() => sandbox.close());
          step(`Sandbox listening on ${sandbox.url}`);

          const dataDir = await mkdtemp(join(tmpdir(), 'skybridge-demo-'));
          if (!flags.keep) cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
          const integrationsDir = flags.integrations ?? defaultIntegrationsDir();
          const { server, integrations } = await launchServer({
            env: { ...process.env, SKYBRIDGE_DATA_DIR: dataDir, SKYBRIDGE_PUBLIC_URL: '', DATABASE_URL: '' },
            port: flags.port,
            host: '127.0.0.1',
            integrationsDir,
            logLevel: flags.logLevel,
          });
          cleanup.unshift(() => server.close());
          step(`Skybridge listening on ${server.url} (data in ${dataDir})`);
          for (const failed of integrations.failed)
            step(`Integration "${failed.name}" failed to load: ${failed.error}`);
          if (!integrations.loaded.has('s3-buckets')) {
            throw new SkybridgeError(
              'integration_not_found',
              `The demo needs the s3-buckets integration; ${integrationsDir} has ${[...integrations.loaded.keys()].join(', ') || 'none'}.`,
              { status: 404 },
            );
          }
          if (!server.adminKey) throw new SkybridgeError('no_admin_key', 'The demo server has no admin key.');
          const api = new ApiClient({ url: server.url, apiKey: server.adminKey });

          const buckets = ['invoices', 'reports', 'backups'].map(
            (name) => `${bucketPrefix(flags.tenant)}-${name}`,
          );
          const world = await prepareSandboxWorld({
            sandboxUrl: sandbox.url,
            api,
            integrations: [...integrations.loaded.keys()],
            redirectUrl: DEMO_REDIRECT_URL,
            tenantBuckets: buckets,
            step,
          });

          const session = await api.post<{ id: string; url: string }>(
            '/v1/integrations/s3-buckets/sessions',
            {
              tenantId: flags.tenant,
              redirectUrl: DEMO_REDIRECT_URL,
            },
          );
          step(`Install session ${session.id} for tenant "${flags.tenant}": ${session.url}`);

          const installed = await installLikeABrowser({
            sessionUrl: session.url,
            accountId: world.tenantAccountId,
            step,
          });
          if (installed.status !== 'completed' || !installed.installId) {
            throw new SkybridgeError(
              installed.error?.code ?? 'install_failed',
              `The install ended ${installed.status}: ${installed.error?.message ?? 'no install was recorded'}`,
            );
          }
          step(
            `Install ${installed.installId} completed: the role in account ${world.tenantAccountId} is verified`,
          );

          const route = `/v1/integrations/s3-buckets/api/tenant/${encodeURIComponent(flags.tenant)}/buckets`;
          step(`Calling GET ${route} with the admin key`);
          const answer = await api.get<{ message: string }>(route);
          const result = {
            steps,
            sandboxUrl: sandbox.url,
            serverUrl: server.url,
            tenantId: flags.tenant,
            tenantAccountId: world.tenantAccountId,
            installId: installed.installId,
            route,
            response: answer,
            message: answer.message,
            // Only when kept: otherwise the folder is gone when the command returns.
            ...(flags.keep ? { dataDir } : {}),
          };
          // Before the answer: the route's answer stays the last line.
          if (flags.keep)
            step(`Data kept in ${dataDir} (--keep): the SQLite database, admin.key and master.key`);
          output.result(result, answer.message);
        } finally {
          for (const run of cleanup) await run().catch(() => {});
        }
      }),
    );
}

/** Bucket names are lower-case letters, digits and dashes: derive a prefix from any tenant id. */
function bucketPrefix(tenantId: string): string {
  const cleaned = tenantId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return cleaned.length >= 3 ? cleaned : `tenant-${cleaned || 'x'}`;
}
