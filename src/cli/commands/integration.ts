/**
 * `skybridge integration set|get <name>`: register an integration on a running server (which
 * connector each alias uses, where finished installs may return), so no curl is needed after `start`.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { isSkybridgeError, SkybridgeError } from '../../core/index.js';
import { clientFrom, segment } from '../apiClient.js';
import {
  type ClientCommandFlags,
  examples,
  nonEmpty,
  parseUrl,
  requireOptions,
  shellQuote,
  withClientOptions,
} from '../commonOptions.js';
import { action } from '../output.js';

interface IntegrationAnswer {
  name: string;
  connectors: Record<string, string>;
  redirectUrls: string[];
  createdAt: string;
  updatedAt: string;
}

/** The API's "create it with PUT" becomes the command that does it. */
export function integrationNotFound(name: string): SkybridgeError {
  return new SkybridgeError(
    'integration_not_found',
    `No integration named "${name}" is registered on the server. Register it with: ` +
      `npx skybridge integration set ${shellQuote(name)} --connector awsConnector=<connector> --redirect-url <url>`,
    { status: 404 },
  );
}

/** `--connector awsConnector=main`, repeatable: the alias the integration code uses -> a connector. */
function collectConnector(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const match = /^([^=\s]+)=([^=\s]+)$/.exec(value);
  if (!match) {
    throw new InvalidArgumentError('must be <alias>=<connector>, e.g. awsConnector=main.');
  }
  return { ...previous, [match[1]!]: match[2]! };
}

/** `--redirect-url`, repeatable; each an absolute http(s) URL (the server checks the rest). */
function collectUrl(value: string, previous: string[] = []): string[] {
  return [...previous, parseUrl(value)];
}

function describe(integration: IntegrationAnswer): string[] {
  return [
    `Integration "${integration.name}" (updated ${integration.updatedAt})`,
    ...Object.entries(integration.connectors).map(
      ([alias, connector]) => `  ${alias} -> connector "${connector}"`,
    ),
    ...integration.redirectUrls.map((url) => `  redirect URL: ${url}`),
  ];
}

export function registerIntegrationCommand(program: Command): void {
  const integration = program
    .command('integration')
    .description('register integrations: their connectors and redirect URLs')
    .addHelpText(
      'after',
      examples(
        'npx skybridge integration set s3-buckets --connector awsConnector=main --redirect-url https://app.example/done',
        'npx skybridge integration get s3-buckets',
      ),
    )
    .showHelpAfterError(true);

  requireOptions(
    withClientOptions(
      integration
        .command('set')
        .description('create or replace an integration (PUT /v1/integrations/<name>)')
        .argument('<name>', 'integration name (its folder under ./integrations)', nonEmpty)
        .option(
          '--connector <alias=connector>',
          'the connector an alias uses, e.g. awsConnector=main (repeatable; required)',
          collectConnector,
        )
        .option(
          '--redirect-url <url>',
          'where the browser may return when an install ends (repeatable; required)',
          collectUrl,
        )
        .addHelpText(
          'after',
          examples(
            'npx skybridge integration set s3-buckets --connector awsConnector=main --redirect-url https://app.example/done',
            '# several redirect URLs (production, staging): repeat the option',
            'npx skybridge integration set s3-buckets --connector awsConnector=main --redirect-url https://app.example/done --redirect-url https://staging.app.example/done',
          ),
        ),
    ),
    'connector',
    'redirectUrl',
  ).action(
    action(
      async (
        output,
        name: string,
        flags: ClientCommandFlags & { connector: Record<string, string>; redirectUrl: string[] },
      ) => {
        const client = await clientFrom(flags);
        let saved: IntegrationAnswer;
        try {
          saved = await client.put<IntegrationAnswer>(`/v1/integrations/${segment(name)}`, {
            connectors: flags.connector,
            redirectUrls: flags.redirectUrl,
          });
        } catch (error) {
          if (isSkybridgeError(error) && error.code === 'connector_not_found' && error.field) {
            const alias = error.field.replace(/^connectors\./, '');
            const connector = flags.connector[alias] ?? alias;
            throw new SkybridgeError(
              'connector_not_found',
              `${error.field}: no connector named "${connector}". Create it first with: npx skybridge connector set ${shellQuote(connector)} --file connector.json`,
              { status: error.status, field: error.field },
            );
          }
          throw error;
        }
        output.result(saved, [
          `Integration "${name}" saved.`,
          ...describe(saved).slice(1),
          'Next, an install link for a tenant:',
          `  npx skybridge session create ${shellQuote(name)} --tenant <id> --redirect-url ${shellQuote(saved.redirectUrls[0] ?? '<url>')}`,
        ]);
      },
    ),
  );

  withClientOptions(
    integration
      .command('get')
      .description('show an integration (GET /v1/integrations/<name>)')
      .argument('<name>', 'integration name', nonEmpty)
      .addHelpText('after', examples('npx skybridge integration get s3-buckets --json')),
  ).action(
    action(async (output, name: string, flags: ClientCommandFlags) => {
      const client = await clientFrom(flags);
      const found = await client
        .get<IntegrationAnswer>(`/v1/integrations/${segment(name)}`)
        .catch((error: unknown) => {
          throw isSkybridgeError(error) && error.code === 'integration_not_found'
            ? integrationNotFound(name)
            : error;
        });
      output.result(found, () => describe(found));
    }),
  );
}
