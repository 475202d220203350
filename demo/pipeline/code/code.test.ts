// Code localization and patch generation (docs/demo.md#what-is-real-and-what-is-simulated)
// on the demo's sample services and on small sources built here for the edge cases.
import fs from "node:fs";
import path from "node:path";
import { applyPatch, parsePatch } from "diff";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../server/core/errors";
import type { CodeLocation, ErrorPattern } from "../types";
import { checkSyntax, generatePatch, scaledPoolSize, scaledTimeoutMs } from "./generate-patch";
import { localizeCode } from "./localize-code";

const root = path.resolve(import.meta.dirname, "../../..");

interface Sample {
  service: string;
  file: string;
  fn: string;
  pattern: ErrorPattern;
  property?: string;
  /** A piece of the line the fault is on. */
  lineHas: string;
  expression: string;
}

const SAMPLES: Sample[] = [
  { service: "payment-service", file: "src/payment-processor.ts", fn: "processPayment", pattern: "NULL_POINTER_EXCEPTION", property: "email", lineHas: "await sendReceipt(user.email", expression: "user.email" },
  { service: "user-service", file: "src/profile-service.ts", fn: "buildProfileSummary", pattern: "NULL_POINTER_EXCEPTION", lineHas: "const displayName = account.profile.displayName", expression: "account.profile.displayName" },
  { service: "fulfillment-service", file: "src/inventory-client.ts", fn: "reserveStock", pattern: "UPSTREAM_TIMEOUT", lineHas: "export const INVENTORY_TIMEOUT_MS = 800;", expression: "INVENTORY_TIMEOUT_MS = 800" },
  { service: "payment-service", file: "src/db-pool.ts", fn: "getConnection", pattern: "CONNECTION_POOL_EXHAUSTED", lineHas: "createPool({ max: 10", expression: "max: 10" },
  { service: "inventory-service", file: "src/warehouse-client.ts", fn: "fetchStockLevel", pattern: "TRANSIENT_NETWORK_ERROR", lineHas: "await transport.get(path)", expression: "transport.get(path)" },
];

const TEMPLATES = { NULL_POINTER_EXCEPTION: "add_null_check", UPSTREAM_TIMEOUT: "increase_timeout", CONNECTION_POOL_EXHAUSTED: "increase_pool_size", TRANSIENT_NETWORK_ERROR: "add_retry" } as const;

function read(sample: Sample): string {
  return fs.readFileSync(path.join(root, "demo/services", sample.service, sample.file), "utf8");
}

function lineContaining(source: string, text: string): number {
  const index = source.split("\n").findIndex((l) => l.includes(text));
  expect(index, `no line contains ${text}`).toBeGreaterThanOrEqual(0);
  return index + 1;
}

function locate(sample: Sample, source = read(sample)): CodeLocation {
  return localizeCode({ file: sample.file, source, frame: { file: sample.file, function: sample.fn }, pattern: sample.pattern, property: sample.property });
}

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error("expected an AppError, nothing was thrown");
}

function at(source: string, fn: string, pattern: ErrorPattern, property?: string, line?: number): CodeLocation {
  return localizeCode({ file: "src/x.ts", source, frame: { file: "src/x.ts", function: fn, line }, pattern, property });
}

describe("localizeCode on the sample services", () => {
  for (const sample of SAMPLES) {
    it(`${sample.service}/${sample.file}: ${sample.pattern} → ${sample.expression}`, () => {
      const source = read(sample);
      const location = locate(sample);
      const line = lineContaining(source, sample.lineHas);
      expect(location).toMatchObject({ file: sample.file, function: sample.fn, line, expression: sample.expression, template: TEMPLATES[sample.pattern as keyof typeof TEMPLATES] });
      expect(location.finding).toContain(sample.expression);
      // ±3 numbered lines around the fault, the fault's own line included and correct.
      expect(location.snippet.map((s) => s.line)).toEqual([line - 3, line - 2, line - 1, line, line + 1, line + 2, line + 3]);
      expect(location.snippet.find((s) => s.line === line)?.text).toContain(sample.lineHas);
    });
  }

  it("explains where the nullable value comes from", () => {
    const location = locate(SAMPLES[0]!);
    expect(location.finding).toMatch(/`user` is assigned from `request.user` at line \d+/);
  });

  it("finds nothing left to fix once the patch is applied", () => {
    for (const sample of [SAMPLES[0]!, SAMPLES[1]!, SAMPLES[4]!]) {
      const patched = generatePatch({ file: sample.file, source: read(sample), location: locate(sample) }).patchedSource;
      expect(errorOf(() => locate(sample, patched)).code, sample.service).toBe("NOT_FOUND");
    }
  });
});

describe("localizeCode refusals", () => {
  it("refuses with NOT_FOUND for a function the file does not have", () => {
    const sample = SAMPLES[0]!;
    const error = errorOf(() => localizeCode({ file: sample.file, source: read(sample), frame: { file: sample.file, function: "refundPayment" }, pattern: "NULL_POINTER_EXCEPTION" }));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain("refundPayment");
    expect(error.message).toContain(sample.file);
  });

  it("refuses with NOT_FOUND for the UNKNOWN pattern", () => {
    const sample = SAMPLES[0]!;
    const error = errorOf(() => localizeCode({ file: sample.file, source: read(sample), frame: { file: sample.file, function: sample.fn }, pattern: "UNKNOWN" }));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.message).toContain("UNKNOWN");
  });

  it("refuses when the pattern's target is not in the function", () => {
    const pool = SAMPLES[3]!;
    // getConnection awaits nothing and has no timeout of its own.
    expect(errorOf(() => localizeCode({ file: pool.file, source: read(pool), frame: { file: pool.file, function: "getConnection" }, pattern: "TRANSIENT_NETWORK_ERROR" })).code).toBe("NOT_FOUND");
    expect(errorOf(() => at("export function f(n: number) { return n * 2; }", "f", "UPSTREAM_TIMEOUT")).code).toBe("NOT_FOUND");
  });
});

describe("localizeCode: null accesses", () => {
  const twoAccesses = [
    "export async function notify(req: { user: { name: string; email: string } }) {",
    "  const user = req.user;",
    "  const name = user.name;",
    "  await send(user.email, name);",
    "}",
    "declare function send(to: string, name: string): Promise<void>;",
  ].join("\n");

  it("takes the first unguarded access, or the one of the named property, or the one on the frame's line", () => {
    expect(at(twoAccesses, "notify", "NULL_POINTER_EXCEPTION")).toMatchObject({ line: 3, expression: "user.name" });
    expect(at(twoAccesses, "notify", "NULL_POINTER_EXCEPTION", "email")).toMatchObject({ line: 4, expression: "user.email" });
    expect(at(twoAccesses, "notify", "NULL_POINTER_EXCEPTION", undefined, 4)).toMatchObject({ line: 4, expression: "user.email" });
  });

  it.each([
    ["an early return", "  if (!user) return;\n  send(user.email);"],
    ["an early throw on == null", "  if (user == null) {\n    throw new Error('no user');\n  }\n  send(user.email);"],
    ["optional chaining", "  send(user?.email ?? '');"],
    ["a && guard", "  send(user && user.email);"],
    ["an enclosing if", "  if (user !== undefined) {\n    send(user.email);\n  }"],
    ["a conditional", "  send(user ? user.email : '');"],
  ])("recognizes %s as a guard", (_name, body) => {
    const source = `export function f(req: any) {\n  const user = req.user;\n${body}\n}\ndeclare function send(x: unknown): void;\n`;
    expect(errorOf(() => at(source, "f", "NULL_POINTER_EXCEPTION")).code).toBe("NOT_FOUND");
  });

  it("does not mistake a non-exiting check for a guard", () => {
    const source = "export function f(req: any) {\n  const user = req.user;\n  if (!user) console.log('none');\n  return user.email;\n}\n";
    expect(at(source, "f", "NULL_POINTER_EXCEPTION")).toMatchObject({ line: 4, expression: "user.email" });
  });

  it("finds methods, const arrow functions and Class.method frames, and nullable parameters", () => {
    const source = [
      "export class Mailer {",
      "  deliver(to?: { address: string }) {",
      "    return to.address;",
      "  }",
      "}",
      "export const lookup = (items: { id: string }[], id: string) => {",
      "  const item = items.find((i) => i.id === id);",
      "  return item.id;",
      "};",
    ].join("\n");
    expect(at(source, "Mailer.deliver", "NULL_POINTER_EXCEPTION")).toMatchObject({ line: 3, expression: "to.address" });
    expect(at(source, "lookup", "NULL_POINTER_EXCEPTION")).toMatchObject({ line: 8, expression: "item.id" });
  });
});

describe("localizeCode: settings and calls", () => {
  it("finds a timeout written inline, or read from a config object", () => {
    const inline = "export async function f(call: (o: { timeoutMs: number }) => Promise<void>) {\n  await call({ retries: 1, timeoutMs: 800 });\n}\n";
    expect(at(inline, "f", "UPSTREAM_TIMEOUT")).toMatchObject({ line: 2, expression: "timeoutMs: 800" });
    const config = "const config = {\n  url: 'http://x',\n  requestTimeout: 1_500,\n};\nexport async function f() {\n  return fetch(config.url, { signal: AbortSignal.timeout(config.requestTimeout) });\n}\n";
    expect(at(config, "f", "UPSTREAM_TIMEOUT")).toMatchObject({ line: 3, expression: "requestTimeout: 1_500" });
  });

  it("prefers the network call among several awaits, and skips retried ones", () => {
    const source = [
      "export async function f(cache: { read(k: string): Promise<string> }, client: { get(k: string): Promise<string> }) {",
      "  const cached = await cache.read('k');",
      "  const fresh = await client.get('k');",
      "  return cached + fresh;",
      "}",
      "export async function g(client: { get(k: string): Promise<string> }) {",
      "  return await retry(() => client.get('k'));",
      "}",
      "declare function retry<T>(f: () => Promise<T>): Promise<T>;",
    ].join("\n");
    expect(at(source, "f", "TRANSIENT_NETWORK_ERROR")).toMatchObject({ line: 3, expression: "client.get('k')", template: "add_retry" });
    expect(errorOf(() => at(source, "g", "TRANSIENT_NETWORK_ERROR")).code).toBe("NOT_FOUND");
  });
});

describe("generatePatch on the sample services", () => {
  const expected: Record<string, { added: number; removed: number; has: string[]; hasNot?: string[] }> = {
    "payment-service": { added: 4, removed: 0, has: ["if (user == null || user.email == null) {", "logger.warn(", 'return { status: "success", receipt: "skipped" };'] },
    "user-service": { added: 3, removed: 0, has: ["if (account.profile == null || account.profile.displayName == null) {", "    return null;"], hasNot: ["logger"] },
    "fulfillment-service/src/inventory-client.ts": { added: 1, removed: 1, has: ["export const INVENTORY_TIMEOUT_MS = 2000;"], hasNot: ["= 800"] },
    "payment-service/src/db-pool.ts": { added: 1, removed: 1, has: ["createPool({ max: 30, acquireTimeoutMs: 200 })"] },
    "inventory-service": { added: 15, removed: 1, has: ["await withRetry(() => transport.get(path));", "async function withRetry<T>(", '"ECONNRESET"'] },
  };

  for (const sample of SAMPLES) {
    const key = `${sample.service}/${sample.file}` in expected ? `${sample.service}/${sample.file}` : sample.service;
    it(`${key}: ${TEMPLATES[sample.pattern as keyof typeof TEMPLATES]} gives a valid unified diff of a file that parses`, () => {
      const source = read(sample);
      const location = locate(sample);
      const patch = generatePatch({ file: sample.file, source, location });
      const want = expected[key]!;
      expect(patch).toMatchObject({ template: location.template, file: sample.file, syntaxValid: true, diagnostics: [], linesAdded: want.added, linesRemoved: want.removed });
      expect(patch.diff.startsWith(`--- a/${sample.file}\n+++ b/${sample.file}\n@@ `)).toBe(true);
      const parsed = parsePatch(patch.diff);
      expect(parsed).toHaveLength(1);
      expect(parsed[0]!.hunks.length).toBeGreaterThan(0);
      expect(applyPatch(source, patch.diff)).toBe(patch.patchedSource);
      for (const text of want.has) expect(patch.patchedSource).toContain(text);
      for (const text of want.hasNot ?? []) expect(patch.diff.split("\n").filter((l) => l.startsWith("+")).join("\n")).not.toContain(text);
      expect(checkSyntax(sample.file, patch.patchedSource).valid).toBe(true);
    });
  }

  it("inserts the guard right before the offending statement, at its indentation", () => {
    const sample = SAMPLES[0]!;
    const location = locate(sample);
    const lines = generatePatch({ file: sample.file, source: read(sample), location }).patchedSource.split("\n");
    expect(lines[location.line - 1]).toBe("  if (user == null || user.email == null) {");
    expect(lines[location.line + 3]).toContain("await sendReceipt(user.email");
  });
});

describe("generatePatch templates", () => {
  it("scales timeouts by 2.5 rounded up to 500 ms, and pools by 3", () => {
    expect(scaledTimeoutMs(800)).toBe(2000);
    expect(scaledTimeoutMs(1000)).toBe(2500);
    expect(scaledTimeoutMs(3000)).toBe(7500);
    expect(scaledTimeoutMs(100)).toBe(500);
    expect(scaledPoolSize(10)).toBe(30);
  });

  it("keeps numeric separators", () => {
    const source = "const config = {\n  url: 'http://x',\n  requestTimeout: 1_500,\n};\nexport async function f() {\n  return fetch(config.url, { signal: AbortSignal.timeout(config.requestTimeout) });\n}\n";
    const patch = generatePatch({ file: "src/x.ts", source, location: at(source, "f", "UPSTREAM_TIMEOUT") });
    expect(patch.patchedSource).toContain("requestTimeout: 4_000,");
  });

  it("follows the file's indentation and quotes, and reuses values computed before the guard", () => {
    const source = [
      "interface Out { id: string; name: string; count: number; ok: boolean; tags: string[] }",
      "export function f(req: { id: string; item: { name: string; tags: string[] } }): Out {",
      "\tconst item = req.item;",
      "\tconst name = item.name.trim();",
      "\treturn { id: req.id, name, count: name.length, ok: true, tags: item.tags };",
      "}",
      "const s = 'x';",
      "export { s };",
    ].join("\n");
    const location = at(source, "f", "NULL_POINTER_EXCEPTION");
    expect(location).toMatchObject({ line: 4, expression: "item.name" });
    const patch = generatePatch({ file: "src/x.ts", source, location });
    expect(patch.patchedSource).toContain(["\tif (item == null || item.name == null) {", "\t\treturn { id: req.id, name: 'skipped', count: 0, ok: true, tags: [] };", "\t}", "\tconst name"].join("\n"));
    expect(patch.syntaxValid).toBe(true);
  });

  it("gives a void function a bare return, and reuses an existing withRetry helper", () => {
    const voidSource = "export function f(req: any): void {\n    const user = req.user;\n    console.log(user.email);\n}\n";
    expect(generatePatch({ file: "src/x.ts", source: voidSource, location: at(voidSource, "f", "NULL_POINTER_EXCEPTION") }).patchedSource).toContain(
      "    if (user == null || user.email == null) {\n        return;\n    }\n",
    );
    const retrySource = "export async function f(client: { get(): Promise<number> }) {\n  return await client.get();\n}\nasync function withRetry<T>(op: () => Promise<T>): Promise<T> {\n  return op();\n}\n";
    const patch = generatePatch({ file: "src/x.ts", source: retrySource, location: at(retrySource, "f", "TRANSIENT_NETWORK_ERROR") });
    expect(patch).toMatchObject({ linesAdded: 1, linesRemoved: 1, syntaxValid: true });
    expect(patch.patchedSource).toContain("return await withRetry(() => client.get());");
  });

  it("refuses a stale location", () => {
    const sample = SAMPLES[2]!;
    const location = { ...locate(sample), line: 1 };
    expect(errorOf(() => generatePatch({ file: sample.file, source: read(sample), location })).code).toBe("NOT_FOUND");
  });
});

describe("syntax check of patched files", () => {
  it("reports an unparsable file as invalid, with positions", () => {
    const result = checkSyntax("src/broken.ts", "export function f( {\n  return 1;\n");
    expect(result.valid).toBe(false);
    expect(result.diagnostics.length).toBeGreaterThan(0);
    expect(result.diagnostics[0]).toMatch(/^src\/broken\.ts:\d+:\d+: /);
  });

  it("accepts a file that parses", () => {
    expect(checkSyntax("src/ok.ts", "export const x: number = 1;\n")).toEqual({ valid: true, diagnostics: [] });
  });

  it("marks a patch invalid when the patched file does not parse", () => {
    // The template's edit is fine, but the file it lands in is broken further down.
    const source = "export const TIMEOUT_MS = 800;\nexport async function f() {\n  await new Promise((r) => setTimeout(r, TIMEOUT_MS));\n}\nexport function g( {\n";
    const patch = generatePatch({ file: "src/x.ts", source, location: at(source, "f", "UPSTREAM_TIMEOUT") });
    expect(patch.patchedSource).toContain("TIMEOUT_MS = 2000");
    expect(patch.syntaxValid).toBe(false);
    expect(patch.diagnostics.length).toBeGreaterThan(0);
  });
});
