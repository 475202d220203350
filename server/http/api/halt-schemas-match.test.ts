// The core's halt input schemas and lib/api's (the browser's and the OpenAPI
// document's) describe the same shapes: tsc fails here when they drift.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { ZCallHaltRequest, ZLiftHaltRequest } from "@/lib/api/halts";
import type { ZCallHaltInput, ZLiftHaltInput } from "../../core/freezes/halt-schemas";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Both<A extends z.ZodType, B extends z.ZodType> = Same<z.input<A>, z.input<B>> extends true ? Same<z.output<A>, z.output<B>> : false;

const match: [Both<typeof ZCallHaltInput, typeof ZCallHaltRequest>, Both<typeof ZLiftHaltInput, typeof ZLiftHaltRequest>] = [true, true];

describe("halt input schemas", () => {
  it("the core's and lib/api's describe the same shapes", () => {
    expect(match.every(Boolean)).toBe(true);
  });
});
