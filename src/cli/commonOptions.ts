/** The options every client command shares: where the server is, the admin key, and --json. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ClientFlags } from './apiClient.js';

export interface ClientCommandFlags extends ClientFlags {
  json?: boolean;
}

/** How long a client command waits for the server's answer unless --timeout says otherwise. */
export const DEFAULT_TIMEOUT_SECONDS = 60;

export function withClientOptions(command: Command): Command {
  return command
    .option('--url <url>', 'the server (default: SKYBRIDGE_PUBLIC_URL or http://127.0.0.1:3000)', parseUrl)
    .option(
      '--api-key <key>',
      'the admin key (default: SKYBRIDGE_ADMIN_KEY, else <SKYBRIDGE_DATA_DIR or ./.skybridge>/admin.key)',
      nonEmpty,
    )
    .option(
      '--timeout <seconds>',
      `give up when the server has not answered after this long (default: ${DEFAULT_TIMEOUT_SECONDS})`,
      parseTimeout,
    )
    .option('--json', 'print the result as JSON on stdout (usage errors stay text on stderr)')
    .showHelpAfterError(true);
}

/**
 * An "Examples:" section for the end of a command's --help (`.addHelpText('after', examples(...))`).
 * Each line is a command as typed, or a `# comment` line.
 */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => (line.startsWith('#') ? `  ${line}` : `  $ ${line}`)).join('\n')}`;
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

/** The server's log levels (LOG_LEVEL); another value is bad usage (exit 2), not a failure at start. */
export function logLevelOption(defaultLevel: string): Option {
  return new Option('--log-level <level>', 'server log level, on stderr')
    .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default(defaultLevel);
}

/** Parses a port option; anything else is bad usage (exit 2). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('must be a port number 0-65535.');
  return port;
}

/**
 * Names and ids go into URL paths: an empty one would ask the server for something else entirely
 * (`connector get ""` is GET /v1/connectors/), so it is bad usage (exit 2), not a 404.
 */
export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty.');
  return value;
}

/**
 * --url and --redirect-url: an absolute http(s) URL, so a typo is bad usage (exit 2) rather than
 * "server unreachable" or a refusal from the server.
 */
export function parseUrl(value: string): string {
  if (!isHttpUrl(value)) {
    throw new InvalidArgumentError('must be an absolute http(s) URL, e.g. http://127.0.0.1:3000.');
  }
  return value;
}

/** Whether `value` is an absolute http: or https: URL (options, and SKYBRIDGE_PUBLIC_URL for clients). */
export function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** --timeout in seconds (fractions allowed), more than 0 and at most a day. */
export function parseTimeout(value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds <= 0 || seconds > 86_400) {
    throw new InvalidArgumentError('must be a number of seconds, more than 0 and at most 86400.');
  }
  return seconds;
}

/** An HTTP method token (RFC 9110), upper-cased: `-X 'GE T'` is bad usage, not a network error. */
export function parseMethod(value: string): string {
  if (!/^[A-Za-z]+$/.test(value)) throw new InvalidArgumentError('must be an HTTP method, e.g. GET or POST.');
  return value.toUpperCase();
}

/** Quotes a value for a POSIX shell command line the user may paste, only when it needs it. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
