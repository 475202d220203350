import "server-only";
import crypto from "node:crypto";
import type { Container } from "../../container";
import type { IntakeDeps } from "../../core/incidents/receive-alertmanager-notification";
import type { OpenIncidentDeps } from "../../core/incidents/open-incident";
import type { RemediationDeps } from "../../core/remediation/run-remediation-rules";

/** What the incident use cases run on, from the container. */
export function incidentDeps(container: Container): OpenIncidentDeps {
  return { incidents: container.incidents.store, audit: container.audit.log, clock: container.clock, newId: () => crypto.randomUUID() };
}

export function remediationDeps(container: Container): RemediationDeps {
  return { ...incidentDeps(container), remediation: container.incidents.remediation, submit: (input) => container.orchestrator.submit(input) };
}

export function intakeDeps(container: Container): IntakeDeps {
  return { ...incidentDeps(container), writer: container.incidents.intake, settings: () => container.incidents.settings(), remediation: { remediation: container.incidents.remediation, submit: (input) => container.orchestrator.submit(input) } };
}
