// The AWS engine: a pure library over the AWS SDK v3 (no HTTP server, no SQL). Others import this file only.
// Configuration, templates, publishing, links, TOTP and IAM policy (engine-pure); STS, credentials and the
// AwsConnector facade (engine-sts); the EngineStore interface the store implements.
export * from './arn.js';
export * from './awsClients.js';
export * from './awsConnector.js';
export * from './baseSession.js';
export * from './connectorConfig.js';
export * from './consoleLink.js';
export * from './defaultTemplate.js';
export * from './engineStore.js';
export * from './externalId.js';
export * from './iamPolicy.js';
export * from './identityHealthCheck.js';
export * from './regions.js';
export * from './retry.js';
export * from './roleAssumer.js';
export * from './stsErrors.js';
export * from './templatePublisher.js';
export * from './templateRenderer.js';
export * from './tenantCredentials.js';
export * from './tenantIdentity.js';
export * from './totp.js';
export * from './verifier.js';
