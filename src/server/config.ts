import { resolve } from 'node:path';
import { z } from 'zod';
import { SkybridgeError } from '../core/index.js';

/**
 * Server settings from the environment. Parsed with zod so a bad value is refused at start with a
 * message naming the variable and the rule, rather than surfacing later as a confusing failure.
 */
const portSchema = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be 0..65535')
  .max(65535, 'must be 0..65535');

const envSchema = z.object({
  SKYBRIDGE_PORT: portSchema.default(3000),
  SKYBRIDGE_HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  SKYBRIDGE_PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'must be an absolute http(s) URL' }).optional(),
  SKYBRIDGE_DATA_DIR: z.string().min(1, 'must not be empty').default('./.skybridge'),
  SKYBRIDGE_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  SKYBRIDGE_MASTER_KEY: z.string().min(1, 'must not be empty').optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  SKYBRIDGE_SESSION_TTL_SECONDS: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(7 * 24 * 3600, 'must be at most a week')
    .default(3600),
  SKYBRIDGE_SWEEP_INTERVAL_SECONDS: z.coerce
    .number({ error: 'must be a number' })
    .min(0.01, 'must be positive')
    .default(60),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface ServerConfig {
  port: number;
  host: string;
  /** Absent when not configured: the server derives it from the port it listens on. */
  publicUrl: string | undefined;
  dataDir: string;
  adminKey: string | undefined;
  masterKey: string | undefined;
  databaseUrl: string | undefined;
  sessionTtlMs: number;
  sweepIntervalMs: number;
  logLevel: z.output<typeof envSchema>['LOG_LEVEL'];
}

/** Reads the server's settings; empty variables count as unset. Throws `invalid_config` naming the variable. */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw new SkybridgeError('invalid_config', `${field}: ${issue.message}`, { status: 400, field });
  }
  const value = parsed.data;
  return {
    port: value.SKYBRIDGE_PORT,
    host: value.SKYBRIDGE_HOST,
    publicUrl: value.SKYBRIDGE_PUBLIC_URL?.replace(/\/+$/, ''),
    dataDir: resolve(value.SKYBRIDGE_DATA_DIR),
    adminKey: value.SKYBRIDGE_ADMIN_KEY,
    masterKey: value.SKYBRIDGE_MASTER_KEY,
    databaseUrl: value.DATABASE_URL,
    sessionTtlMs: value.SKYBRIDGE_SESSION_TTL_SECONDS * 1000,
    sweepIntervalMs: Math.round(value.SKYBRIDGE_SWEEP_INTERVAL_SECONDS * 1000),
    logLevel: value.LOG_LEVEL,
  };
}
