/**
 * Loads integrations from a folder: each `integrations/<name>/index.ts` (run through tsx) or
 * `index.js`/`index.mjs` default-exports an Integration. A broken integration is reported with its
 * file and error and does not keep the others from loading.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Logger, silentLogger } from '../core/index.js';
import { type Integration, isIntegration } from './integration.js';

export interface FailedIntegration {
  name: string;
  file: string;
  error: string;
}

export interface LoadedIntegrations {
  loaded: Map<string, Integration>;
  failed: FailedIntegration[];
}

/** Integration names appear in URLs (`/v1/integrations/<name>`): keep them URL-safe. */
export const INTEGRATION_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/i;
const ENTRY_FILES = ['index.ts', 'index.js', 'index.mjs'];

export async function loadIntegrations(
  dir: string,
  logger: Logger = silentLogger,
): Promise<LoadedIntegrations> {
  const root = resolve(dir);
  const result: LoadedIntegrations = { loaded: new Map(), failed: [] };
  let entries: { name: string; isDirectory(): boolean }[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      logger.info({ dir: root }, 'no integrations folder');
      return result;
    }
    throw error;
  }
  const folders = entries
    .filter(
      (e) =>
        e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_') && e.name !== 'node_modules',
    )
    .map((e) => e.name)
    .sort();
  for (const name of folders) {
    const folder = join(root, name);
    const file = await entryFile(folder);
    if (!file) {
      fail(result, logger, name, folder, `no ${ENTRY_FILES.join(' or ')} in ${folder}`);
      continue;
    }
    if (!INTEGRATION_NAME.test(name)) {
      fail(result, logger, name, file, 'the folder name must be 1-64 letters, digits, ".", "_" or "-"');
      continue;
    }
    try {
      const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
      if (!isIntegration(module.default)) {
        fail(
          result,
          logger,
          name,
          file,
          'the file does not default-export an Integration (export default integration;)',
        );
        continue;
      }
      result.loaded.set(name, module.default);
      logger.info(
        { integration: name, file, routes: module.default.router.routes.length },
        'integration loaded',
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      fail(result, logger, name, file, message, error);
    }
  }
  return result;
}

async function entryFile(folder: string): Promise<string | undefined> {
  for (const candidate of ENTRY_FILES) {
    const file = join(folder, candidate);
    try {
      if ((await stat(file)).isFile()) return file;
    } catch {
      // not this one
    }
  }
  return undefined;
}

function fail(
  result: LoadedIntegrations,
  logger: Logger,
  name: string,
  file: string,
  error: string,
  cause?: unknown,
): void {
  result.failed.push({ name, file, error });
  logger.error(
    { integration: name, file, error, ...(cause instanceof Error ? { stack: cause.stack } : {}) },
    'integration failed to load',
  );
}
