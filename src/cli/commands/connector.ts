/** `skybridge connector set|get|check|iam-policy <name>`: manage connectors on a running server. */
import type { Command } from 'commander';
import { isSkybridgeError, SkybridgeError } from '../../core/index.js';
import { clientFrom, segment } from '../apiClient.js';
import {
  type ClientCommandFlags,
  examples,
  nonEmpty,
  shellQuote,
  withClientOptions,
} from '../commonOptions.js';
import { action, UsageError } from '../output.js';
import { readUserFile } from '../userFile.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The configuration from --file (or `-`/no file: stdin), parsed as JSON. No configuration at all (a
 * terminal, or nothing piped) is a missing argument: bad usage, exit 2.
 */
async function readConfig(file: string | undefined): Promise<unknown> {
  const fromStdin = !file || file === '-';
  if (fromStdin && process.stdin.isTTY) {
    throw new UsageError('no connector configuration: give it with --file <path> or on stdin.');
  }
  const text = fromStdin ? await readStdin() : await readUserFile(file, 'The connector configuration file');
  if (fromStdin && text.trim() === '') {
    throw new UsageError(
      'no connector configuration: stdin was empty; give it with --file <path> or on stdin.',
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SkybridgeError(
      'invalid_json',
      `The connector configuration${file && file !== '-' ? ` in ${file}` : ''} is not valid JSON: ${(error as Error).message}`,
      { status: 400 },
    );
  }
}

/** The API says "create it with PUT"; on the command line the way to create it is `connector set`. */
export function withConnectorHint(error: unknown, name: string): unknown {
  if (!isSkybridgeError(error) || error.code !== 'connector_not_found') return error;
  return new SkybridgeError(
    'connector_not_found',
    `No connector named "${name}". Create it with: npx skybridge connector set ${shellQuote(name)} --file connector.json`,
    { status: error.status, ...(error.field ? { field: error.field } : {}) },
  );
}

async function orConnectorHint<T>(name: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw withConnectorHint(error, name);
  }
}

export function registerConnectorCommand(program: Command): void {
  const connector = program
    .command('connector')
    .description('create, read and check AWS connectors')
    .addHelpText(
      'after',
      examples(
        'npx skybridge connector set main --file connector.json',
        'npx skybridge connector check main',
      ),
    )
    .showHelpAfterError(true);

  withClientOptions(
    connector
      .command('set')
      .description(
        'create or replace a connector from a JSON configuration (fields: docs/connector-configuration.md)',
      )
      .argument('<name>', 'connector name', nonEmpty)
      .option('-f, --file <path>', 'the configuration file (default, or "-": stdin)')
      .addHelpText(
        'after',
        examples(
          'npx skybridge connector set main --file connector.json',
          'npx skybridge connector set main < connector.json',
        ),
      ),
  ).action(
    action(async (output, name: string, flags: ClientCommandFlags & { file?: string }) => {
      const config = await readConfig(flags.file);
      const saved = await (await clientFrom(flags)).put(`/v1/connectors/${segment(name)}`, config);
      output.result(saved, `Connector "${name}" saved.`);
    }),
  );

  withClientOptions(
    connector
      .command('get')
      .description('show a connector (secrets redacted)')
      .argument('<name>', 'connector name', nonEmpty)
      .addHelpText(
        'after',
        examples('npx skybridge connector get main', 'npx skybridge connector get main --json'),
      ),
  ).action(
    action(async (output, name: string, flags: ClientCommandFlags) => {
      const client = await clientFrom(flags);
      const config = await orConnectorHint(name, client.get(`/v1/connectors/${segment(name)}`));
      output.result(config);
    }),
  );

  withClientOptions(
    connector
      .command('check')
      .description("check the connector's base credentials and MFA against AWS (GetCallerIdentity)")
      .argument('<name>', 'connector name', nonEmpty)
      .addHelpText('after', examples('npx skybridge connector check main')),
  ).action(
    action(async (output, name: string, flags: ClientCommandFlags) => {
      const client = await clientFrom(flags);
      const result = await orConnectorHint(
        name,
        client.post<{ accountId: string; arn: string; mfa: string }>(`/v1/connectors/${segment(name)}/check`),
      );
      output.result(result, [
        `Connector "${name}" works.`,
        `  account: ${result.accountId}`,
        `  identity: ${result.arn}`,
        `  MFA: ${result.mfa}`,
      ]);
    }),
  );

  withClientOptions(
    connector
      .command('iam-policy')
      .description("print the least-privilege IAM policy to attach to the connector's IAM user")
      .argument('<name>', 'connector name', nonEmpty)
      .addHelpText('after', examples('npx skybridge connector iam-policy main > skybridge-policy.json')),
  ).action(
    action(async (output, name: string, flags: ClientCommandFlags) => {
      const client = await clientFrom(flags);
      const policy = await orConnectorHint(name, client.get(`/v1/connectors/${segment(name)}/iam-policy`));
      // The policy is what people paste into IAM, so it prints as JSON either way.
      output.result(policy, JSON.stringify(policy, null, 2));
    }),
  );
}
