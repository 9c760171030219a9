import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConnectorConfig } from './connectorConfig.js';
import { buildConsoleUrl } from './consoleLink.js';

const TEMPLATE_URL = 'https://acme-templates.s3.us-east-1.amazonaws.com/templates/AbCdEfGhIjKlMnOpQr.yaml';

/** The quick-create parameters hidden in the fragment, decoded the way the console reads them. */
function fragmentParams(consoleUrl: string): URLSearchParams {
  const fragment = new URL(consoleUrl).hash;
  const [route, query] = fragment.split('?');
  assert.equal(route, '#/stacks/quickcreate');
  return new URLSearchParams(query);
}

describe('buildConsoleUrl', () => {
  const config = parseConnectorConfig({ bucketName: 'acme-templates', stackName: 'acme-connector' });

  it('links to the quick-create page in the tenant region with the template URL encoded in the fragment', () => {
    const url = buildConsoleUrl({ config, region: 'eu-central-1', templateUrl: TEMPLATE_URL });
    assert.equal(
      url,
      'https://eu-central-1.console.aws.amazon.com/cloudformation/home?region=eu-central-1#/stacks/quickcreate' +
        `?templateURL=${encodeURIComponent(TEMPLATE_URL)}&stackName=acme-connector`,
    );
    const params = fragmentParams(url);
    assert.equal(params.get('templateURL'), TEMPLATE_URL);
    assert.equal(params.get('stackName'), 'acme-connector');
    assert.equal(new URL(url).searchParams.get('region'), 'eu-central-1');
  });

  it('keeps a template URL with its own query (?versionId=..&x=y) whole', () => {
    const withQuery = `${TEMPLATE_URL}?versionId=3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY&x=y`;
    const url = buildConsoleUrl({ config, region: 'us-east-1', templateUrl: withQuery });
    const params = fragmentParams(url);
    assert.equal(params.get('templateURL'), withQuery);
    assert.equal(params.get('x'), null);
    assert.equal(params.get('stackName'), 'acme-connector');
  });

  it('takes a stack name given for this link', () => {
    const url = buildConsoleUrl({
      config,
      region: 'us-east-1',
      templateUrl: TEMPLATE_URL,
      stackName: 'Other-1',
    });
    assert.equal(fragmentParams(url).get('stackName'), 'Other-1');
  });

  it('uses the China and GovCloud console hosts', () => {
    const cn = parseConnectorConfig({ bucketName: 'acme', defaultRegion: 'cn-north-1' });
    assert.ok(
      buildConsoleUrl({ config: cn, region: 'cn-northwest-1', templateUrl: TEMPLATE_URL }).startsWith(
        'https://cn-northwest-1.console.amazonaws.cn/cloudformation/home?region=cn-northwest-1#/stacks/quickcreate?',
      ),
    );
    const gov = parseConnectorConfig({ bucketName: 'acme', defaultRegion: 'us-gov-west-1' });
    assert.ok(
      buildConsoleUrl({ config: gov, region: 'us-gov-east-1', templateUrl: TEMPLATE_URL }).startsWith(
        'https://us-gov-east-1.console.amazonaws-us-gov.com/cloudformation/home?region=us-gov-east-1#/stacks/quickcreate?',
      ),
    );
  });

  it('puts the parameters in a query string for a configured console (the sandbox)', () => {
    const sandbox = parseConnectorConfig({
      bucketName: 'acme',
      stackName: 'acme-connector',
      endpoints: { console: 'http://127.0.0.1:4566/_sandbox/console/cloudformation' },
    });
    const withQuery = `${TEMPLATE_URL}?versionId=v1&x=y`;
    const url = new URL(buildConsoleUrl({ config: sandbox, region: 'us-west-2', templateUrl: withQuery }));
    assert.equal(url.origin + url.pathname, 'http://127.0.0.1:4566/_sandbox/console/cloudformation');
    assert.equal(url.searchParams.get('templateURL'), withQuery);
    assert.equal(url.searchParams.get('stackName'), 'acme-connector');
    assert.equal(url.searchParams.get('region'), 'us-west-2');
    assert.equal(url.hash, '');
  });

  it('refuses an unknown region, a region of another partition and a bad stack name', () => {
    assert.throws(() => buildConsoleUrl({ config, region: 'moon-1', templateUrl: TEMPLATE_URL }), {
      code: 'invalid_region',
      field: 'region',
    });
    assert.throws(() => buildConsoleUrl({ config, region: 'cn-north-1', templateUrl: TEMPLATE_URL }), {
      code: 'invalid_region',
      message: "region: must be in the connector's AWS partition (aws); cn-north-1 is in aws-cn.",
    });
    assert.throws(
      () => buildConsoleUrl({ config, region: 'us-east-1', templateUrl: TEMPLATE_URL, stackName: '1-stack' }),
      { code: 'invalid_stack_name', field: 'stackName' },
    );
  });

  it('refuses a template URL longer than CloudFormation accepts', () => {
    assert.throws(
      () =>
        buildConsoleUrl({ config, region: 'us-east-1', templateUrl: `${TEMPLATE_URL}?${'x'.repeat(1024)}` }),
      { code: 'invalid_template_url' },
    );
  });
});
