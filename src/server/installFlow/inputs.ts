import { z } from 'zod';

// C0 and C1 control characters: they break logs, headers and the pages, and no tenant id needs them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export const tenantIdSchema = z
  .string({ error: 'must be a string' })
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  .refine((value) => !CONTROL_CHARACTERS.test(value), 'must not contain control characters');

/** A string, never a number: a number would lose an account id's leading zeros. */
export const accountIdSchema = z
  .string({ error: 'must be a string of exactly 12 digits' })
  .regex(/^\d{12}$/, 'must be exactly 12 digits (leading zeros included)');

export const regionSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/, 'must be an AWS region name such as us-east-1');

export const createSessionSchema = z.object({
  tenantId: tenantIdSchema,
  redirectUrl: z.string({ error: 'must be a string' }).min(1, 'must not be empty'),
});

export const startSessionSchema = z.object({
  accountId: accountIdSchema,
  region: regionSchema.optional(),
});

export type CreateSessionInput = z.input<typeof createSessionSchema>;
export type StartSessionInput = z.input<typeof startSessionSchema>;
