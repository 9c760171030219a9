/** Files the user names on the command line (--file, -d @file): a problem is said plainly, with the path. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { SkybridgeError } from '../core/index.js';

/** Reads `file` as UTF-8; a missing file is `file_not_found` naming its absolute path, not a raw ENOENT. */
export async function readUserFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const path = resolve(file);
    if (code === 'ENOENT') {
      throw new SkybridgeError('file_not_found', `${what} ${path} does not exist.`, { status: 400 });
    }
    throw new SkybridgeError(
      'file_unreadable',
      `${what} ${path} cannot be read (${code ?? (error as Error).message}).`,
      { status: 400 },
    );
  }
}
