/** `skybridge install list|get|health|delete`: a tenant's installs of an integration. */
import type { Command } from 'commander';
import { isSkybridgeError } from '../../core/index.js';
import type { InstallSummary } from '../../runtime/index.js';
import { clientFrom, segment } from '../apiClient.js';
import { type ClientCommandFlags, examples, nonEmpty, withClientOptions } from '../commonOptions.js';
import { action } from '../output.js';
import { integrationNotFound } from './integration.js';

interface HealthAnswer {
  healthy: boolean;
  checkedAt: string;
  error?: { code: string; message: string };
}

/** An install id as the examples show it. */
const ID = 'inst_DpMeMRn-XSaffIcmHTBTEQ';

function describeInstall(install: InstallSummary): string[] {
  return [
    `${install.id}  tenant "${install.tenantId}"  ${install.status}  created ${install.createdAt}`,
    ...install.identities.map(
      (i) =>
        `  ${i.connector}: account ${i.accountId ?? '?'} in ${i.region ?? '?'}, role ${i.roleArn ?? '?'}`,
    ),
  ];
}

export function registerInstallCommand(program: Command): void {
  const install = program
    .command('install')
    .description("tenants' installs")
    .addHelpText(
      'after',
      examples('npx skybridge install list s3-buckets --tenant acme', `npx skybridge install health ${ID}`),
    )
    .showHelpAfterError(true);

  withClientOptions(
    install
      .command('list')
      .description('list the active installs of an integration')
      .argument('<integration>', 'integration name', nonEmpty)
      .option('--tenant <id>', 'only this tenant', nonEmpty)
      .addHelpText(
        'after',
        examples(
          'npx skybridge install list s3-buckets',
          'npx skybridge install list s3-buckets --tenant acme --json',
        ),
      ),
  ).action(
    action(async (output, integration: string, flags: ClientCommandFlags & { tenant?: string }) => {
      const query = flags.tenant ? `?tenantId=${encodeURIComponent(flags.tenant)}` : '';
      const client = await clientFrom(flags);
      const answer = await client.get<{ items: InstallSummary[] }>(
        `/v1/integrations/${segment(integration)}/installs${query}`,
      );
      if (answer.items.length === 0) {
        // The API lists nothing for a name it does not know: tell a typo from "no installs yet".
        await client.get(`/v1/integrations/${segment(integration)}`).catch((error: unknown) => {
          throw isSkybridgeError(error) && error.code === 'integration_not_found'
            ? integrationNotFound(integration)
            : error;
        });
      }
      output.result(answer, () =>
        answer.items.length === 0
          ? `No installs of "${integration}"${flags.tenant ? ` for tenant "${flags.tenant}"` : ''}.`
          : answer.items.flatMap(describeInstall),
      );
    }),
  );

  withClientOptions(
    install
      .command('get')
      .description('show an install')
      .argument('<id>', 'install id', nonEmpty)
      .addHelpText('after', examples(`npx skybridge install get ${ID}`)),
  ).action(
    action(async (output, id: string, flags: ClientCommandFlags) => {
      const answer = await (await clientFrom(flags)).get<InstallSummary>(`/v1/installs/${segment(id)}`);
      output.result(answer, () => describeInstall(answer));
    }),
  );

  withClientOptions(
    install
      .command('health')
      .description("check an install's role (exit code 1 when unhealthy, with --json too)")
      .argument('<id>', 'install id', nonEmpty)
      .addHelpText(
        'after',
        examples(
          `npx skybridge install health ${ID}`,
          `npx skybridge install health ${ID} --json || echo "needs attention"`,
        ),
      ),
  ).action(
    action(async (output, id: string, flags: ClientCommandFlags) => {
      const health = await (await clientFrom(flags)).get<HealthAnswer>(`/v1/installs/${segment(id)}/health`);
      output.result(
        health,
        health.healthy
          ? `${id}: healthy (checked ${health.checkedAt})`
          : `${id}: UNHEALTHY (checked ${health.checkedAt}): ${health.error ? `[${health.error.code}] ${health.error.message}` : 'no reason given'}`,
      );
      // A script asking for health learns the answer from the exit code too.
      if (!health.healthy) process.exitCode = 1;
    }),
  );

  withClientOptions(
    install
      .command('delete')
      .description('delete an install: credentials for it are no longer issued')
      .argument('<id>', 'install id', nonEmpty)
      .addHelpText('after', examples(`npx skybridge install delete ${ID}`)),
  ).action(
    action(async (output, id: string, flags: ClientCommandFlags) => {
      await (await clientFrom(flags)).delete(`/v1/installs/${segment(id)}`);
      output.result({ id, deleted: true }, `Install ${id} deleted.`);
    }),
  );
}
