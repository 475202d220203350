// Keyset pagination for the read side (operations, reviews, incidents): the
// zod fields a list query shares, and the opaque cursor. A cursor is the sort
// key of the last row of a page, base64url-encoded JSON tagged with the list it
// belongs to, so a cursor of one list handed to another is refused rather than
// silently misread. Pure functions, no I/O.
import { z } from "zod";
import { AppError } from "./errors";

/**
 * Where a row sits in its list's order: its timestamp as text with the
 * store's full precision (microseconds, UTC, "…T12:00:00.123456Z") and its id
 * as the tie-breaker. A JavaScript Date would drop the microseconds and a
 * page boundary between two rows of the same millisecond would repeat or skip rows.
 */
export interface KeysetPosition {
  at: string;
  id: string;
}

/** A page request as a store port sees it: up to `limit` rows strictly after `after` in the list's order. */
export interface PageRequest {
  after: KeysetPosition | null;
  limit: number;
}

/** A row with its position, so the core can make the next cursor from the last one. */
export interface Keyed<T> {
  item: T;
  position: KeysetPosition;
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export type CursorKind = "operations" | "pending-reviews" | "incidents";

const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function encodeCursor(kind: CursorKind, position: KeysetPosition): string {
  return Buffer.from(JSON.stringify({ k: kind, at: position.at, id: position.id }), "utf8").toString("base64url");
}

/** The position a cursor stands for, or null when it is not a cursor of this list. */
export function decodeCursor(kind: CursorKind, cursor: string): KeysetPosition | null {
  if (cursor.length > 512 || !BASE64URL.test(cursor)) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (typeof decoded !== "object" || decoded === null) return null;
  const { k, at, id } = decoded as Record<string, unknown>;
  if (k !== kind || typeof at !== "string" || typeof id !== "string") return null;
  if (!AT.test(at) || Number.isNaN(Date.parse(at)) || !GUID.test(id)) return null;
  return { at, id: id.toLowerCase() };
}

/** Up to `limit + 1` rows read for a page of `limit`: the first `limit`, and whether the extra row came back (there is more). */
export function splitPage<T>(rows: T[], limit: number): { items: T[]; more: boolean } {
  return { items: rows.slice(0, limit), more: rows.length > limit };
}

/** Turns `limit + 1` rows read from a store into a page: the extra row only says that there is a next page. */
export function pageOf<T>(kind: CursorKind, rows: Keyed<T>[], limit: number): Page<T> {
  const { items, more } = splitPage(rows, limit);
  const last = items.at(-1);
  return { items: items.map((r) => r.item), nextCursor: more && last ? encodeCursor(kind, last.position) : null };
}

// ── zod fields shared by the list queries ──────────────────────────────

/** 1..200, default 50; a URL query parameter arrives as a string. */
export const zLimit = () => z.coerce.number().int().min(1).max(200).default(50);

/** An opaque cursor of `kind`, decoded to its position. */
export const zCursor = (kind: CursorKind) =>
  z
    .string()
    .min(1)
    .max(512)
    .transform((value, ctx) => {
      const position = decodeCursor(kind, value);
      if (!position) {
        ctx.addIssue({ code: "custom", message: "not a cursor of this list (pass back the nextCursor of the previous page unchanged)" });
        return z.NEVER;
      }
      return position;
    });

/**
 * The exclusive bound for an inclusive `until`: responses show timestamps to
 * the millisecond while the store keeps microseconds, so "until 10:05:00.250"
 * must take in a row stored at 10:05:00.250123.
 */
export const endOfMillisecond = (until: Date): Date => new Date(until.getTime() + 1);

/** An ISO-8601 date-time (with Z or an offset), as a Date (to the millisecond). */
export const zIsoDate = () =>
  z.iso
    .datetime({ offset: true })
    .transform((value) => new Date(value));

/**
 * One or more of `values`: an array, or a comma-separated string (how it
 * arrives in a URL query, `?state=FAILED,ROLLED_BACK`). Duplicates are dropped.
 */
export const zOneOrMore = <const T extends readonly [string, ...string[]]>(values: T) => {
  const item = z.enum(values);
  const list = z.array(item).min(1).max(values.length * 2);
  return z
    .union([
      list,
      z
        .string()
        .transform((s) => s.split(",").map((part) => part.trim()).filter((part) => part.length > 0))
        .pipe(list),
    ])
    .transform((items) => [...new Set(items)] as T[number][]);
};

/** A uuid in any version (Postgres accepts them all; ids here are v4 or v7). */
export const zId = () => z.guid();

/** Parses a query, or throws VALIDATION_FAILED naming every field that is wrong (details.issues: [{path, message}]). */
export function parseQuery<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    // An unknown parameter is reported at its own name, like any other field.
    const issues = parsed.error.issues.flatMap((i) =>
      i.code === "unrecognized_keys" ? i.keys.map((key) => ({ path: [...i.path.map(String), key], message: "unknown parameter" })) : [{ path: i.path.map(String), message: i.message }],
    );
    throw new AppError("VALIDATION_FAILED", `Invalid ${what}: ${issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; ")}`, { issues });
  }
  return parsed.data;
}
