/**
 * The client command lines `start` and `dev` print for the user to paste: `npx skybridge ...` (inside
 * a clone npm resolves the package's own bin), with SKYBRIDGE_DATA_DIR when the admin key file is not
 * the default ./.skybridge/admin.key, and --url when the server is not the default URL.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { DEFAULT_URL } from './apiClient.js';
import { shellQuote } from './commonOptions.js';

export interface ClientHintTarget {
  url: string;
  /** The data directory holding admin.key; absent when the key is not in a file (DATABASE_URL). */
  dataDir?: string;
}

export function clientCommandLine(args: string, target: ClientHintTarget, cwd = process.cwd()): string {
  const parts: string[] = [];
  if (target.dataDir) {
    const dir = resolve(target.dataDir);
    if (dir !== resolve(cwd, '.skybridge')) {
      const fromCwd = relative(cwd, dir);
      const shown = fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : dir;
      parts.push(`SKYBRIDGE_DATA_DIR=${shellQuote(shown)}`);
    }
  }
  parts.push(`npx skybridge ${args}`);
  if (target.url.replace(/\/+$/, '') !== DEFAULT_URL) parts.push(`--url ${shellQuote(target.url)}`);
  return parts.join(' ');
}
