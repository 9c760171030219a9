/** `skybridge sandbox --port <p>`: the loopback AWS emulator alone, until SIGINT or SIGTERM. */
import { type Command, InvalidArgumentError } from 'commander';
import { startSandbox } from '../../sandbox/index.js';

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new InvalidArgumentError('the port must be an integer from 0 to 65535.');
  return port;
}

export function registerSandboxCommand(program: Command): void {
  program
    .command('sandbox')
    .description(
      'run the local AWS emulator (STS, IAM, S3, CloudFormation and a console page) for tests and demos',
    )
    .option('--port <port>', 'port to listen on (0 picks a free one)', parsePort, 4566)
    .option('--host <host>', 'address to listen on (loopback only is the point)', '127.0.0.1')
    .option('--json', 'print machine-readable JSON')
    .showHelpAfterError(true)
    .action(async (flags: { port: number; host: string; json?: boolean }) => {
      let sandbox: Awaited<ReturnType<typeof startSandbox>>;
      try {
        sandbox = await startSandbox({ port: flags.port, host: flags.host });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`Could not start the sandbox on ${flags.host}:${flags.port}: ${message}\n`);
        process.exit(1);
      }
      // Listen for Ctrl-C before announcing the URL: a script may signal as soon as it reads it.
      const stopped = new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ url: sandbox.url, port: sandbox.port })}\n`);
      } else {
        process.stdout.write(
          [
            `Sandbox listening on ${sandbox.url}`,
            `  AWS endpoints (STS, IAM, S3 path-style, CloudFormation): ${sandbox.url}`,
            `  Admin API: POST ${sandbox.url}/_sandbox/accounts, .../accounts/{id}/users, .../users/{name}/mfa`,
            `             PUT ${sandbox.url}/_sandbox/settings, POST ${sandbox.url}/_sandbox/reset, GET ${sandbox.url}/_sandbox/stats`,
            `  Console:   ${sandbox.url}/_sandbox/console/cloudformation`,
            'Press Ctrl+C to stop.',
            '',
          ].join('\n'),
        );
      }
      await stopped;
      await sandbox.close();
      process.exit(0);
    });
}
