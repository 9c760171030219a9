/** The options every client command shares: where the server is, the admin key, and --json. */
import { type Command, InvalidArgumentError } from 'commander';
import type { ClientFlags } from './apiClient.js';

export interface ClientCommandFlags extends ClientFlags {
  json?: boolean;
}

export function withClientOptions(command: Command): Command {
  return command
    .option('--url <url>', 'the server (default: SKYBRIDGE_PUBLIC_URL or http://127.0.0.1:3000)')
    .option(
      '--api-key <key>',
      'the admin key (default: SKYBRIDGE_ADMIN_KEY, else <SKYBRIDGE_DATA_DIR or ./.skybridge>/admin.key)',
    )
    .option('--json', 'print the result as JSON on stdout (usage errors stay text on stderr)')
    .showHelpAfterError(true);
}

/**
 * Options the command cannot run without, checked AFTER the arguments: commander checks required
 * options first, so `session create` with nothing would complain about --tenant before <integration>.
 * A missing one is bad usage (exit 2), with commander's own wording and the usage.
 */
export function requireOptions(command: Command, ...names: string[]): Command {
  return command.hook('preAction', (_hooked, actionCommand) => {
    for (const name of names) {
      const option = actionCommand.options.find((o) => o.attributeName() === name);
      if (option && actionCommand.getOptionValue(name) === undefined) {
        actionCommand.error(`error: required option '${option.flags}' not specified`, {
          exitCode: 2,
          code: 'commander.missingMandatoryOptionValue',
        });
      }
    }
  });
}

/** Parses a port option; anything else is bad usage (exit 2). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('must be a port number 0-65535.');
  return port;
}

/** Quotes a value for a POSIX shell command line the user may paste, only when it needs it. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
