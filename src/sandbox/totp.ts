/**
 * TOTP checks for virtual MFA devices: RFC 6238, SHA-1, 6 digits, 30 s steps, the current step and
 * one on each side. AWS keeps the last accepted counter per device and refuses any step at or
 * before it, so a code is usable once and an older code is refused once a newer one was used.
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

/** The last time step accepted on this device (the highest one used), or undefined if none. */
export function lastAcceptedStep(device: MfaDevice): number | undefined {
  let last: number | undefined;
  for (const step of device.usedSteps) if (last === undefined || step > last) last = step;
  return last;
}

/**
 * True when `code` is valid at `nowMs` within one step each side and its step is later than the
 * last step accepted on this device; the step is then recorded as used.
 */
export function acceptMfaCode(device: MfaDevice, code: string, nowMs: number): boolean {
  const delta = totpFor(device).validate({ token: code, timestamp: nowMs, window: 1 });
  if (delta === null) return false;
  const step = Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS) + delta;
  const last = lastAcceptedStep(device);
  if (last !== undefined && step <= last) return false;
  device.usedSteps.add(step);
  return true;
}
