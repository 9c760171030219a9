import { z } from 'zod';

/** Names of connectors, integrations and aliases: safe in URLs, logs and file names. */
export const resourceName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/,
    'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

/** Parses a path parameter; a bad one answers 400 naming the parameter. */
export function pathName(field: string, value: string | undefined): string {
  return z.object({ [field]: resourceName }).parse({ [field]: value })[field] as string;
}

export function actorOf(state: Record<string, unknown>): string {
  return typeof state.actor === 'string' ? state.actor : 'anonymous';
}
