// The core's input schemas and lib/api's (the browser's and the OpenAPI
// document's) describe the same shapes: tsc fails here when they drift.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import type { ZMoveIncidentRequest, ZOpenIncidentRequest } from "@/lib/api/incidents";
import type { ZRemediationRuleInput, ZRemediationRulePatch } from "@/lib/api/remediation";
import type { ZIncidentSettings, ZIncidentSettingsInput } from "@/lib/api/settings";
import type { ZRuleInput, ZRulePatch } from "../../core/remediation/rule-schemas";
import type { ZIncidentSettingsPatch, ZIncidentSettingsValue, ZMoveIncidentInput, ZOpenIncidentInput } from "../../core/incidents/incident-schemas";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Both<A extends z.ZodType, B extends z.ZodType> = Same<z.input<A>, z.input<B>> extends true ? Same<z.output<A>, z.output<B>> : false;

const match: [
  Both<typeof ZOpenIncidentInput, typeof ZOpenIncidentRequest>,
  Both<typeof ZMoveIncidentInput, typeof ZMoveIncidentRequest>,
  Both<typeof ZRuleInput, typeof ZRemediationRuleInput>,
  Both<typeof ZRulePatch, typeof ZRemediationRulePatch>,
  Both<typeof ZIncidentSettingsValue, typeof ZIncidentSettings>,
  Both<typeof ZIncidentSettingsPatch, typeof ZIncidentSettingsInput>,
] = [true, true, true, true, true, true];

describe("input schemas", () => {
  it("the core's and lib/api's describe the same shapes", () => {
    expect(match.every(Boolean)).toBe(true);
  });
});
