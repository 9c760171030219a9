/**
 * The `skybridge` command line. Each command lives in its own file under src/cli/commands and
 * registers itself on the program here.
 */
import { Command } from 'commander';
import { registerSandboxCommand } from './commands/sandbox.js';

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

await program.parseAsync(process.argv);
