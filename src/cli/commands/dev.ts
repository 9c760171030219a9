/**
 * `skybridge dev`: the sandbox and the server together, configured end to end (connector with MFA,
 * a tenant account with buckets, the example integrations), with an install link per integration to
 * open in a browser. Stays up until Ctrl-C.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { SkybridgeError } from '../../core/index.js';
import { ApiClient } from '../apiClient.js';
import { parsePort } from '../commonOptions.js';
import { action } from '../output.js';

interface DevFlags {
  port: number;
  sandboxPort: number;
  appPort: number;
  dataDir?: string;
  integrations?: string;
  tenant: string;
  logLevel: string;
  json?: boolean;
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description(
      'start the sandbox and the server, configured end to end, and print install links (Ctrl-C stops)',
    )
    .option('-p, --port <port>', 'server port (0: any free port)', parsePort, 3000)
    .option('--sandbox-port <port>', 'sandbox port (0: any free port)', parsePort, 4566)
    .option(
      '--app-port <port>',
      "port of the little 'your app' page installs return to (0: any)",
      parsePort,
      0,
    )
    .option('--data-dir <dir>', 'data directory (default: a new temporary one, removed on exit)')
    .option(
      '--integrations <dir>',
      'folder of integrations (default: ./integrations, else the bundled examples)',
    )
    .option('--tenant <id>', 'the tenant to create install links for', 'acme')
    .option('--log-level <level>', 'server log level, on stderr', 'warn')
    .option('--json', 'print one JSON line with the URLs and links once ready')
    .showHelpAfterError(true)
    .action(
      action(async (output, flags: DevFlags) => {
        // Loaded here so that --help and the client commands start fast.
        const { startSandbox } = await import('../../sandbox/index.js');
        const { prepareSandboxWorld } = await import('../sandboxWorld.js');
        const { defaultIntegrationsDir, launchServer, untilSignal } = await import('../serverLauncher.js');
        const cleanup: (() => Promise<unknown>)[] = [];
        const stop = async () => {
          for (const run of cleanup) await run().catch(() => {});
        };
        try {
          output.step('Starting the AWS sandbox…');
          const sandbox = await startSandbox({
            port: flags.sandboxPort,
            settings: { iamPropagationMs: 2_000 },
          });
          cleanup.unshift(() => sandbox.close());

          const app = await startAppPage(flags.appPort);
          cleanup.unshift(() => new Promise((done) => app.server.close(done)));

          const dataDir = flags.dataDir
            ? resolve(flags.dataDir)
            : await mkdtemp(join(tmpdir(), 'skybridge-dev-'));
          if (!flags.dataDir) cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
          output.step('Starting Skybridge…');
          const { server, integrations } = await launchServer({
            env: { ...process.env, SKYBRIDGE_DATA_DIR: dataDir, DATABASE_URL: '' },
            port: flags.port,
            integrationsDir: flags.integrations ?? defaultIntegrationsDir(),
            logLevel: flags.logLevel,
          });
          cleanup.unshift(() => server.close());
          for (const failed of integrations.failed) {
            output.step(`Integration "${failed.name}" failed to load (${failed.file}): ${failed.error}`);
          }
          const adminKey = server.adminKey;
          if (!adminKey) {
            throw new SkybridgeError(
              'no_admin_key',
              `The data directory ${dataDir} already has an admin key: set SKYBRIDGE_ADMIN_KEY, or use a new --data-dir.`,
            );
          }
          const api = new ApiClient({ url: server.url, apiKey: adminKey });
          const names = [...integrations.loaded.keys()];
          const world = await prepareSandboxWorld({
            sandboxUrl: sandbox.url,
            api,
            integrations: names,
            redirectUrl: app.redirectUrl,
            tenantBuckets: ['invoices', 'reports', 'backups'].map(
              (b) => `${flags.tenant.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}-${b}`,
            ),
            step: (message) => output.step(`  ${message}`),
          });

          const links: Record<string, string> = {};
          const sessions: Record<string, string> = {};
          for (const name of names) {
            const session = await api.post<{ id: string; url: string }>(
              `/v1/integrations/${encodeURIComponent(name)}/sessions`,
              { tenantId: flags.tenant, redirectUrl: app.redirectUrl },
            );
            links[name] = session.url;
            sessions[name] = session.id;
          }
          const adminKeyFile = join(dataDir, 'admin.key');
          output.result(
            {
              serverUrl: server.url,
              sandboxUrl: sandbox.url,
              appUrl: app.redirectUrl,
              dataDir,
              adminKeyFile,
              connector: world.connectorName,
              templateBucket: world.templateBucket,
              tenantId: flags.tenant,
              tenantAccountId: world.tenantAccountId,
              integrations: names,
              installLinks: links,
              sessions,
            },
            [
              '',
              'Skybridge dev is ready.',
              `  Server:  ${server.url}  (admin key in ${adminKeyFile})`,
              `  Sandbox: ${sandbox.url}`,
              `  Tenant "${flags.tenant}" is AWS account ${world.tenantAccountId} in the sandbox (pick it on the console page).`,
              '',
              'Open an install link in a browser:',
              ...names.map((name) => `  ${name}: ${links[name]}`),
              '',
              'Then call the integration:',
              `  SKYBRIDGE_DATA_DIR=${dataDir} npx skybridge call s3-buckets /api/tenant/${encodeURIComponent(flags.tenant)}/buckets --url ${server.url}`,
              '',
              'Press Ctrl-C to stop.',
            ],
            { compact: true },
          );
        } catch (error) {
          await stop();
          throw error;
        }
        await untilSignal(stop);
        output.step('Stopped.');
      }),
    );
}

/** A stand-in for the developer's app: the page a finished install returns the browser to. */
async function startAppPage(port: number): Promise<{ server: Server; redirectUrl: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const params = ['session', 'tenantId', 'installId', 'error'].map(
      (k) => [k, url.searchParams.get(k)] as const,
    );
    const rows = params
      .filter(([, v]) => v)
      .map(([k, v]) => `<li>${k}: <code>${escapeHtml(v ?? '')}</code></li>`)
      .join('');
    const title = url.searchParams.get('error') ? 'The install did not complete' : 'Install complete';
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'",
    });
    res.end(
      `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title><h1>${title}</h1><p>This page stands in for your application (skybridge dev).</p><ul>${rows}</ul>`,
    );
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done());
  });
  const actual = (server.address() as AddressInfo).port;
  return { server, redirectUrl: `http://127.0.0.1:${actual}/skybridge/done` };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
