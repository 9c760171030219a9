/** The options every client command shares: where the server is, the admin key, and --json. */
import { type Command, InvalidArgumentError } from 'commander';
import type { ClientFlags } from './apiClient.js';

export interface ClientCommandFlags extends ClientFlags {
  json?: boolean;
}

export function withClientOptions(command: Command): Command {
  return command
    .option('--url <url>', 'the server (default: SKYBRIDGE_PUBLIC_URL or http://127.0.0.1:3000)')
    .option('--api-key <key>', 'the admin key (default: SKYBRIDGE_ADMIN_KEY or ./.skybridge/admin.key)')
    .option('--json', 'print machine-readable JSON')
    .showHelpAfterError(true);
}

/** Parses a port option; anything else is bad usage (exit 2). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('must be a port number 0-65535.');
  return port;
}
