// The core's freeze window input schemas and lib/api's (the browser's and the
// OpenAPI document's) describe the same shapes, and both refuse what the
// other refuses: tsc fails here when the types drift.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { ZBreakGlassRequest, ZFreezeWindowInput as ZLibInput, type ZFreezeWindowPatch as ZLibPatch } from "@/lib/api/freezes";
import { ZBreakGlassInput, ZFreezeWindowInput, type ZFreezeWindowPatch } from "../../core/freezes/window-schemas";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Both<A extends z.ZodType, B extends z.ZodType> = Same<z.input<A>, z.input<B>> extends true ? Same<z.output<A>, z.output<B>> : false;

const match: [Both<typeof ZFreezeWindowInput, typeof ZLibInput>, Both<typeof ZFreezeWindowPatch, typeof ZLibPatch>, Both<typeof ZBreakGlassInput, typeof ZBreakGlassRequest>] = [true, true, true];

describe("freeze window input schemas", () => {
  it("the core's and lib/api's describe the same shapes", () => {
    expect(match.every(Boolean)).toBe(true);
  });

  it("both read a window the same way", () => {
    const body = { name: " Weekend ", kind: "DENY", timeZone: "Europe/Berlin", start: "2026-12-11T18:00", durationMinutes: 3720, rrule: "FREQ=WEEKLY;BYDAY=FR", reason: "weekend" };
    expect(ZLibInput.parse(body)).toEqual(ZFreezeWindowInput.parse(body));
    expect(ZLibInput.safeParse({ ...body, start: "2026-12-11 18:00" }).success).toBe(false);
    expect(ZFreezeWindowInput.safeParse({ ...body, start: "2026-12-11 18:00" }).success).toBe(false);
  });
});
