/** `skybridge sandbox --port <p>`: the loopback AWS emulator alone, until SIGINT or SIGTERM. */
import type { Command } from 'commander';
import { examples, parsePort } from '../commonOptions.js';
import { action } from '../output.js';
import { ensurePortsFree } from '../portCheck.js';

export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description(
      'run the local AWS emulator (STS, IAM, S3, CloudFormation and a console page) for tests and demos',
    )
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, 4566)
    .option('--host <host>', 'address to listen on (loopback only is the point)', '127.0.0.1')
    .option(
      '--json',
      'print one JSON line with the URL and port once listening (errors as JSON; usage errors stay text on stderr)',
    )
    .addHelpText('after', examples('npx skybridge sandbox', 'npx skybridge sandbox --port 0 --json'))
    .showHelpAfterError(true)
    .action(
      action(async (output, flags: { port: number; host: string; json?: boolean }) => {
        await ensurePortsFree([
          { what: 'The AWS sandbox', host: flags.host, port: flags.port, option: '--port' },
        ]);
        // Loaded here so that --help and the client commands start fast.
        const { startSandbox } = await import('../../sandbox/index.js');
        const sandbox = await startSandbox({ port: flags.port, host: flags.host });
        // Listen for Ctrl-C before announcing the URL: a script may signal as soon as it reads it.
        const stopped = new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        output.result(
          { url: sandbox.url, port: sandbox.port },
          [
            `Sandbox listening on ${sandbox.url}`,
            `  AWS endpoints (STS, IAM, S3 path-style, CloudFormation): ${sandbox.url}`,
            `  Admin API: POST ${sandbox.url}/_sandbox/accounts, .../accounts/{id}/users, .../users/{name}/mfa`,
            `             PUT ${sandbox.url}/_sandbox/settings, POST ${sandbox.url}/_sandbox/reset, GET ${sandbox.url}/_sandbox/stats`,
            `  Console:   ${sandbox.url}/_sandbox/console/cloudformation`,
            'Press Ctrl-C to stop.',
          ],
          { compact: true },
        );
        await stopped;
        await sandbox.close();
        process.exit(0);
      }),
    );
}
