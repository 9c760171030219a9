/** `skybridge call <integration> <path>`: call an integration's route with the admin key. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { clientFrom, segment } from '../apiClient.js';
import { type ClientCommandFlags, withClientOptions } from '../commonOptions.js';
import { action } from '../output.js';

/** `/api/x` or `x` -> `/v1/integrations/<name>/api/x`. */
export function routeUrlPath(integration: string, path: string): string {
  const relative = path.startsWith('/') ? path : `/${path}`;
  const withApi =
    relative === '/api' || relative.startsWith('/api/') || relative.startsWith('/api?')
      ? relative
      : `/api${relative}`;
  return `/v1/integrations/${segment(integration)}${withApi}`;
}

export function registerCallCommand(program: Command): void {
  withClientOptions(
    program
      .command('call')
      .description("call an integration's route, e.g. skybridge call s3-buckets /api/tenant/acme/buckets")
      .argument('<integration>', 'integration name')
      .argument(
        '<path>',
        'the route path (under /api; the prefix is added when missing), with any query string',
      )
      .option('-X, --method <method>', 'HTTP method', 'GET')
      .option('-d, --data <json>', 'request body (JSON text, or @file to read it from a file)'),
  ).action(
    action(
      async (
        output,
        integration: string,
        path: string,
        flags: ClientCommandFlags & { method: string; data?: string },
      ) => {
        const data = flags.data?.startsWith('@') ? await readFile(flags.data.slice(1), 'utf8') : flags.data;
        const response = await (await clientFrom(flags)).request(
          flags.method.toUpperCase(),
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
