// A property-based fuzz of the whole API, driven by its own OpenAPI document:
// 5,000 generated requests (well-formed, half-formed and malformed: wrong
// types, unknown fields, bad ids, bad pagination, broken JSON, oversized and
// non-JSON bodies, every role and none). Whatever comes in, the answer is never
// a 5xx, every 4xx carries the structured error body, and afterwards the audit
// chain still verifies. FUZZ_SEED replays a run; FUZZ_RUNS changes its length.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZErrorBody } from "@/lib/api/common";
import { ROLES, type Role } from "../../core/identity/roles";
import { startApiHarness, type ApiHarness } from "../../testing/api";

type Schema = { $ref?: string; type?: string | string[]; enum?: unknown[]; const?: unknown; format?: string; properties?: Record<string, Schema>; required?: string[]; items?: Schema; anyOf?: Schema[]; oneOf?: Schema[]; minimum?: number; maximum?: number; minLength?: number; maxLength?: number; pattern?: string; additionalProperties?: unknown };
type Parameter = { name: string; in: "path" | "query" | "header"; required?: boolean; schema: Schema };
type Operation = { operationId: string; parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } };
interface Target {
  method: string;
  path: string;
  op: Operation;
}

const RUNS = Number(process.env.FUZZ_RUNS ?? 5_000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2_147_483_647;

let api: ApiHarness;
let doc: { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };
let knownIds: string[] = [];

beforeAll(async () => {
  api = await startApiHarness("fuzz");
  doc = (await (await api.fetch("/api/v1/openapi.json")).json()) as typeof doc;
  // Real ids give the generator a chance to reach past "not found".
  const admin = await api.as("ADMIN");
  const json = { ...admin, "content-type": "application/json" };
  for (const service of ["payment-service", "order-service", "search-service"]) {
    const submitted = await api.fetch("/api/v1/operations", { method: "POST", headers: json, body: JSON.stringify({ type: "DEPLOYMENT", service, params: { version: "v2" } }) });
    if (submitted.ok) knownIds.push(((await submitted.json()) as { operation: { id: string } }).operation.id);
  }
  const token = await api.fetch("/api/v1/tokens", { method: "POST", headers: json, body: JSON.stringify({ name: "fuzz-known", role: "VIEWER" }) });
  knownIds.push(((await token.json()) as { record: { id: string } }).record.id);
}, 120_000);

afterAll(async () => {
  await api?.close();
});

function resolve(schema: Schema): Schema {
  if (schema.$ref) return resolve(doc.components!.schemas![schema.$ref.split("/").pop()!]!);
  return schema;
}

const junk = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 2 }));

/** Values that fit the schema most of the time and miss it sometimes (that is the point). */
function valueFor(raw: Schema, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(raw);
  const options: fc.Arbitrary<unknown>[] = [];
  if (schema.enum) options.push(fc.constantFrom(...schema.enum));
  if (schema.const !== undefined) options.push(fc.constant(schema.const));
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) options.push(fc.oneof(...alternatives.map((s) => valueFor(s, depth + 1))));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  for (const type of types) {
    if (type === "string") {
      if (schema.format === "uuid") options.push(fc.oneof(fc.uuid(), fc.constantFrom(...(knownIds.length ? knownIds : ["x"]))));
      else if (schema.format === "date-time") options.push(fc.date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }).map((d) => d.toISOString()));
      else if (schema.format === "email") options.push(fc.emailAddress());
      else options.push(fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 30, 30) }), fc.constantFrom("payment-service", "order-service", "DEPLOYMENT", "SERVICE", "VIEWER"));
    } else if (type === "integer") options.push(fc.integer({ min: schema.minimum ?? -5, max: Math.min(schema.maximum ?? 1_000, 1_000) }));
    else if (type === "number") options.push(fc.double({ min: schema.minimum ?? -5, max: schema.maximum ?? 1_000, noNaN: true }));
    else if (type === "boolean") options.push(fc.boolean());
    else if (type === "null") options.push(fc.constant(null));
    else if (type === "array") options.push(depth > 3 ? fc.constant([]) : fc.array(valueFor(schema.items ?? {}, depth + 1), { maxLength: 3 }));
    else if (type === "object") options.push(depth > 3 ? fc.constant({}) : objectFor(schema, depth + 1));
  }
  if (options.length === 0) options.push(junk);
  return fc.oneof({ arbitrary: fc.oneof(...options), weight: 5 }, { arbitrary: junk, weight: 1 });
}

function objectFor(schema: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const props = schema.properties ?? {};
  const record = fc.record(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, valueFor(s, depth)])), { requiredKeys: [] });
  return fc.tuple(record, fc.option(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), junk, { maxKeys: 2 }), { freq: 4 })).map(([known, extra]) => ({ ...known, ...(extra ?? {}) }));
}

/**
 * Every operation of the document but starting a demo run: a scenario it
 * starts really runs, against the estate the fuzz has just changed (its TIMING
 * windows are real minutes when a generated deploy landed next door), and the
 * audit check at the end would wait for it. server/http/api/demo-api.integration.test.ts
 * covers that route, refusals included.
 */
function targets(): Target[] {
  return Object.entries(doc.paths)
    .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path, op })))
    .filter((t) => t.op.operationId !== "startDemoRun");
}

interface Generated {
  target: Target;
  role: Role | null;
  pathParams: Record<string, string>;
  query: [string, string][];
  body: { kind: "json"; value: unknown } | { kind: "text"; text: string; contentType: string } | { kind: "none" };
}

function requestFor(target: Target): fc.Arbitrary<Generated> {
  const params = target.op.parameters ?? [];
  const pathParams = fc.record(Object.fromEntries(params.filter((p) => p.in === "path").map((p) => [p.name, fc.oneof(valueFor(p.schema).map((v) => (typeof v === "string" ? v : (JSON.stringify(v) ?? "null"))), fc.string({ maxLength: 12 }))])));
  const queryParams = params.filter((p) => p.in === "query");
  const query = fc
    .tuple(
      fc.subarray(queryParams),
      // Now and then an unknown parameter, or a known one given twice.
      fc.option(fc.oneof(fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 8 })), fc.constantFrom(...(queryParams.length ? queryParams.map((p) => [p.name, "1"] as [string, string]) : [["zzz", "1"] as [string, string]]))), { freq: 6 }),
    )
    .chain(([chosen, extra]) =>
      fc.tuple(...chosen.map((p) => valueFor(p.schema).map((v) => [p.name, typeof v === "string" ? v : JSON.stringify(v)] as [string, string]))).map((pairs) => [...pairs, ...(extra ? [extra] : [])]),
    );
  const bodySchema = target.op.requestBody?.content["application/json"]?.schema;
  const body: fc.Arbitrary<Generated["body"]> = fc.oneof(
    { arbitrary: bodySchema ? valueFor(bodySchema).map((value) => ({ kind: "json" as const, value })) : fc.constant({ kind: "none" as const }), weight: 6 },
    { arbitrary: fc.jsonValue({ maxDepth: 2 }).map((value) => ({ kind: "json" as const, value })), weight: 1 },
    { arbitrary: fc.constantFrom("{", "{\"a\":", "[1,2", "nul", "\u0000", "{}}").map((text) => ({ kind: "text" as const, text, contentType: "application/json" })), weight: 1 },
    { arbitrary: fc.string({ maxLength: 20 }).map((text) => ({ kind: "text" as const, text, contentType: "text/plain" })), weight: 1 },
    { arbitrary: fc.constant({ kind: "text" as const, text: JSON.stringify({ padding: "x".repeat(70_000) }), contentType: "application/json" }), weight: 1 },
    { arbitrary: fc.constant({ kind: "none" as const }), weight: 1 },
  );
  const role = fc.oneof({ arbitrary: fc.constantFrom<Role>(...ROLES), weight: 8 }, { arbitrary: fc.constant(null), weight: 1 });
  return fc.record({ target: fc.constant(target), role, pathParams, query, body });
}

describe("the API under 5,000 generated requests", () => {
  it("never answers 5xx, always gives 4xx the error body, and leaves a valid audit chain", async () => {
    const all = targets();
    expect(all.length).toBeGreaterThan(15);
    const statuses = new Map<number, number>();
    const byOperation = new Map<string, number>();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...all).chain(requestFor), async (g) => {
        runs++;
        const path = g.target.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(g.pathParams[name] ?? "x"));
        const search = new URLSearchParams(g.query).toString();
        const headers: Record<string, string> = g.role ? { ...(await api.as(g.role)) } : {};
        let body: string | undefined;
        if (g.body.kind === "json") {
          headers["content-type"] = "application/json";
          body = JSON.stringify(g.body.value) ?? "null";
        } else if (g.body.kind === "text") {
          headers["content-type"] = g.body.contentType;
          body = g.body.text;
        }
        const method = g.target.method;
        const response = await api.fetch(`${path}${search ? `?${search}` : ""}`, { method, headers, body: method === "GET" ? undefined : body });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        byOperation.set(g.target.op.operationId, (byOperation.get(g.target.op.operationId) ?? 0) + 1);
        // The live stream never ends on its own: seeing it open is the answer.
        if (response.headers.get("content-type")?.startsWith("text/event-stream")) {
          await response.body?.cancel();
          return;
        }
        const text = await response.text();
        if (response.status >= 500) throw new Error(`${method} ${path}?${search} → ${response.status}: ${text.slice(0, 500)}`);
        if (response.status >= 400) {
          const parsed = ZErrorBody.safeParse(JSON.parse(text));
          if (!parsed.success) throw new Error(`${method} ${path} → ${response.status} without the error body: ${text.slice(0, 300)}`);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    console.log(`fuzz seed ${SEED}: ${runs} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}; per operation ${JSON.stringify(Object.fromEntries(byOperation))}`);
    expect(runs).toBeGreaterThanOrEqual(RUNS);
    // Successful calls were generated too, not only refusals.
    expect([...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0)).toBeGreaterThan(RUNS / 20);

    await api.container.audit.log.settle();
    const verify = await api.fetch("/api/v1/audit/verify", { method: "POST", headers: await api.as("VIEWER") });
    expect(verify.status).toBe(200);
    expect(await verify.json()).toMatchObject({ valid: true, firstBadSeq: null });
  }, 900_000);
});
