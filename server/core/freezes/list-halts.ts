// The halts (GET /api/v1/halts): every halt called, newest first, or with
// `active=true` those in force now, including those open incidents hold
// (docs/freezes.md#stop-the-line).
import { z } from "zod";
import type { Clock } from "../clock";
import { parseInput } from "../parse-input";
import type { HaltStore } from "./halt-store";
import type { HaltReader } from "./ports";
import type { Halt } from "./types";

export const ZListHaltsQuery = z.strictObject({
  active: z.enum(["true", "false"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export async function listHalts(deps: { halts: Pick<HaltStore, "list">; reader: HaltReader; clock: Clock }, query: unknown): Promise<Halt[]> {
  const { active, limit } = parseInput(ZListHaltsQuery, query ?? {}, "query");
  if (active === "true") return (await deps.reader.haltsInForce(deps.clock.now())).slice(0, limit);
  return deps.halts.list(limit);
}
