/**
 * Retries with exponential backoff and jitter on an injected Clock and RandomSource, so tests
 * decide how long a wait is and whether it happens at all. The SDK's own retries are off
 * (maxAttempts 1) for STS: the engine classifies each failure and counts its attempts itself.
 */
import { abortReason, type Clock, type RandomSource } from '../core/index.js';

export interface BackoffPolicy {
  /** The first delay's ceiling; each further retry doubles it. */
  baseMs: number;
  /** No delay is longer than this. */
  capMs: number;
  /**
   * `full` (default): uniform in [0, ceiling) — spreads many clients best.
   * `equal`: uniform in [ceiling/2, ceiling) — never retries at once; for waits that need time to pass (IAM propagation).
   */
  jitter?: 'full' | 'equal';
}

/** A uniform number in [0, 1) from a RandomSource. */
export function randomFraction(random: RandomSource): number {
  return random.bytes(4).readUInt32BE(0) / 0x1_0000_0000;
}

/** The delay before retry number `retry` (0 for the first retry). */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: RandomSource): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(retry, 30));
  const fraction = randomFraction(random);
  return policy.jitter === 'equal' ? ceiling / 2 + (fraction * ceiling) / 2 : fraction * ceiling;
}

export interface RetryOptions {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  clock: Clock;
  random: RandomSource;
  /** Whether a failure of attempt `attempt` (1-based) is worth another try. */
  shouldRetry: (error: unknown, attempt: number) => boolean;
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `operation` until it succeeds, a failure is not retryable, or attempts run out; the last
 * failure is thrown as it was.
 */
export async function retryWithBackoff<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw abortReason(options.signal);
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= options.maxAttempts || !options.shouldRetry(error, attempt)) throw error;
      const delayMs = backoffDelay(attempt - 1, options.backoff, options.random);
      options.onRetry?.(error, attempt, delayMs);
      // The clock's own sleep: an abort ends the wait at once, on a ManualClock nobody advances too.
      await options.clock.sleep(delayMs, options.signal);
    }
  }
}
