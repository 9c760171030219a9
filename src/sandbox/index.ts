/**
 * The sandbox: a loopback AWS emulator (STS, IAM, S3, CloudFormation, a console page) for tests
 * and demos. It imports nothing of the product.
 */

export type { SandboxAccountSummary, SandboxMfaDevice, SandboxUserKeys } from './adminClient.js';
export { SandboxAdminClient, SandboxAdminError } from './adminClient.js';
export { QUERY_NAMESPACES, renderQueryError, renderS3Error, toAwsError } from './errorResponses.js';
export type { CreateRoleInput } from './iamRoles.js';
export { createRole, deleteRole, findRoleByArn, updateAssumeRolePolicy } from './iamRoles.js';
export type { Credential, IamRole, SandboxSettings } from './model.js';
export { defaultSettings, SandboxWorld } from './model.js';
export { AwsError } from './protocol.js';
export type { RunningSandbox, SandboxOptions } from './server.js';
/**
 * startSandbox(options): the sandbox on loopback. Its clock (`now` + settings.clockOffsetMs) governs
 * TOTP, credential expiry and every time in its answers: with `now` frozen near Unix 0, issued
 * credentials carry 1970 Expirations (correct for that clock; see server.ts for what SDK credential
 * providers make of them). SigV4 skew and presigned URL expiry use real time.
 */
export { startSandbox } from './server.js';
export { totpCode } from './totp.js';
