/**
 * Loads integrations from a folder: each `integrations/<name>/index.ts` (run through tsx) or
 * `index.js`/`index.mjs` default-exports an Integration. A broken integration is reported with its
 * file and error and does not keep the others from loading.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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
      fail(result, logger, name, file, await explainLoadFailure(file, error), error);
    }
  }
  return result;
}

/** Where integrations must live, said once for every hint below. */
const WHERE_INTEGRATIONS_LIVE =
  'Integrations are ES modules that live in a folder of an ESM project with skybridge and the AWS SDK installed: ' +
  'the Skybridge checkout\'s integrations/ folder, or a package whose package.json has "type": "module" ' +
  'and skybridge and @aws-sdk/* in its node_modules (see docs/integrations.md).';

/**
 * The load error as a person can act on it: Node's message (without its require stack) and, for the
 * failures an integration folder outside an ESM project with skybridge installed causes (loaded as
 * CommonJS, `skybridge` or an AWS SDK package not found), what to do.
 */
export async function explainLoadFailure(file: string, error: unknown): Promise<string> {
  const raw = error instanceof Error ? error.message : String(error);
  const message = raw.split('\nRequire stack:')[0]!.trim();
  const code = (error as { code?: unknown } | undefined)?.code;

  const commonJs =
    code === 'ERR_REQUIRE_CYCLE_MODULE' ||
    code === 'ERR_REQUIRE_ESM' ||
    /Cannot require\(\) ES Module|Cannot use import statement outside a module/.test(raw);
  if (commonJs && !/\.mjs$/.test(file)) {
    const manifest = await nearestPackageJson(dirname(file));
    const why = !manifest
      ? 'no package.json above it says "type": "module"'
      : manifest.type === 'module'
        ? `a package it imports is not an ES module project (nearest package.json: ${manifest.path})`
        : `the nearest package.json (${manifest.path}) has no "type": "module"`;
    return `${message}\nWhat to do: ${file} is loaded as CommonJS because ${why}. ${WHERE_INTEGRATIONS_LIVE}`;
  }

  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(raw)?.[1];
  if (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    missing &&
    isBareSpecifier(missing)
  ) {
    const name = packageNameOf(missing);
    if (name === 'skybridge') {
      return (
        `${message}\nWhat to do: 'skybridge' resolves through the package's own "exports" inside the Skybridge checkout, ` +
        `or through node_modules/skybridge elsewhere; neither is there for ${dirname(file)}. ` +
        `Move the folder into the checkout's integrations/, or install Skybridge in the integration's project ` +
        `(npm install <path to the Skybridge checkout>). ${WHERE_INTEGRATIONS_LIVE}`
      );
    }
    return (
      `${message}\nWhat to do: packages resolve from the integration's folder upward, not from Skybridge's: ` +
      `install it in the integration's project (npm install ${name}), or keep the integration in the Skybridge ` +
      `checkout's integrations/, where the AWS SDK is installed (see docs/integrations.md).`
    );
  }
  return message;
}

/** The closest package.json at or above `dir`, with its "type". */
async function nearestPackageJson(dir: string): Promise<{ path: string; type?: string } | undefined> {
  for (let current = dir; ; current = dirname(current)) {
    const path = join(current, 'package.json');
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as { type?: unknown };
      return typeof parsed.type === 'string' ? { path, type: parsed.type } : { path };
    } catch {
      // none here (or unreadable): look further up
    }
    if (dirname(current) === current) return undefined;
  }
}

function isBareSpecifier(specifier: string): boolean {
  return !/^(\.|\/|[a-z]+:)/i.test(specifier);
}

/** '@aws-sdk/client-s3/dist/x' -> '@aws-sdk/client-s3'; 'yaml/util' -> 'yaml'. */
function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
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
