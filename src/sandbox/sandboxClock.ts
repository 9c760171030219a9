/**
 * The sandbox clock: a base clock (real time unless a test freezes it) plus `clockOffsetMs`, so a
 * test can jump past credential expiry or to the next TOTP step without waiting. Signature skew is
 * checked against real time instead, because the SDK signs with real time.
 */
import type { SandboxWorld } from './model.js';

export type BaseClock = () => number;

export function sandboxClock(world: SandboxWorld, base: BaseClock = Date.now): () => number {
  return () => base() + world.settings.clockOffsetMs;
}
