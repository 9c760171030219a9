/**
 * `skybridge dev`: the sandbox and the server together, configured end to end (connector with MFA,
 * a tenant account with buckets, the example integrations), with an install link per integration to
 * open in a browser. Data (and the admin key) live in ./.skybridge-dev, reset at each start, so the
 * printed `npx skybridge call` works from the same directory. Stays up until Ctrl-C.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { SkybridgeError } from '../../core/index.js';
import { loadServerConfig } from '../../server/config.js';
import { ApiClient } from '../apiClient.js';
import { clientCommandLine } from '../clientHint.js';
import { examples, logLevelOption, parsePort, shellQuote } from '../commonOptions.js';
import { action } from '../output.js';
import { ensurePortsFree } from '../portCheck.js';

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

/** The default data directory, relative to where `dev` runs. */
export const DEV_DATA_DIR = '.skybridge-dev';
/** Written into the default directory: keeps it out of git, and marks it as ours to reset. */
const MARKER_FILE = '.gitignore';
const MARKER = '# Made by `skybridge dev`, which empties this directory at each start.\n*\n';

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
    .option(
      '--data-dir <dir>',
      `data directory, kept as is (default: ./${DEV_DATA_DIR}, emptied at each start)`,
    )
    .option(
      '--integrations <dir>',
      'folder of integrations (default: ./integrations, else the bundled examples)',
    )
    .option('--tenant <id>', 'the tenant to create install links for', 'acme')
    .addOption(logLevelOption('warn'))
    .option(
      '--json',
      'print one JSON line with the URLs, links and commands once ready (errors as JSON; usage errors stay text on stderr)',
    )
    .addHelpText(
      'after',
      examples(
        'npx skybridge dev',
        '# any free ports, data kept in a directory of your choice, one JSON line when ready:',
        'npx skybridge dev --port 0 --sandbox-port 0 --data-dir /tmp/skybridge-dev --json',
      ),
    )
    .showHelpAfterError(true)
    .action(
      action(async (output, flags: DevFlags) => {
        // Before the data directory is emptied: a second `dev` must not wipe the running one's data.
        await ensurePortsFree([
          { what: 'The AWS sandbox', host: '127.0.0.1', port: flags.sandboxPort, option: '--sandbox-port' },
          // The server listens where SKYBRIDGE_HOST says (a bad variable is reported here, first).
          { what: 'Skybridge', host: loadServerConfig(process.env).host, port: flags.port, option: '--port' },
          { what: 'The stand-in app page', host: '127.0.0.1', port: flags.appPort, option: '--app-port' },
        ]);
        const dataDir = await prepareDataDir(flags.dataDir);
        // Loaded here so that --help and the client commands start fast.
        const { startSandbox } = await import('../../sandbox/index.js');
        const { prepareSandboxWorld } = await import('../sandboxWorld.js');
        const { defaultIntegrationsDir, launchServer, untilSignal } = await import('../serverLauncher.js');
        const cleanup: (() => Promise<unknown>)[] = [];
        const stop = async () => {
          for (const run of cleanup) await run().catch(() => {});
        };
        let stopped: Promise<unknown> | undefined;
        try {
          output.step('Starting the AWS sandbox…');
          const sandbox = await startSandbox({
            port: flags.sandboxPort,
            settings: { iamPropagationMs: 2_000 },
          });
          cleanup.unshift(() => sandbox.close());

          // The "your app" page is needed first (its URL is registered); it learns the commands later.
          const next: { forSession: (sessionId: string | null) => NextStep | undefined } = {
            forSession: () => undefined,
          };
          const app = await startAppPage(flags.appPort, (sessionId) => next.forSession(sessionId));
          cleanup.unshift(() => new Promise((done) => app.server.close(done)));

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
          const adminKeyFile = join(dataDir, 'admin.key');
          const adminKey = server.adminKey ?? (await readFile(adminKeyFile, 'utf8').catch(() => '')).trim();
          if (!adminKey) {
            throw new SkybridgeError(
              'no_admin_key',
              `The data directory ${dataDir} has an admin key but not in ${adminKeyFile}: set SKYBRIDGE_ADMIN_KEY, or use a new --data-dir.`,
            );
          }
          const api = new ApiClient({ url: server.url, apiKey: adminKey });
          const names = [...integrations.loaded.keys()];
          const tenantBuckets = ['invoices', 'reports', 'backups'].map(
            (b) => `${flags.tenant.toLowerCase().replace(/[^a-z0-9-]+/g, '-')}-${b}`,
          );
          const world = await prepareSandboxWorld({
            sandboxUrl: sandbox.url,
            api,
            integrations: names,
            redirectUrl: app.redirectUrl,
            tenantBuckets,
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

          // The key is read from <data dir>/admin.key unless the user's shell has SKYBRIDGE_ADMIN_KEY.
          const target = { url: server.url, dataDir };
          const tenantPath = encodeURIComponent(flags.tenant);
          const callCommands = Object.fromEntries(
            names.map((name) => [
              name,
              clientCommandLine(
                name === 's3-buckets'
                  ? `call s3-buckets /api/tenant/${tenantPath}/buckets`
                  : name === 's3-objects'
                    ? `call s3-objects /api/tenant/${tenantPath}/buckets/${tenantBuckets[0]}/objects`
                    : `install list ${shellQuote(name)} --tenant ${shellQuote(flags.tenant)}`,
                target,
              ),
            ]),
          );
          next.forSession = (sessionId) => {
            const name = names.find((n) => sessions[n] === sessionId);
            if (!name) return undefined;
            return {
              call: callCommands[name]!,
              again: clientCommandLine(
                `session create ${shellQuote(name)} --tenant ${shellQuote(flags.tenant)} --redirect-url ${app.redirectUrl}`,
                target,
              ),
            };
          };

          const width = Math.max(...names.map((name) => name.length));
          // Listen for Ctrl-C before saying so (a script may signal as soon as it reads the line).
          stopped = untilSignal(stop);
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
              tenantBuckets,
              integrations: names,
              installLinks: links,
              sessions,
              callCommands,
            },
            [
              '',
              'Skybridge dev is ready.',
              `  Server:  ${server.url}  (data and admin key in ${dataDir})`,
              `  Sandbox: ${sandbox.url}`,
              '',
              ...(names.length === 0
                ? [
                    `No integration loaded${integrations.failed.length > 0 ? ': fix the errors above and start dev again' : ` from ${flags.integrations ?? 'the integrations folder'}`}. There is nothing to install.`,
                  ]
                : [
                    `Install as tenant "${flags.tenant}": open a link below in a browser.`,
                    `  1. On the install page (page 1), type the AWS account id ${world.tenantAccountId} (the tenant's sandbox account) and continue.`,
                    '  2. Follow the launch button to the sandbox console, choose that account (marked "tenant"), tick the acknowledgement, create the stack.',
                    '  3. Back on the install page, wait: it verifies the role and sends you to the app page.',
                    ...(names.length > 1
                      ? [
                          `  The integrations share connector "${world.connectorName}": the stack is created once. For the next link, skip the console and press "Check now".`,
                        ]
                      : []),
                    ...names.map(
                      (name) =>
                        `  ${name.padEnd(width)}  ${links[name]}  (account id to type: ${world.tenantAccountId})`,
                    ),
                    '',
                    'Then, in another terminal in this directory, call the integration:',
                    ...names.map((name) => `  ${callCommands[name]}`),
                  ]),
              '',
              'Press Ctrl-C to stop.',
            ],
            { compact: true },
          );
        } catch (error) {
          await stop();
          throw error;
        }
        await stopped;
        output.step('Stopped.');
      }),
    );
}

/**
 * --data-dir is used as given. The default ./.skybridge-dev is emptied first: each run makes new
 * sandbox accounts, so installs kept from an earlier run would point at accounts that no longer exist.
 * A directory by that name that `dev` did not make is left alone.
 */
async function prepareDataDir(given: string | undefined): Promise<string> {
  if (given) return resolve(given);
  const dir = resolve(DEV_DATA_DIR);
  const entries = await readdir(dir).catch(() => [] as string[]);
  if (entries.length > 0) {
    const marker = await readFile(join(dir, MARKER_FILE), 'utf8').catch(() => '');
    if (marker !== MARKER) {
      throw new SkybridgeError(
        'data_dir_not_ours',
        `${dir} exists and was not made by skybridge dev, so it is not emptied: move it away, or pass --data-dir.`,
        { status: 409 },
      );
    }
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, MARKER_FILE), MARKER);
  return dir;
}

interface NextStep {
  /** The `npx skybridge call ...` line for the integration the session was for. */
  call: string;
  /** A command for a new install link, when this one failed. */
  again: string;
}

/** A stand-in for the developer's app: the page a finished install returns the browser to. */
async function startAppPage(
  port: number,
  nextFor: (sessionId: string | null) => NextStep | undefined,
): Promise<{ server: Server; redirectUrl: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const params = ['session', 'tenantId', 'installId', 'error'].map(
      (k) => [k, url.searchParams.get(k)] as const,
    );
    const rows = params
      .filter(([, v]) => v)
      .map(([k, v]) => `<li>${k}: <code>${escapeHtml(v ?? '')}</code></li>`)
      .join('');
    const failed = Boolean(url.searchParams.get('error'));
    const title = failed ? 'The install did not complete' : 'Install complete';
    const next = nextFor(url.searchParams.get('session'));
    const nextHtml = !next
      ? ''
      : failed
        ? `<p>For a new install link, run in a terminal (in the directory where <code>skybridge dev</code> runs):</p><pre><code>${escapeHtml(next.again)}</code></pre>`
        : `<p>Next, call the integration for this tenant from a terminal (in the directory where <code>skybridge dev</code> runs):</p><pre><code>${escapeHtml(next.call)}</code></pre>`;
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'",
    });
    res.end(
      `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title><h1>${title}</h1><p>This page stands in for your application (skybridge dev).</p><ul>${rows}</ul>${nextHtml}`,
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
