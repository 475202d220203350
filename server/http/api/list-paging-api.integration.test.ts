// The keyset-paged lists end to end: thousands of rows written straight to the
// store (one multi-row INSERT each, with controlled times and ties), then read
// through the real route handlers page by page with nextCursor, and filtered
// by since/until. Each query parameter is parsed once, by the endpoint: a
// parsed cursor or date handed to a second parse was refused (422) before.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZIncidentPage } from "@/lib/api/incidents";
import { ZOperationPage, ZPendingReviewPage } from "@/lib/api/operations";
import { startApiHarness, type ApiHarness } from "../../testing/api";

let api: ApiHarness;

beforeAll(async () => {
  api = await startApiHarness("list_paging_api");
});
afterAll(async () => {
  await api?.close();
});

async function get(path: string, query: Record<string, string | number> = {}) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  const response = await api.fetch(qs ? `${path}?${qs}` : path, { headers: await api.as("VIEWER") });
  const json = (await response.json()) as any;
  if (response.status !== 200) throw new Error(`${path}?${qs} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Every page of a list, following nextCursor; the ids in the order they came. */
async function pageThrough(path: string, query: Record<string, string | number>, parse: (json: unknown) => { items: { id: string }[]; nextCursor: string | null }) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = parse(await get(path, { ...query, ...(cursor ? { cursor } : {}) }));
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
    pages++;
    if (pages > 10_000) throw new Error("no end to the pages");
  } while (cursor);
  return { ids, pages };
}

// Row g (1..N) is at BASE + floor(g/2) s + 123456 µs: two rows share each
// microsecond timestamp (the id breaks the tie), and no timestamp is on a millisecond.
const BASE = "2025-01-01T00:00:00Z";
const at = (seconds: number, ms = 0) => new Date(Date.parse(BASE) + seconds * 1000 + ms).toISOString();

describe("GET /api/v1/operations", () => {
  const N = 1000;
  let expected: string[];

  beforeAll(async () => {
    await api.container.db.query(
      `INSERT INTO operations (id, type, service_id, actor, actor_kind, correlation_id, params_hash, params, state, result, created_at, updated_at, started_at, finished_at)
       SELECT gen_random_uuid(), 'DEPLOYMENT', s.id, 'bulk@example.com', 'AUTOMATION', 'bulk-' || g, md5(g::text), jsonb_build_object('version', g::text), 'COMPLETED', 'SUCCESS',
              t, t, t, t
         FROM generate_series(1, $2::int) g
        CROSS JOIN LATERAL (SELECT $1::timestamptz + (g / 2) * interval '1 second' + interval '123456 microseconds' AS t) times
         JOIN services s ON s.name = 'payment-service'`,
      [BASE, N],
    );
    const rows = await api.container.db.query<{ id: string }>(`SELECT id::text AS id FROM operations WHERE actor = 'bulk@example.com' ORDER BY created_at DESC, id DESC`);
    expected = rows.map((r) => r.id);
    expect(expected).toHaveLength(N);
  });

  it.each([[1], [7], [50], [200]])("pages through all %i at a time by nextCursor: every operation once, newest first", async (limit) => {
    const { ids, pages } = await pageThrough("/api/v1/operations", { limit, actor: "bulk@example.com" }, (json) => ZOperationPage.parse(json));
    expect(ids).toEqual(expected);
    expect(new Set(ids).size).toBe(N);
    expect(pages).toBe(Math.ceil(N / limit));
  });

  it("filters by since and until, both inclusive to the millisecond, with Z or an offset", async () => {
    const count = async (query: Record<string, string>) => (await pageThrough("/api/v1/operations", { limit: 200, actor: "bulk@example.com", ...query }, (json) => ZOperationPage.parse(json))).ids;
    // since 100 s: rows with floor(g/2) >= 100, g = 200..1000.
    expect(await count({ since: at(100) })).toHaveLength(801);
    // until 200.123 s takes in the rows stored at 200.123456 s: g = 1..401.
    expect(await count({ until: at(200, 123) })).toHaveLength(401);
    expect(await count({ until: at(200, 122) })).toHaveLength(399);
    const both = await count({ since: "2025-01-01T02:01:40+02:00", until: at(200, 123) });
    expect(both).toHaveLength(202);
    expect(both).toEqual(expected.filter((id) => both.includes(id)));
    expect(await count({ since: at(600), until: at(700) })).toHaveLength(0);
  });

  it("keeps the filters across pages", async () => {
    const { ids } = await pageThrough("/api/v1/operations", { limit: 9, actor: "bulk@example.com", since: at(100), until: at(200, 123) }, (json) => ZOperationPage.parse(json));
    expect(ids).toHaveLength(202);
    expect(new Set(ids).size).toBe(202);
  });

  it("still refuses a cursor of another list and since after until, naming the query parameter", async () => {
    const reviewsCursor = Buffer.from(JSON.stringify({ k: "pending-reviews", at: "2025-01-01T00:00:00.123456Z", id: expected[0] })).toString("base64url");
    const wrong = await api.fetch(`/api/v1/operations?cursor=${reviewsCursor}`, { headers: await api.as("VIEWER") });
    expect(wrong.status).toBe(422);
    expect(((await wrong.json()) as any).error.details.issues[0]).toMatchObject({ path: ["query", "cursor"] });
    const backwards = await api.fetch(`/api/v1/operations?since=${at(200)}&until=${at(100)}`, { headers: await api.as("VIEWER") });
    expect(backwards.status).toBe(422);
    expect(((await backwards.json()) as any).error.details.issues[0]).toMatchObject({ path: ["query", "since"] });
  });
});

describe("GET /api/v1/incidents", () => {
  const N = 300;
  let expected: string[];

  beforeAll(async () => {
    await api.container.db.query(
      `INSERT INTO incidents (id, key, service_id, title, status, severity, correlation_id, source, detected_at)
       SELECT gen_random_uuid(), 'INC-BULK-' || g, s.id, 'bulk incident ' || g, 'OPEN', 'ERROR', 'bulk-incident-' || g, 'API',
              $1::timestamptz + (g / 2) * interval '1 second' + interval '123456 microseconds'
         FROM generate_series(1, $2::int) g JOIN services s ON s.name = 'order-service'`,
      [BASE, N],
    );
    const rows = await api.container.db.query<{ id: string }>(`SELECT id::text AS id FROM incidents WHERE key LIKE 'INC-BULK-%' ORDER BY detected_at DESC, id DESC`);
    expected = rows.map((r) => r.id);
    expect(expected).toHaveLength(N);
  });

  it("pages through every incident once, most recently detected first", async () => {
    for (const limit of [1, 13, 200]) {
      const { ids } = await pageThrough("/api/v1/incidents", { limit, service: "order-service" }, (json) => ZIncidentPage.parse(json));
      expect(ids).toEqual(expected);
    }
  });

  it("filters by since and until", async () => {
    const ids = async (query: Record<string, string>) => (await pageThrough("/api/v1/incidents", { limit: 17, service: "order-service", ...query }, (json) => ZIncidentPage.parse(json))).ids;
    expect(await ids({ since: at(50) })).toHaveLength(N - 99); // g = 100..300
    expect(await ids({ until: at(50, 123) })).toHaveLength(101); // g = 1..101
    expect(await ids({ since: at(50), until: at(60, 123) })).toHaveLength(22); // g = 100..121
  });
});

describe("GET /api/v1/reviews", () => {
  const N = 120;
  let expected: string[];

  beforeAll(async () => {
    // Paused operations with a pending review each; nothing takes them up (no approval, no control request, no deadline).
    await api.container.db.query(
      `WITH ops AS (
         INSERT INTO operations (id, type, service_id, actor, actor_kind, correlation_id, params_hash, params, state, result, created_at, updated_at)
         SELECT gen_random_uuid(), 'CONFIG_CHANGE', s.id, 'queue@example.com', 'HUMAN', 'queue-' || g, md5('queue' || g), jsonb_build_object('n', g), 'PAUSED_FOR_HUMAN_REVIEW', 'PAUSED_FOR_REVIEW', $1::timestamptz, $1::timestamptz
           FROM generate_series(1, $2::int) g JOIN services s ON s.name = 'pricing-service'
         RETURNING id, (params->>'n')::int AS g)
       INSERT INTO reviews (id, operation_id, status, requested_by, reason, severity, evidence, evidence_hash, created_at)
       SELECT gen_random_uuid(), ops.id, 'PENDING', 'queue@example.com', 'bulk review ' || ops.g, 'MEDIUM', '{}'::jsonb, encode(sha256(ops.g::text::bytea), 'hex'),
              $1::timestamptz + (ops.g / 2) * interval '1 second' + interval '123456 microseconds'
         FROM ops`,
      [BASE, N],
    );
    const rows = await api.container.db.query<{ id: string }>(`SELECT id::text AS id FROM reviews WHERE status = 'PENDING' ORDER BY created_at ASC, id ASC`);
    expected = rows.map((r) => r.id);
    expect(expected).toHaveLength(N);
  });

  it("pages through the whole queue once, oldest first", async () => {
    for (const limit of [1, 11, 200]) {
      const { ids } = await pageThrough("/api/v1/reviews", { limit }, (json) => ZPendingReviewPage.parse(json));
      expect(ids).toEqual(expected);
    }
  });
});

describe("the other list queries", () => {
  it("audit events filter by from and to and page by beforeSeq", async () => {
    await api.container.audit.log.settle();
    const first = await get("/api/v1/audit/events", { limit: 5, from: "2000-01-01T00:00:00Z", to: "2100-01-01T00:00:00+01:00" });
    expect(first.events.length).toBeGreaterThan(0);
    if (first.nextBeforeSeq !== null) {
      const next = await get("/api/v1/audit/events", { limit: 5, beforeSeq: first.nextBeforeSeq });
      expect(next.events.every((e: { seq: number }) => e.seq < first.nextBeforeSeq)).toBe(true);
    }
  });

  it("KPIs take their window and includeDemo", async () => {
    const report = await get("/api/v1/kpis", { window: "7d", includeDemo: "true" });
    expect(report).toMatchObject({ window: "7d", includeDemo: true });
  });
});
