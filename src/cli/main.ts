/**
 * The `skybridge` command line. Each command lives in its own file under src/cli/commands and
 * registers itself on the program here.
 */
import { Command } from 'commander';
import { registerCallCommand } from './commands/call.js';
import { registerConnectorCommand } from './commands/connector.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDevCommand } from './commands/dev.js';
import { registerInstallCommand } from './commands/install.js';
import { registerIntegrationCommand } from './commands/integration.js';
import { registerSandboxCommand } from './commands/sandbox.js';
import { registerSessionCommand } from './commands/session.js';
import { registerStartCommand } from './commands/start.js';

/** Set once anything went to stderr through commander: an error message printed before a usage. */
let stderrWritten = false;

const program = new Command('skybridge')
  // Before the commands are made: they copy the output configuration from here.
  .configureOutput({
    writeErr: (text) => {
      stderrWritten = true;
      process.stderr.write(text);
    },
  })
  .description("Skybridge: work inside your customers' AWS accounts through per-tenant roles.")
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride((error) => {
    // Exit codes scripts can trust: 0 success, 1 failure, 2 bad usage. Commander says 0 for help it
    // was asked for (--help, `help <command>`, --version) and 1 for every usage error.
    process.exit(error.exitCode === 0 ? 0 : 2);
  })
  // Help shown as the error itself (a command group without its subcommand, `help <unknown>`) says
  // what was wrong first, as every other usage error does; after an error message it adds nothing.
  .addHelpText('beforeAll', ({ error, command }) => {
    if (!error || stderrWritten) return '';
    const [first, second] = command.args;
    const names = command.commands.map((c) => c.name()).filter((name) => name !== 'help');
    return first === 'help' && second !== undefined
      ? `error: unknown command '${second}'\n`
      : `error: missing command: one of ${names.join(', ')}\n`;
  })
  .addHelpText(
    'after',
    [
      '',
      'Every command has --help. Client commands (connector, integration, session, install, call) take',
      '--url, --api-key and --json: with --json, stdout is one JSON document (the result, or',
      '{"error": {"code", "message"}}) and nothing else.',
      '',
      'Exit codes: 0 success; 1 failure (refused by the server, not found, unreachable, timeout);',
      '2 bad usage (unknown command or option, missing or invalid argument; text on stderr).',
      '',
      'Environment:',
      '  SKYBRIDGE_PORT        port for start (default 3000)',
      '  SKYBRIDGE_PUBLIC_URL  the server URL: what start advertises, where client commands go',
      '  SKYBRIDGE_DATA_DIR    data directory (default ./.skybridge); client commands read its admin.key',
      '  SKYBRIDGE_ADMIN_KEY   the admin key (server and client commands)',
      '  SKYBRIDGE_MASTER_KEY  the key encrypting stored secrets (default <data dir>/master.key)',
      '  DATABASE_URL          PostgreSQL instead of the embedded SQLite',
      '',
      'Examples:',
      '  $ npx skybridge demo',
      '  $ npx skybridge dev',
      '  $ npx skybridge start',
      '  $ npx skybridge connector set main --file connector.json',
      '  $ npx skybridge call s3-buckets /api/tenant/acme/buckets --json',
    ].join('\n'),
  );

program.version('0.1.0');
registerSandboxCommand(program);
registerStartCommand(program);
registerDevCommand(program);
registerDemoCommand(program);
registerConnectorCommand(program);
registerIntegrationCommand(program);
registerSessionCommand(program);
registerInstallCommand(program);
registerCallCommand(program);

await program.parseAsync(process.argv);
