import { Secret, TOTP } from 'otpauth';
import { SkybridgeError } from '../core/index.js';

/** AWS virtual MFA devices: RFC 6238 with SHA-1, 6 digits, 30-second steps. */
export const TOTP_PERIOD_SECONDS = 30;
const TOTP_DIGITS = 6;

const BASE32 = /^[A-Z2-7]+$/;

/**
 * The OTP secret as people paste it (lower case, grouped with spaces or dashes, `=` padded) in the
 * canonical form. Anything that is not base32 afterwards is refused, so a typo never becomes a code
 * that AWS rejects for reasons nobody can see. The message never repeats the secret.
 *
 * @example normalizeOtpSecret('gezd gnbv gy3t qojq') // 'GEZDGNBVGY3TQOJQ'
 */
export function normalizeOtpSecret(input: string): string {
  const secret = input.replace(/[\s=-]/g, '').toUpperCase();
  if (secret.length === 0) {
    throw invalidOtpSecret('is empty');
  }
  if (!BASE32.test(secret)) {
    throw invalidOtpSecret('must be base32 (letters A-Z and digits 2-7; spaces, dashes and "=" are ignored)');
  }
  // Unpadded base32 never ends with 1, 3 or 6 characters in its last group of 8: such a length means a lost character.
  if ([1, 3, 6].includes(secret.length % 8)) {
    throw invalidOtpSecret(
      `has a length (${secret.length}) that base32 cannot have; a character is missing or extra`,
    );
  }
  if (secret.length < 16) {
    throw invalidOtpSecret('is too short: a virtual MFA secret has at least 16 base32 characters (80 bits)');
  }
  return secret;
}

function invalidOtpSecret(rule: string): SkybridgeError {
  return new SkybridgeError('invalid_otp_secret', `OTP secret ${rule}.`, {
    status: 400,
    field: 'iam.otpSecret',
    details: { rule },
  });
}

/** The TOTP time step that contains `ms` (milliseconds since the Unix epoch). */
export function totpStep(ms: number): number {
  return Math.floor(ms / 1000 / TOTP_PERIOD_SECONDS);
}

/** The 6-digit code of `step` for a base32 `secret` (normalised first, so pasted forms work). */
export function totpCode(secret: string, step: number): string {
  const totp = new TOTP({
    secret: Secret.fromBase32(normalizeOtpSecret(secret)),
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
  return totp.generate({ timestamp: step * TOTP_PERIOD_SECONDS * 1000 });
}
