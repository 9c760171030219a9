/** `skybridge start`: serve the API, the install pages and the integrations of ./integrations. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parsePort } from '../commonOptions.js';
import { action } from '../output.js';

interface StartFlags {
  port?: number;
  host?: string;
  dataDir?: string;
  integrations: string;
  json?: boolean;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'serve Skybridge (embedded SQLite in ./.skybridge unless DATABASE_URL) with the integrations of a folder',
    )
    .option(
      '-p, --port <port>',
      'port to listen on (default: SKYBRIDGE_PORT or 3000; 0 picks a free one)',
      parsePort,
    )
    .option('--host <host>', 'address to listen on (default: SKYBRIDGE_HOST or 127.0.0.1)')
    .option('--data-dir <dir>', 'data directory (default: SKYBRIDGE_DATA_DIR or ./.skybridge)')
    .option('--integrations <dir>', 'folder of integrations (<name>/index.ts)', './integrations')
    .option('--json', 'print one JSON line with the URL and what was loaded')
    .showHelpAfterError(true)
    .action(
      action(async (output, flags: StartFlags) => {
        // Loaded here so that --help and the client commands start fast.
        const { launchServer, untilSignal } = await import('../serverLauncher.js');
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          ...(flags.dataDir ? { SKYBRIDGE_DATA_DIR: flags.dataDir } : {}),
        };
        let keyCreated: string | undefined;
        const { server, integrations } = await launchServer({
          env,
          integrationsDir: flags.integrations,
          ...(flags.port !== undefined ? { port: flags.port } : {}),
          ...(flags.host ? { host: flags.host } : {}),
          onAdminKeyCreated: ({ path }) => {
            keyCreated = path;
          },
        });
        const dataDir = resolve(server.config.dataDir);
        const adminKeyFile = server.store.dialect === 'sqlite' ? resolve(dataDir, 'admin.key') : undefined;
        const adminKey = keyCreated
          ? `generated now and written to ${keyCreated} (keep it secret)`
          : env.SKYBRIDGE_ADMIN_KEY
            ? 'from SKYBRIDGE_ADMIN_KEY'
            : adminKeyFile
              ? `in ${adminKeyFile}`
              : 'the one generated at first start';
        output.result(
          {
            url: server.url,
            dataDir,
            database: server.store.dialect,
            adminKey: { file: keyCreated ?? adminKeyFile ?? null, generated: keyCreated !== undefined },
            integrations: { loaded: [...integrations.loaded.keys()], failed: integrations.failed },
          },
          [
            `Skybridge is listening on ${server.url}`,
            `Data: ${server.store.dialect === 'sqlite' ? `${dataDir} (SQLite)` : 'PostgreSQL (DATABASE_URL)'}`,
            `Admin key: ${adminKey}`,
            integrations.loaded.size > 0
              ? `Integrations: ${[...integrations.loaded.keys()].join(', ')} (routes under ${server.url}/v1/integrations/<name>/api)`
              : `Integrations: none loaded from ${resolve(flags.integrations)}`,
            ...integrations.failed.map(
              (f) => `Integration "${f.name}" failed to load (${f.file}): ${f.error}`,
            ),
            'Press Ctrl-C to stop.',
          ],
          { compact: true },
        );
        await untilSignal(() => server.close());
        output.step('Skybridge stopped.');
      }),
    );
}
