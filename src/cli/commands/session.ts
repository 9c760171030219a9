/** `skybridge session create <integration> --tenant <id> --redirect-url <url>`: an install link for a tenant. */
import type { Command } from 'commander';
import { isSkybridgeError } from '../../core/index.js';
import { clientFrom, segment } from '../apiClient.js';
import {
  type ClientCommandFlags,
  examples,
  nonEmpty,
  parseUrl,
  requireOptions,
  withClientOptions,
} from '../commonOptions.js';
import { action } from '../output.js';
import { integrationNotFound } from './integration.js';

interface SessionAnswer {
  id: string;
  url: string;
  status: string;
  expiresAt: string;
}

const EXAMPLE =
  'npx skybridge session create s3-buckets --tenant acme --redirect-url https://app.example/done';

export function registerSessionCommand(program: Command): void {
  const session = program
    .command('session')
    .description('install sessions')
    .addHelpText('after', examples(EXAMPLE))
    .showHelpAfterError(true);

  requireOptions(
    withClientOptions(
      session
        .command('create')
        .description('create an install session and print the link to send to the tenant')
        .argument('<integration>', 'integration name', nonEmpty)
        .option('--tenant <id>', "the tenant's id in your application (required)", nonEmpty)
        .option(
          '--redirect-url <url>',
          "where the browser goes when the install ends; one of the integration's redirect URLs (required)",
          parseUrl,
        )
        .addHelpText(
          'after',
          examples(EXAMPLE, '# only the link, for a script:', `${EXAMPLE} --json | jq -r .url`),
        ),
    ),
    'tenant',
    'redirectUrl',
  ).action(
    action(
      async (
        output,
        integration: string,
        flags: ClientCommandFlags & { tenant: string; redirectUrl: string },
      ) => {
        const created = await (await clientFrom(flags))
          .post<SessionAnswer>(`/v1/integrations/${segment(integration)}/sessions`, {
            tenantId: flags.tenant,
            redirectUrl: flags.redirectUrl,
          })
          .catch((error: unknown) => {
            throw isSkybridgeError(error) && error.code === 'integration_not_found'
              ? integrationNotFound(integration)
              : error;
          });
        output.result(created, [
          `Session ${created.id} for tenant "${flags.tenant}" (${created.status}, expires ${created.expiresAt}).`,
          'Open this link to install:',
          created.url,
        ]);
      },
    ),
  );
}
