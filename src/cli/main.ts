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

const program = new Command('skybridge')
  .description("Skybridge: work inside your customers' AWS accounts through per-tenant roles.")
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride((error) => {
    // Exit codes scripts can trust: 0 success, 1 failure, 2 bad usage.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') process.exit(0);
    process.exit(2);
  });

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
