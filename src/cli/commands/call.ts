/** `skybridge call <integration> <path>`: call an integration's route with the admin key. */
import type { Command } from 'commander';
import { SkybridgeError } from '../../core/index.js';
import { clientFrom, segment } from '../apiClient.js';
import {
  type ClientCommandFlags,
  examples,
  nonEmpty,
  parseMethod,
  withClientOptions,
} from '../commonOptions.js';
import { action } from '../output.js';
import { readUserFile } from '../userFile.js';

/** `/api/x` or `x` -> `/v1/integrations/<name>/api/x`. */
export function routeUrlPath(integration: string, path: string): string {
  const relative = path.startsWith('/') ? path : `/${path}`;
  const withApi =
    relative === '/api' || relative.startsWith('/api/') || relative.startsWith('/api?')
      ? relative
      : `/api${relative}`;
  return `/v1/integrations/${segment(integration)}${withApi}`;
}

/** The -d body: JSON text or @file, checked here so a typo is refused before anything is sent. */
async function readBody(data: string | undefined): Promise<string | undefined> {
  if (data === undefined) return undefined;
  const file = data.startsWith('@') ? data.slice(1) : undefined;
  const text = file !== undefined ? await readUserFile(file, 'The request body file') : data;
  try {
    JSON.parse(text);
  } catch (error) {
    throw new SkybridgeError(
      'invalid_json',
      `The request body${file !== undefined ? ` in ${file}` : ''} is not valid JSON (nothing was sent): ${(error as Error).message}`,
      { status: 400, field: 'data' },
    );
  }
  return text;
}

export function registerCallCommand(program: Command): void {
  withClientOptions(
    program
      .command('call')
      .description(
        "call an integration's route with the admin key, e.g. npx skybridge call s3-buckets /api/tenant/acme/buckets",
      )
      .argument('<integration>', 'integration name', nonEmpty)
      .argument(
        '<path>',
        'the route path (under /api; the prefix is added when missing), with any query string',
        nonEmpty,
      )
      .option('-X, --method <method>', 'HTTP method', parseMethod, 'GET')
      .option(
        '-d, --data <json>',
        'request body: JSON text, or @file to read it from a file (checked before sending)',
      )
      .addHelpText(
        'after',
        examples(
          'npx skybridge call s3-buckets /api/tenant/acme/buckets',
          `npx skybridge call s3-objects /api/tenant/acme/buckets/acme-invoices/objects -X POST -d '{"key":"a.txt","content":"hi"}'`,
          'npx skybridge call s3-objects /api/tenant/acme/buckets/acme-invoices/objects -X POST -d @object.json --json',
        ),
      ),
  ).action(
    action(
      async (
        output,
        integration: string,
        path: string,
        flags: ClientCommandFlags & { method: string; data?: string },
      ) => {
        const data = await readBody(flags.data);
        const response = await (await clientFrom(flags)).request(
          flags.method,
          routeUrlPath(integration, path),
          data,
        );
        const body = response.body;
        output.result(body ?? { status: response.status }, () => {
          if (body === undefined) return `${response.status}`;
          return typeof body === 'string' ? body : JSON.stringify(body, null, 2);
        });
      },
    ),
  );
}
