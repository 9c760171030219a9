/** Times are stored as milliseconds since the epoch and handed out as Dates. */
export function toDate(ms: number): Date {
  return new Date(Number(ms));
}

export function toOptionalDate(ms: number | null): Date | undefined {
  return ms === null ? undefined : new Date(Number(ms));
}

export function toMs(date: Date | undefined): number | null {
  return date === undefined ? null : date.getTime();
}

export function toOptional<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}
