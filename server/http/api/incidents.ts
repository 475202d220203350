import "server-only";
import { ZIdParams } from "@/lib/api/common";
import { ZAlertmanagerIntakeResult, ZIncidentDetail, ZIncidentMoved, ZIncidentPage, ZIncidentRef, ZMoveIncidentRequest, ZOpenIncidentRequest } from "@/lib/api/incidents";
import { ZIncidentSettingsInput, ZIncidentSettingsView } from "@/lib/api/settings";
import { z } from "zod";
import { DEFAULT_INCIDENT_SETTINGS, getIncidentSettings } from "../../core/incidents/incident-settings";
import { changeIncidentSettings } from "../../core/settings/change-incident-settings";
import { moveIncident } from "../../core/incidents/move-incident";
import { openIncident } from "../../core/incidents/open-incident";
import { receiveAlertmanagerNotification } from "../../core/incidents/receive-alertmanager-notification";
import { incidentDeps, intakeDeps } from "./incident-deps";
import { getIncident } from "../../core/incidents/get-incident";
import { listIncidentsPage, ZListIncidentsQuery } from "../../core/incidents/list-incidents";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, CONFLICT, NOT_FOUND } from "./responses";

export const listIncidentsEndpoint = endpoint({
  operationId: "listIncidents",
  method: "GET",
  path: "/api/v1/incidents",
  summary: "List incidents",
  tags: ["incidents"],
  access: "VIEWER",
  query: ZListIncidentsQuery,
  responses: { 200: { description: "One page, newest first", schema: ZIncidentPage }, ...AUTH_ERRORS },
  async handler({ container, query }) {
    return { status: 200, body: await listIncidentsPage({ incidents: container.queries.incidents }, query) };
  },
});

export const getIncidentEndpoint = endpoint({
  operationId: "getIncident",
  method: "GET",
  path: "/api/v1/incidents/{id}",
  summary: "Get an incident",
  description: "The incident with its pipeline stages (the MTTR timeline, from recorded times) and its operations.",
  tags: ["incidents"],
  access: "VIEWER",
  params: ZIdParams,
  responses: { 200: { description: "The incident", schema: ZIncidentDetail }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, params }) {
    return { status: 200, body: await getIncident({ incidents: container.queries.incidents }, { id: params.id }) };
  },
});

export const openIncidentEndpoint = endpoint({
  operationId: "openIncident",
  method: "POST",
  path: "/api/v1/incidents",
  summary: "Open an incident",
  description: "For tools (an incident manager, a pager) and people: opens an incident on a known service, audited. Its source is API for a token, CONSOLE for a signed-in person. Remediation rules act on Alertmanager's alerts, not on incidents opened here.",
  tags: ["incidents"],
  access: "OPERATOR",
  body: ZOpenIncidentRequest,
  responses: { 201: { description: "Opened", schema: ZIncidentRef }, ...AUTH_ERRORS, ...NOT_FOUND },
  async handler({ container, principal, body }) {
    const p = principal!;
    const created = await openIncident(incidentDeps(container), body, { actor: p.actor, source: p.kind === "user" ? "CONSOLE" : "API" });
    return { status: 201, body: created, headers: { location: `/api/v1/incidents/${created.id}` } };
  },
});

export const moveIncidentEndpoint = endpoint({
  operationId: "moveIncident",
  method: "PATCH",
  path: "/api/v1/incidents/{id}",
  summary: "Acknowledge, mitigate or resolve an incident",
  description: "OPEN → ACKNOWLEDGED → MITIGATING → RESOLVED, with an optional note; a later state may be reached directly, RESOLVED is final (409 otherwise). The time of each move is kept; audited (a person's mitigation or resolution as a manual intervention).",
  tags: ["incidents"],
  access: "OPERATOR",
  params: ZIdParams,
  body: ZMoveIncidentRequest,
  responses: { 200: { description: "Moved", schema: ZIncidentMoved }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, params, body }) {
    const p = principal!;
    return { status: 200, body: await moveIncident(incidentDeps(container), params.id, body, { actor: p.actor, human: p.kind === "user" }) };
  },
});

export const alertmanagerIntakeEndpoint = endpoint({
  operationId: "receiveAlertmanagerNotification",
  method: "POST",
  path: "/api/v1/integrations/alertmanager",
  summary: "Alertmanager webhook (version 4)",
  description:
    "Point an Alertmanager `webhook_configs` receiver here with `http_config.authorization: {type: Bearer, credentials: <API token of an operator>}`. Firing alerts open the incident of their group or update it; resolved alerts resolve it when all of its alerts are resolved; the remediation rules then act on the alerts that fired. A redelivered notification changes nothing. A payload that is malformed, too large, or whose alerts name no known service is refused with 4xx and nothing is written (docs/incidents.md#alertmanager-intake).",
  tags: ["incidents"],
  access: "OPERATOR",
  body: z.unknown(),
  responses: { 200: { description: "What the notification did", schema: ZAlertmanagerIntakeResult }, ...AUTH_ERRORS },
  async handler({ container, principal, body }) {
    return { status: 200, body: await receiveAlertmanagerNotification(intakeDeps(container), body, principal!.actor) };
  },
});

export const getIncidentSettingsEndpoint = endpoint({
  operationId: "getIncidentSettings",
  method: "GET",
  path: "/api/v1/settings/incidents",
  summary: "Incident settings",
  description: "The manual-MTTR baseline, and how Alertmanager's alerts become incidents (grouping, the service and severity labels); with the defaults.",
  tags: ["settings"],
  access: "VIEWER",
  responses: { 200: { description: "The settings in force and the defaults", schema: ZIncidentSettingsView }, ...AUTH_ERRORS },
  async handler({ container }) {
    return { status: 200, body: { settings: await getIncidentSettings({ incidentSettings: container.settings.incidents }), defaults: DEFAULT_INCIDENT_SETTINGS } };
  },
});

export const updateIncidentSettingsEndpoint = endpoint({
  operationId: "updateIncidentSettings",
  method: "PUT",
  path: "/api/v1/settings/incidents",
  summary: "Change the incident settings",
  description: "Missing fields are taken from the defaults; bad values are refused naming the field, and nothing is written. In force within seconds on every replica; audited.",
  tags: ["settings"],
  access: "ADMIN",
  body: ZIncidentSettingsInput,
  responses: { 200: { description: "What is now in force", schema: ZIncidentSettingsView }, ...AUTH_ERRORS },
  async handler({ container, principal, body }) {
    const settings = await changeIncidentSettings({ incidentSettings: container.settings.incidents, audit: container.audit.log }, body, principal!.actor);
    container.incidents.invalidateSettings();
    return { status: 200, body: { settings, defaults: DEFAULT_INCIDENT_SETTINGS } };
  },
});
