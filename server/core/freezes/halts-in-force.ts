// The halts in force (docs/freezes.md#stop-the-line): what the FREEZE gate
// checks every operation against and the console banner shows. Read fresh on
// every call, not cached: a lift must let the next operation through at once,
// and the two queries are indexed reads of a few rows.
import type { IncidentSettings } from "../incidents/incident-settings";
import type { HaltStore } from "./halt-store";
import { incidentHalt, severitiesAtLeast } from "./incident-halts";
import type { HaltReader } from "./ports";
import type { Halt } from "./types";

export interface HaltReaderDeps {
  halts: Pick<HaltStore, "inForce" | "openIncidents">;
  /** The incident settings in force (the container's 5 s cache). */
  incidentSettings: () => Promise<Pick<IncidentSettings, "haltOnIncidentSeverity">>;
}

export function haltReader(deps: HaltReaderDeps): HaltReader {
  return {
    async haltsInForce(now: Date): Promise<Halt[]> {
      const [manual, settings] = await Promise.all([deps.halts.inForce(now), deps.incidentSettings()]);
      const threshold = settings.haltOnIncidentSeverity;
      if (threshold === null) return manual;
      const incidents = await deps.halts.openIncidents(severitiesAtLeast(threshold), now);
      return [...manual, ...incidents.map(incidentHalt)].sort((a, b) => a.since.getTime() - b.since.getTime());
    },
  };
}
