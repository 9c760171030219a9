/**
 * Time comes in through a Clock so tests can freeze or move it without patching globals.
 * `now()` is milliseconds since the Unix epoch; `sleep` waits on that clock.
 */
export interface Clock {
  now(): number;
  /**
   * Waits `ms` on this clock. With `signal`, rejects with its reason (see `abortReason`) as soon as
   * it aborts and leaves nothing behind (no timer, no sleeper), so a cancelled wait never hangs.
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The reason a signal was aborted, as an Error to throw (an `AbortError` when the reason is not one). */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(typeof reason === 'string' ? reason : 'The operation was aborted.');
  error.name = 'AbortError';
  return error;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortReason(signal!));
      };
      const timer = setTimeout(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

interface Sleeper {
  until: number;
  resolve: () => void;
}

/**
 * A clock that only moves when told to. `sleep` resolves once `advance` (or `set`) passes its
 * deadline, so code that waits for the next TOTP step can be tested without waiting.
 */
export class ManualClock implements Clock {
  private current: number;
  private sleepers: Sleeper[] = [];

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        // Gone from `waiting` at once: an aborted caller no longer waits on this clock.
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(abortReason(signal!));
      };
      const sleeper: Sleeper = {
        until: this.current + ms,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** How many callers are waiting in `sleep`. */
  get waiting(): number {
    return this.sleepers.length;
  }

  advance(ms: number): void {
    this.set(this.current + ms);
  }

  set(ms: number): void {
    this.current = ms;
    const due = this.sleepers.filter((s) => s.until <= ms);
    this.sleepers = this.sleepers.filter((s) => s.until > ms);
    for (const sleeper of due) sleeper.resolve();
  }
}
