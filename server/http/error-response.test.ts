import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "../core/errors";
import { mapError } from "./error-response";

describe("mapError", () => {
  it("maps a domain error to its status with the structured body", () => {
    const mapped = mapError(new AppError("NOT_FOUND", "No operation 42", { id: "42" }), "req-1");
    expect(mapped.status).toBe(404);
    expect(mapped.body).toEqual({ error: { code: "NOT_FOUND", message: "No operation 42", details: { id: "42" } } });
    expect(mapped.unexpected).toBe(false);
  });

  it.each([
    ["VALIDATION_FAILED", 422],
    ["MALFORMED_REQUEST", 400],
    ["UNAUTHENTICATED", 401],
    ["FORBIDDEN", 403],
    ["VERSION_CONFLICT", 409],
    ["INVALID_TRANSITION", 409],
    ["LOCK_TIMEOUT", 423],
    ["PAYLOAD_TOO_LARGE", 413],
    ["UNAVAILABLE", 503],
  ] as const)("%s → %i", (code, status) => {
    expect(mapError(new AppError(code, "x"), "r").status).toBe(status);
  });

  it("turns a zod error into 422 naming each bad field", () => {
    const parsed = z.object({ service: z.string(), ttl: z.number().int() }).safeParse({ ttl: 1.5 });
    const mapped = mapError(parsed.error, "r");
    expect(mapped.status).toBe(422);
    expect(mapped.body.error.code).toBe("VALIDATION_FAILED");
    const paths = (mapped.body.error.details.issues as { path: string[] }[]).map((i) => i.path.join("."));
    expect(paths.sort()).toEqual(["service", "ttl"]);
  });

  it("never shows internals in a 500", () => {
    const mapped = mapError(new Error('relation "operations" does not exist at 10.0.0.7:5432'), "req-9");
    expect(mapped.status).toBe(500);
    expect(mapped.body).toEqual({ error: { code: "INTERNAL", message: "Internal error", details: { requestId: "req-9" } } });
    expect(JSON.stringify(mapped.body)).not.toContain("10.0.0.7");
    expect(mapped.unexpected).toBe(true);
  });

  it("treats an AppError coded INTERNAL like any unexpected error", () => {
    const mapped = mapError(new AppError("INTERNAL", "Migration 0001 failed: syntax error"), "r");
    expect(mapped.status).toBe(500);
    expect(mapped.body.error.message).toBe("Internal error");
  });
});
