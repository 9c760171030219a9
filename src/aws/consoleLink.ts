import { SkybridgeError } from '../core/index.js';
import type { ConnectorConfig } from './connectorConfig.js';
import { isKnownRegion, type Partition, partitionOfRegion } from './regions.js';
import { MAX_TEMPLATE_URL_LENGTH } from './templatePublisher.js';

const CONSOLE_HOSTS: Record<Partition, (region: string) => string> = {
  aws: (region) => `${region}.console.aws.amazon.com`,
  'aws-cn': (region) => `${region}.console.amazonaws.cn`,
  'aws-us-gov': (region) => `${region}.console.amazonaws-us-gov.com`,
};

export interface ConsoleUrlInput {
  config: Pick<ConnectorConfig, 'defaultRegion' | 'stackName' | 'endpoints'>;
  /** The tenant's region: the stack is created there. */
  region: string;
  templateUrl: string;
  stackName?: string;
}

/**
 * The CloudFormation quick-create link for a tenant. The templateURL is percent-encoded so its own
 * query (`?versionId=..&x=y`) stays inside it. With endpoints.console (the sandbox), the parameters go
 * in a query string, since a fragment never reaches a server.
 */
export function buildConsoleUrl(input: ConsoleUrlInput): string {
  const { config, region, templateUrl } = input;
  const stackName = input.stackName ?? config.stackName;
  const partition = partitionOfRegion(config.defaultRegion);
  if (typeof region !== 'string' || !isKnownRegion(region)) {
    throw new SkybridgeError('invalid_region', 'region: must be a known AWS region name such as us-east-1.', {
      status: 400,
      field: 'region',
    });
  }
  if (partitionOfRegion(region) !== partition) {
    throw new SkybridgeError(
      'invalid_region',
      `region: must be in the connector's AWS partition (${partition}); ${region} is in ${partitionOfRegion(region)}.`,
      { status: 400, field: 'region' },
    );
  }
  if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
    throw new SkybridgeError(
      'invalid_stack_name',
      'stackName: must start with a letter, contain only letters, digits and hyphens, and be at most 128 characters.',
      { status: 400, field: 'stackName' },
    );
  }
  if (!/^https?:\/\//.test(templateUrl) || templateUrl.length > MAX_TEMPLATE_URL_LENGTH) {
    throw new SkybridgeError(
      'invalid_template_url',
      `templateUrl: must be an http(s) URL of at most ${MAX_TEMPLATE_URL_LENGTH} characters.`,
      { status: 400, field: 'templateUrl' },
    );
  }

  if (config.endpoints.console !== undefined) {
    const url = new URL(config.endpoints.console);
    url.searchParams.set('templateURL', templateUrl);
    url.searchParams.set('stackName', stackName);
    url.searchParams.set('region', region);
    return url.toString();
  }
  const query = `templateURL=${encodeURIComponent(templateUrl)}&stackName=${encodeURIComponent(stackName)}`;
  return `https://${CONSOLE_HOSTS[partition](region)}/cloudformation/home?region=${region}#/stacks/quickcreate?${query}`;
}
