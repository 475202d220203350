import { z } from "zod";
import { AppError } from "../errors";
import { parseQuery, zId } from "../pagination";
import { buildIncidentTimeline, mttrSecondsOf, type TimelineEntry } from "./build-incident-timeline";
import type { IncidentDetailRecord, IncidentQueries } from "./ports";

export const ZGetIncidentInput = z.strictObject({ id: zId() });

/** Operations returned with an incident; past that, list operations by incidentId. */
export const INCIDENT_OPERATION_LIMIT = 500;

export type IncidentDetail = Omit<IncidentDetailRecord, "transitions"> & { timeline: TimelineEntry[]; mttrSeconds: number | null };

/** One incident with its stages, operations, alerts, rule matches, and its timeline from stored times. */
export async function getIncident(deps: { incidents: IncidentQueries }, input: unknown): Promise<IncidentDetail> {
  const { id } = parseQuery(ZGetIncidentInput, input, "incident id");
  const detail = await deps.incidents.getIncident(id, { operationLimit: INCIDENT_OPERATION_LIMIT });
  if (!detail) throw new AppError("NOT_FOUND", `No incident ${id}`, { id });
  const { transitions: _transitions, ...rest } = detail;
  return { ...rest, timeline: buildIncidentTimeline(detail), mttrSeconds: mttrSecondsOf(detail.incident) };
}
