/** `skybridge start`: serve the API, the install pages and the integrations of ./integrations. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadServerConfig } from '../../server/config.js';
import { loadMasterKey } from '../../store/masterKey.js';
import { clientCommandLine } from '../clientHint.js';
import { examples, parsePort } from '../commonOptions.js';
import { action } from '../output.js';
import { ensurePortsFree } from '../portCheck.js';

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
    .option(
      '--json',
      'print one JSON line with the URL, the keys and what was loaded (errors as JSON; usage errors stay text on stderr)',
    )
    .addHelpText(
      'after',
      examples(
        'npx skybridge start',
        'SKYBRIDGE_PORT=8080 SKYBRIDGE_PUBLIC_URL=https://skybridge.example.com npx skybridge start',
        'DATABASE_URL=postgres://skybridge@db/skybridge SKYBRIDGE_ADMIN_KEY=... SKYBRIDGE_MASTER_KEY=... npx skybridge start',
      ),
    )
    .showHelpAfterError(true)
    .action(
      action(async (output, flags: StartFlags) => {
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          ...(flags.dataDir ? { SKYBRIDGE_DATA_DIR: flags.dataDir } : {}),
        };
        // Checked before anything loads, so a bad variable is the first and only thing reported.
        const config = loadServerConfig(env);
        const embedded = !config.databaseUrl;
        const masterKeyFile = join(config.dataDir, 'master.key');
        const masterKeyFromFile = embedded && !config.masterKey;
        const masterKeyExisted = existsSync(masterKeyFile);
        // Also before anything loads or is written: a bad master key, and a port another process
        // holds (else the first start would generate an admin key it never gets to show).
        // (Not when the embedded key file is to be used: loading it would create it now.)
        if (config.masterKey?.trim() || !embedded) {
          loadMasterKey({ masterKey: config.masterKey, dataDir: config.dataDir, embedded });
        }
        await ensurePortsFree([
          {
            what: 'Skybridge',
            host: flags.host ?? config.host,
            port: flags.port ?? config.port,
            option: flags.port !== undefined ? '--port' : '--port or SKYBRIDGE_PORT',
          },
        ]);

        // Loaded here so that --help and the client commands start fast.
        const { launchServer, untilSignal } = await import('../serverLauncher.js');
        let created: { path: string; key: string } | undefined;
        const { server, integrations } = await launchServer({
          env,
          integrationsDir: flags.integrations,
          ...(flags.port !== undefined ? { port: flags.port } : {}),
          ...(flags.host ? { host: flags.host } : {}),
          onAdminKeyCreated: (info) => {
            created = info;
          },
        });
        const dataDir = resolve(server.config.dataDir);
        const adminKeyFile = embedded ? join(dataDir, 'admin.key') : undefined;
        const masterKeyGenerated = masterKeyFromFile && !masterKeyExisted && existsSync(masterKeyFile);

        const adminKeyLines = created
          ? [
              `Admin key, generated now (shown only this once; saved in ${created.path}, mode 0600):`,
              `  ${created.key}`,
            ]
          : config.adminKey
            ? ['Admin key: from SKYBRIDGE_ADMIN_KEY']
            : adminKeyFile && existsSync(adminKeyFile)
              ? [`Admin key: in ${adminKeyFile} (client commands read it from there)`]
              : adminKeyFile
                ? [
                    `Admin key: ${adminKeyFile} is gone; use the key printed at the first start, or set SKYBRIDGE_ADMIN_KEY (clients too).`,
                  ]
                : [
                    'Admin key: the SKYBRIDGE_ADMIN_KEY set at the first start (stored hashed in the database)',
                  ];
        const masterKeyLine = !masterKeyFromFile
          ? 'Master key: from SKYBRIDGE_MASTER_KEY'
          : masterKeyGenerated
            ? `Master key, generated now: ${masterKeyFile} (mode 0600). BACK IT UP with the database: without it the stored secrets cannot be read.`
            : `Master key: ${masterKeyFile} (keep a backup of it)`;
        const hintTarget = { url: server.url, ...(adminKeyFile && !config.adminKey ? { dataDir } : {}) };

        // Listen for Ctrl-C before saying it works: a script that reads the line and signals at once
        // must find the handler in place, or the process dies without closing the store.
        const stopped = untilSignal(() => server.close());
        output.result(
          {
            url: server.url,
            dataDir,
            database: server.store.dialect,
            adminKey: {
              file: adminKeyFile ?? null,
              generated: created !== undefined,
              fromEnv: config.adminKey !== undefined,
              // Shown once, like in the human output: a first start by a script keeps it too.
              ...(created ? { key: created.key } : {}),
            },
            masterKey: {
              file: masterKeyFromFile ? masterKeyFile : null,
              generated: masterKeyGenerated,
            },
            integrations: { loaded: [...integrations.loaded.keys()], failed: integrations.failed },
          },
          [
            `Skybridge is listening on ${server.url}`,
            `Data: ${embedded ? `${dataDir} (SQLite)` : 'PostgreSQL (DATABASE_URL)'}`,
            ...adminKeyLines,
            masterKeyLine,
            integrations.loaded.size > 0
              ? `Integrations: ${[...integrations.loaded.keys()].join(', ')} (routes under ${server.url}/v1/integrations/<name>/api)`
              : `Integrations: none loaded from ${resolve(flags.integrations)}`,
            ...integrations.failed.map(
              (f) => `Integration "${f.name}" failed to load (${f.file}): ${f.error}`,
            ),
            'Next, from another terminal in this directory:',
            `  ${clientCommandLine('connector set <connector> --file connector.json', hintTarget)}`,
            `  ${clientCommandLine('integration set <integration> --connector awsConnector=<connector> --redirect-url <url>', hintTarget)}`,
            'Press Ctrl-C to stop.',
          ],
          { compact: true },
        );
        await stopped;
        output.step('Skybridge stopped.');
      }),
    );
}
