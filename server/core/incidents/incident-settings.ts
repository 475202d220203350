// The incident settings (docs/incidents.md#settings): the manual-MTTR baseline
// the demo and the incident pages compare with, and how Alertmanager's alerts
// become incidents (grouping, the service and severity labels). One stored
// document, validated here; an admin changes it through
// server/core/settings/change-incident-settings.ts.
import type { z } from "zod";
import { ZIncidentSettingsPatch, ZIncidentSettingsValue } from "./incident-schemas";
import { AppError, isAppError } from "../errors";
import type { AuditedSettingStore } from "../settings/write-audited-setting";

export const INCIDENT_SETTINGS_KEY = "incidents";

export type IncidentSettings = z.output<typeof ZIncidentSettingsValue>;

export const DEFAULT_INCIDENT_SETTINGS: IncidentSettings = {
  // The baseline of docs/spec/kpis.md: an incident handled by hand, from page to fix verified.
  manualMttrMinutes: 45,
  intake: {
    groupBy: ["alertname", "service"],
    serviceLabel: "service",
    severityLabel: "severity",
    severityMap: { critical: "CRITICAL", page: "CRITICAL", high: "ERROR", error: "ERROR", warning: "WARNING", warn: "WARNING", info: "INFO", none: "INFO" },
    defaultSeverity: "WARNING",
  },
  // Off: halts from incidents are a choice (docs/freezes.md#halts-from-incidents).
  haltOnIncidentSeverity: null,
};

export interface IncidentSettingsStore extends AuditedSettingStore {
  read(): Promise<unknown | null>;
}

/** Fills what `input` leaves out from the defaults and validates the whole; VALIDATION_FAILED names every bad field. */
export function parseIncidentSettings(input: unknown): IncidentSettings {
  const partial = ZIncidentSettingsPatch.safeParse(input ?? {});
  if (!partial.success) throw invalid(partial.error.issues);
  const merged = {
    manualMttrMinutes: partial.data.manualMttrMinutes ?? DEFAULT_INCIDENT_SETTINGS.manualMttrMinutes,
    intake: { ...DEFAULT_INCIDENT_SETTINGS.intake, ...partial.data.intake },
    haltOnIncidentSeverity: partial.data.haltOnIncidentSeverity === undefined ? DEFAULT_INCIDENT_SETTINGS.haltOnIncidentSeverity : partial.data.haltOnIncidentSeverity,
  };
  const full = ZIncidentSettingsValue.safeParse(merged);
  if (!full.success) throw invalid(full.error.issues);
  return full.data;
}

function invalid(issues: { path: PropertyKey[]; message: string }[]): AppError {
  const problems = issues.map((i) => `${i.path.map(String).join(".") || "body"}: ${i.message}`);
  return new AppError("VALIDATION_FAILED", `Invalid incident settings: ${problems.join("; ")}`, { problems });
}

/** The settings in force: the stored ones, or the defaults. A stored document that no longer validates is an error naming the setting. */
export async function getIncidentSettings(deps: { incidentSettings: IncidentSettingsStore }): Promise<IncidentSettings> {
  const stored = await deps.incidentSettings.read();
  if (stored === null) return DEFAULT_INCIDENT_SETTINGS;
  try {
    return parseIncidentSettings(stored);
  } catch (error) {
    if (!isAppError(error)) throw error;
    throw new AppError("INTERNAL", `The stored incident settings (setting "${INCIDENT_SETTINGS_KEY}") are invalid: ${error.message}`, error.details, { cause: error });
  }
}
