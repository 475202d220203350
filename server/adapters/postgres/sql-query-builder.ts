import "server-only";
import type { z } from "zod";
import type { KeysetPosition, PageRequest } from "../../core/pagination";

// The pieces every list query of the read side shares: a WHERE clause built
// from optional filters with numbered parameters, the keyset (cursor)
// condition and order on (timestamp, id), and the LIMIT. The opaque cursor
// itself is encoded and decoded in the core (core/pagination.ts); the store
// only sees its position. Also the reading of json columns the stores share.
// Pure, no I/O.

/** A timestamptz as text with microseconds, UTC: the keyset position of a row (a Date would drop the microseconds). */
export const keyAt = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The sort key of a list: a timestamp column and an id column as the tie-breaker, in one direction. */
export interface Keyset {
  at: string;
  id: string;
  order: "ASC" | "DESC";
}

/**
 * Conditions joined with AND, and the parameters they bind. Each `?` in a
 * clause is replaced, in order, with the next parameter number ($1, $2, …).
 */
export class SqlQuery {
  readonly params: unknown[];
  private readonly conditions: string[] = [];

  constructor(params: unknown[] = []) {
    this.params = [...params];
  }

  /** Binds `value` and returns its placeholder ($n). */
  bind(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** Adds a condition; each `?` in it binds the next of `values`. */
  where(clause: string, ...values: unknown[]): this {
    let text = clause;
    for (const value of values) text = text.replace("?", this.bind(value));
    this.conditions.push(text);
    return this;
  }

  /** Adds the keyset condition: rows strictly after `after` in the keyset's order (nothing on the first page). */
  after(keyset: Keyset, after: KeysetPosition | null): this {
    if (after) this.where(`(${keyset.at}, ${keyset.id}) ${keyset.order === "DESC" ? "<" : ">"} (?::timestamptz, ?::uuid)`, after.at, after.id);
    return this;
  }

  /** "WHERE a AND b", or "" when there is no condition. */
  whereClause(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(" AND ")}` : "";
  }

  /** Binds the row limit and returns "LIMIT $n". */
  limit(rows: number): string {
    return `LIMIT ${this.bind(rows)}`;
  }

  /**
   * A keyset page: the condition after the page's position, then the tail of
   * the statement (ORDER BY on the keyset, LIMIT). Call it after the filters
   * and before `whereClause()`.
   */
  page(keyset: Keyset, page: PageRequest): string {
    this.after(keyset, page.after);
    return `${orderBy(keyset)} ${this.limit(page.limit)}`;
  }
}

/** "ORDER BY at DESC, id DESC" (or ASC) for a keyset. */
export const orderBy = (keyset: Keyset) => `ORDER BY ${keyset.at} ${keyset.order}, ${keyset.id} ${keyset.order}`;

/**
 * A json/jsonb column's value, as the shape its writer stored. Drivers
 * differ: pg parses jsonb, Prisma's raw path may hand back text.
 */
export const json = <T = unknown,>(value: unknown): T => (typeof value === "string" ? JSON.parse(value) : value) as T;

/** A json/jsonb column's value checked against `schema`; a value that does not read as one is an error naming `what`. */
export function parseJson<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(json(value));
  if (!parsed.success) throw new Error(`${what} does not read as stored: ${parsed.error.issues.map((i) => `${i.path.join(".") || "value"}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/** The keyset position of a row read with `<prefix>key_at` (from keyAt) and `<prefix>id`. */
export const positionOf = (row: Record<string, unknown>, prefix = ""): KeysetPosition => ({ at: row[prefix + "key_at"] as string, id: row[prefix + "id"] as string });
