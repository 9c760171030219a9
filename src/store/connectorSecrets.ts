import type { ConnectorConfig } from './records.js';

/** The connector fields that are secret: kept out of the clear JSON and sealed in their own column. */
const SECRET_FIELDS = [
  ['iam', 'secretAccessKey'],
  ['iam', 'otpSecret'],
] as const;

export type ConnectorSecrets = Record<string, string>;

/** Splits a configuration into its clear part and its secret fields (keyed `iam.secretAccessKey`). */
export function splitConnectorSecrets(config: ConnectorConfig): {
  clear: ConnectorConfig;
  secrets: ConnectorSecrets;
} {
  const clear = structuredClone(config);
  const secrets: ConnectorSecrets = {};
  for (const [section, field] of SECRET_FIELDS) {
    const holder = clear[section];
    if (holder === null || typeof holder !== 'object') continue;
    const record = holder as Record<string, unknown>;
    const value = record[field];
    if (value === undefined) continue;
    secrets[`${section}.${field}`] = String(value);
    delete record[field];
  }
  return { clear, secrets };
}

/** Puts the secret fields back into a clear configuration. */
export function mergeConnectorSecrets(
  clear: Record<string, unknown>,
  secrets: ConnectorSecrets,
): ConnectorConfig {
  const config = structuredClone(clear);
  for (const [path, value] of Object.entries(secrets)) {
    const [section, field] = path.split('.') as [string, string];
    if (config[section] === null || typeof config[section] !== 'object') config[section] = {};
    (config[section] as Record<string, unknown>)[field] = value;
  }
  // The stored JSON was a ConnectorConfig when it was put; the store does not re-validate it.
  return config as ConnectorConfig;
}
