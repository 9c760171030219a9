import { SkybridgeError } from '../core/index.js';
import type { ConnectorConfig } from './connectorConfig.js';
import { type Partition, partitionOfRegion } from './regions.js';

/** arn:<partition>:iam::<12 digits>:role<path>name, the path being "/" or "/a/b/". */
const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;

/** arn:<partition>:iam::<12 digits>:mfa/<optional path/>name (a virtual MFA device's serial). */
export const MFA_SERIAL =
  /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):mfa(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]+)$/;

export interface RoleArnParts {
  partition: Partition;
  accountId: string;
  /** "/" or "/integrations/acme/". */
  path: string;
  roleName: string;
  /** The ARN as given: AssumeRole gets it unchanged. */
  arn: string;
}

export function isAccountId(value: string): boolean {
  return /^\d{12}$/.test(value);
}

/**
 * Splits a role ARN; the account id stays a 12-character string (leading zeros kept).
 *
 * @example parseRoleArn('arn:aws:iam::012345678901:role/integrations/acme/AcmeReadOnly')
 * // { partition: 'aws', accountId: '012345678901', path: '/integrations/acme/', roleName: 'AcmeReadOnly', arn }
 */
export function parseRoleArn(arn: string): RoleArnParts {
  const match = typeof arn === 'string' ? ROLE_ARN.exec(arn) : null;
  if (!match) {
    throw new SkybridgeError(
      'invalid_role_arn',
      'roleArn: must look like arn:aws:iam::<12-digit account id>:role/<optional path/>RoleName.',
      { status: 400, field: 'roleArn' },
    );
  }
  return {
    partition: match[1] as Partition,
    accountId: match[2]!,
    path: match[3]!,
    roleName: match[4]!,
    arn,
  };
}

/** The ARN of the connector's role in a tenant's account: arn:<partition>:iam::<account>:role<rolePath><roleName>. */
export function roleArnFor(
  config: Pick<ConnectorConfig, 'defaultRegion' | 'rolePath' | 'roleName'>,
  accountId: string,
): string {
  if (!isAccountId(accountId)) {
    throw new SkybridgeError(
      'invalid_account_id',
      'accountId: must be exactly 12 digits (leading zeros included).',
      {
        status: 400,
        field: 'accountId',
      },
    );
  }
  return `arn:${partitionOfRegion(config.defaultRegion)}:iam::${accountId}:role${config.rolePath}${config.roleName}`;
}

export interface MfaSerialParts {
  partition: Partition;
  accountId: string;
  /** "/" or "/team/". */
  path: string;
  name: string;
}

export function parseMfaSerial(serial: string): MfaSerialParts {
  const match = typeof serial === 'string' && serial.length <= 256 ? MFA_SERIAL.exec(serial) : null;
  if (!match) {
    throw new SkybridgeError(
      'invalid_mfa_serial',
      'iam.mfaSerial: must look like arn:aws:iam::<12-digit account id>:mfa/<device name>.',
      { status: 400, field: 'iam.mfaSerial' },
    );
  }
  return { partition: match[1] as Partition, accountId: match[2]!, path: match[3]!, name: match[4]! };
}
