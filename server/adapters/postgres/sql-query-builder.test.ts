import { describe, expect, it } from "vitest";
import { z } from "zod";
import { pageOf, splitPage } from "../../core/pagination";
import { json, keyAt, orderBy, parseJson, positionOf, SqlQuery, type Keyset } from "./sql-query-builder";

const NEWEST_FIRST: Keyset = { at: "o.created_at", id: "o.id", order: "DESC" };
const OLDEST_FIRST: Keyset = { at: "r.created_at", id: "r.id", order: "ASC" };
const AFTER = { at: "2026-01-02T03:04:05.123456Z", id: "0190a000-0000-7000-8000-000000000001" };

describe("SqlQuery", () => {
  it("numbers each ? in the order values are bound, across conditions", () => {
    const q = new SqlQuery().where(`a = ?`, 1).where(`b IS NULL`).where(`(c, d) < (?, ?)`, "x", "y");
    expect(q.whereClause()).toBe(`WHERE a = $1 AND b IS NULL AND (c, d) < ($2, $3)`);
    expect(q.params).toEqual([1, "x", "y"]);
  });

  it("has no WHERE without conditions, and continues after parameters it was given", () => {
    expect(new SqlQuery().whereClause()).toBe("");
    const q = new SqlQuery(["first"]);
    expect(q.where(`a = ?`, 2).whereClause()).toBe(`WHERE a = $2`);
    expect(q.limit(10)).toBe(`LIMIT $3`);
    expect(q.params).toEqual(["first", 2, 10]);
  });

  it("binds an array as one parameter", () => {
    const q = new SqlQuery().where(`s = ANY(?::text[])`, ["A", "B"]);
    expect(q.params).toEqual([["A", "B"]]);
    expect(q.whereClause()).toBe(`WHERE s = ANY($1::text[])`);
  });

  it("makes a first page: the filters, the keyset order and the limit", () => {
    const q = new SqlQuery().where(`s.name = ?`, "checkout");
    const tail = q.page(NEWEST_FIRST, { after: null, limit: 51 });
    expect(`${q.whereClause()} ${tail}`).toBe(`WHERE s.name = $1 ORDER BY o.created_at DESC, o.id DESC LIMIT $2`);
    expect(q.params).toEqual(["checkout", 51]);
  });

  it("makes a next page strictly after the cursor's position, in the keyset's direction", () => {
    const desc = new SqlQuery();
    const descTail = desc.page(NEWEST_FIRST, { after: AFTER, limit: 11 });
    expect(`${desc.whereClause()} ${descTail}`).toBe(`WHERE (o.created_at, o.id) < ($1::timestamptz, $2::uuid) ORDER BY o.created_at DESC, o.id DESC LIMIT $3`);
    expect(desc.params).toEqual([AFTER.at, AFTER.id, 11]);

    const asc = new SqlQuery().where(`r.status = 'PENDING'`);
    const ascTail = asc.page(OLDEST_FIRST, { after: AFTER, limit: 3 });
    expect(`${asc.whereClause()} ${ascTail}`).toBe(`WHERE r.status = 'PENDING' AND (r.created_at, r.id) > ($1::timestamptz, $2::uuid) ORDER BY r.created_at ASC, r.id ASC LIMIT $3`);
  });

  it("orders by the keyset", () => {
    expect(orderBy(OLDEST_FIRST)).toBe(`ORDER BY r.created_at ASC, r.id ASC`);
  });
});

describe("keyset positions", () => {
  it("reads a timestamp as UTC text with microseconds", () => {
    expect(keyAt("e.at")).toBe(`to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);
  });

  it("takes a row's position from key_at and id, under a prefix", () => {
    expect(positionOf({ key_at: AFTER.at, id: AFTER.id })).toEqual(AFTER);
    expect(positionOf({ r_key_at: AFTER.at, r_id: AFTER.id, key_at: "other" }, "r_")).toEqual(AFTER);
  });

  it("turns limit + 1 rows into a page whose cursor is the last row's position", () => {
    const rows = ["a", "b", "c"].map((item, n) => ({ item, position: { ...AFTER, id: AFTER.id.replace(/1$/, String(n)) } }));
    expect(splitPage(rows, 2)).toEqual({ items: rows.slice(0, 2), more: true });
    expect(splitPage(rows, 3)).toEqual({ items: rows, more: false });
    const page = pageOf("operations", rows, 2);
    expect(page.items).toEqual(["a", "b"]);
    expect(JSON.parse(Buffer.from(page.nextCursor!, "base64url").toString("utf8"))).toEqual({ k: "operations", at: AFTER.at, id: rows[1]!.position.id });
    expect(pageOf("operations", rows, 3).nextCursor).toBeNull();
  });
});

describe("json columns", () => {
  it("reads parsed values and text alike", () => {
    expect(json({ a: 1 })).toEqual({ a: 1 });
    expect(json(`{"a":1}`)).toEqual({ a: 1 });
    expect(json(null)).toBeNull();
  });

  it("checks a column against a schema, naming what did not read", () => {
    const schema = z.object({ n: z.number() });
    expect(parseJson(schema, `{"n":2}`, "the thing")).toEqual({ n: 2 });
    expect(() => parseJson(schema, { n: "two" }, "the thing")).toThrow(/^the thing does not read as stored: n: /);
  });
});
