/**
 * TOTP checks for virtual MFA devices: RFC 6238, SHA-1, 6 digits, 30 s steps, the current step and
 * one on each side. AWS accepts each code once per device, so an accepted step is remembered.
 */
import { Secret, TOTP } from 'otpauth';
import type { MfaDevice } from './model.js';

export const TOTP_PERIOD_SECONDS = 30;

function totpFor(device: MfaDevice): TOTP {
  return new TOTP({
    secret: Secret.fromBase32(device.base32Secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  });
}

/** The code a device shows at `nowMs` (tests use it to play the authenticator app). */
export function totpCode(base32Secret: string, nowMs: number): string {
  return TOTP.generate({
    secret: Secret.fromBase32(base32Secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
    timestamp: nowMs,
  });
}

/** A fresh 20-byte seed, base32 (32 characters), as CreateVirtualMFADevice returns. */
export function newBase32Secret(): string {
  return new Secret({ size: 20 }).base32;
}

/**
 * True when `code` is valid at `nowMs` within one step each side and its step was not used yet on
 * this device; the step is then recorded as used.
 */
export function acceptMfaCode(device: MfaDevice, code: string, nowMs: number): boolean {
  const delta = totpFor(device).validate({ token: code, timestamp: nowMs, window: 1 });
  if (delta === null) return false;
  const step = Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS) + delta;
  if (device.usedSteps.has(step)) return false;
  device.usedSteps.add(step);
  return true;
}
