import { z } from "zod";
import { AppError } from "../errors";
import { parseQuery, zId } from "../pagination";
import type { IncidentDetailRecord, IncidentQueries } from "./ports";

export const ZGetIncidentInput = z.strictObject({ id: zId() });

/** Operations returned with an incident; past that, list operations by incidentId. */
export const INCIDENT_OPERATION_LIMIT = 500;

export type IncidentDetail = IncidentDetailRecord;

/** One incident with its stages (by start) and its operations (oldest first). */
export async function getIncident(deps: { incidents: IncidentQueries }, input: unknown): Promise<IncidentDetail> {
  const { id } = parseQuery(ZGetIncidentInput, input, "incident id");
  const detail = await deps.incidents.getIncident(id, { operationLimit: INCIDENT_OPERATION_LIMIT });
  if (!detail) throw new AppError("NOT_FOUND", `No incident ${id}`, { id });
  return detail;
}
