import "server-only";
import { INCIDENT_SETTINGS_KEY, type IncidentSettingsStore } from "../../core/incidents/incident-settings";
import type { Database } from "./database";
import { JsonSettingStore } from "./json-setting-store";

export class PrismaIncidentSettingsStore extends JsonSettingStore implements IncidentSettingsStore {
  constructor(db: Database) {
    super(db, INCIDENT_SETTINGS_KEY);
  }
}
