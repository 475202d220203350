// Decisions take `now` as an argument; whatever needs the current time asks a Clock,
// so tests and the demo's time scale can drive time without touching Date.
export interface Clock {
  now(): Date;
  /** Microseconds since the epoch, for records that keep microseconds (the audit log). */
  nowMicros(): bigint;
}

export const systemClock: Clock = {
  now: () => new Date(),
  // performance.now() has sub-millisecond resolution; Date.now() does not.
  nowMicros: () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)),
};

/** A clock that only moves when told to: for tests of time-dependent decisions. */
export class ManualClock implements Clock {
  private current: Date;

  constructor(start: Date | string = "2026-01-01T00:00:00.000Z") {
    this.current = new Date(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  nowMicros(): bigint {
    return BigInt(this.current.getTime()) * 1000n;
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }

  set(at: Date): void {
    this.current = new Date(at);
  }
}
