import "server-only";
import { z } from "zod";
import { ZGraphDrift, ZGraphSources, ZHeldChange, ZSourceRun, ZTopologyDiff, type TGraphDrift, type TGraphSources, type THeldChange, type TSourceRun } from "@/lib/api/graph-live";
import type { Container } from "../../container";
import { diffSummary } from "../../core/graph/diff-topology";
import { approveHeldChange, type HeldChangeDeps } from "../../core/graph-sources/approve-held-change";
import { graphDrift } from "../../core/graph-sources/graph-drift";
import { ZApproveHeldChangeInput, ZHeldChangeIdParams, ZRefreshSourcesInput, ZRejectHeldChangeInput } from "../../core/graph-sources/held-change-schemas";
import { listGraphSources } from "../../core/graph-sources/list-graph-sources";
import type { HeldChange, SourceRun } from "../../core/graph-sources/ports";
import { refreshSources } from "../../core/graph-sources/refresh-sources";
import { rejectHeldChange } from "../../core/graph-sources/reject-held-change";
import { endpoint } from "../endpoint";
import { AUTH_ERRORS, CONFLICT, NOT_FOUND } from "./responses";

// The graph's sources: their refresh, the removals they hold for review, and
// the drift between what is declared and what traffic shows
// (docs/graph-sources.md).

function heldDeps(container: Container): HeldChangeDeps {
  const deps = container.graphSources.refreshDeps;
  return { graph: deps.graph, applyChange: deps.applyChange, store: deps.store, audit: deps.audit, clock: deps.clock };
}

export function runView(run: SourceRun): TSourceRun {
  return {
    ...run,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt?.toISOString() ?? null,
    applied: run.applied as TSourceRun["applied"],
  };
}

export function heldView(held: HeldChange): THeldChange {
  return { ...held, createdAt: held.createdAt.toISOString(), decidedAt: held.decidedAt?.toISOString() ?? null, diff: held.diff as THeldChange["diff"] };
}

/** The approve answer: the held change, and what its approval applied (recomputed against the graph as it was then). */
export const ZApprovedHeldChange = ZHeldChange.extend({
  result: z.object({
    baseRevision: z.number().int(),
    revision: z.number().int(),
    diff: ZTopologyDiff,
    summary: z.object({ added: z.number().int(), removed: z.number().int(), changed: z.number().int() }),
    kept: z.array(z.object({ kind: z.string(), key: z.string(), reason: z.string() })).meta({ description: "What the held change named that is no longer removable, and why" }),
  }),
}).meta({ id: "ApprovedHeldGraphChange" });

const ZRefreshResult = z.object({ runs: z.array(ZSourceRun) }).meta({ id: "GraphSourceRefresh" });

export const listGraphSourcesEndpoint = endpoint({
  operationId: "listGraphSources",
  method: "GET",
  path: "/api/v1/graph/sources",
  summary: "The graph's sources and held changes",
  description: "The Backstage catalog and the trace service graph: whether each is configured, what it reads and its last refresh; the refresh interval and removals policy; the held changes, pending first.",
  tags: ["graph"],
  access: "VIEWER",
  responses: { 200: { description: "The sources", schema: ZGraphSources }, ...AUTH_ERRORS },
  async handler({ container }) {
    const { readers, store, config } = container.graphSources;
    const view = await listGraphSources({ readers, changes: container.graphChanges, store, config });
    const body: TGraphSources = {
      ...view,
      sources: view.sources.map((s) => ({ ...s, lastRun: s.lastRun ? runView(s.lastRun) : null })),
      held: view.held.map(heldView),
    };
    return { status: 200, body };
  },
});

export const refreshGraphSourcesEndpoint = endpoint({
  operationId: "refreshGraphSources",
  method: "POST",
  path: "/api/v1/graph/sources/refresh",
  summary: "Refresh the graph's sources now",
  description:
    "Body {} refreshes every configured source, {\"source\": \"CATALOG\"} only that one. Reads each, applies what it adds and changes, holds what it would remove for review, and answers each run. A source that cannot be read or has problems changes nothing and says why. 409 when the asked source is not configured.",
  tags: ["graph"],
  access: "ADMIN",
  body: ZRefreshSourcesInput,
  responses: { 200: { description: "The runs, one per source", schema: ZRefreshResult }, ...AUTH_ERRORS, ...CONFLICT },
  async handler({ container, principal, body }) {
    const runs = await refreshSources(container.graphSources.refreshDeps, { source: body.source, trigger: "MANUAL", actor: principal!.actor });
    return { status: 200, body: { runs: runs.map(runView) } };
  },
});

export const approveHeldGraphChangeEndpoint = endpoint({
  operationId: "approveHeldGraphChange",
  method: "POST",
  path: "/api/v1/graph/changes/{id}/approve",
  summary: "Approve removals a source proposed",
  description:
    "Recomputes the held removal against the graph as it is now (only what is still this source's alone and not seen since) and applies it: one graph.changed audit event. 409 when the change was already decided, or when the store refuses the removal (services operations or incidents refer to); the change then stays pending.",
  tags: ["graph"],
  access: "ADMIN",
  params: ZHeldChangeIdParams,
  body: ZApproveHeldChangeInput,
  responses: { 200: { description: "The change, approved, and what was applied", schema: ZApprovedHeldChange }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, params, body }) {
    const { held, applied, kept } = await approveHeldChange(heldDeps(container), params.id, body, { actor: principal!.actor, role: principal!.role });
    return {
      status: 200,
      body: { ...heldView(held), result: { baseRevision: applied.baseRevision, revision: applied.revision, diff: applied.diff, summary: diffSummary(applied.diff), kept } },
    };
  },
});

export const rejectHeldGraphChangeEndpoint = endpoint({
  operationId: "rejectHeldGraphChange",
  method: "POST",
  path: "/api/v1/graph/changes/{id}/reject",
  summary: "Keep what a source proposed to remove",
  description:
    "The elements stay, each with a CONSOLE provenance row \"kept by <admin> on review <id>\", so the source does not propose them again. A note saying why is required. 409 when the change was already decided.",
  tags: ["graph"],
  access: "ADMIN",
  params: ZHeldChangeIdParams,
  body: ZRejectHeldChangeInput,
  responses: { 200: { description: "The change, rejected", schema: ZHeldChange }, ...AUTH_ERRORS, ...NOT_FOUND, ...CONFLICT },
  async handler({ container, principal, params, body }) {
    const deps = container.graphSources.refreshDeps;
    const { held } = await rejectHeldChange({ changes: container.graphChanges, store: deps.store, audit: deps.audit, clock: deps.clock }, params.id, body, { actor: principal!.actor, role: principal!.role });
    return { status: 200, body: heldView(held) };
  },
});

export const graphDriftEndpoint = endpoint({
  operationId: "getGraphDrift",
  method: "GET",
  path: "/api/v1/graph/drift",
  summary: "Drift between the declared graph and traffic",
  description:
    "Edges observed in traffic that no source declares (in the graph only because observed, or not in it because an end is not a service of the graph), and, when the traces are configured and have been read, declared edges the last read did not see.",
  tags: ["graph"],
  access: "VIEWER",
  responses: { 200: { description: "The drift", schema: ZGraphDrift }, ...AUTH_ERRORS },
  async handler({ container }) {
    const tracesConfigured = container.graphSources.readers.some((r) => r.source === "TRACES");
    const drift = await graphDrift({ changes: container.graphChanges, store: container.graphSources.store, tracesConfigured });
    const body: TGraphDrift = {
      tracesConfigured: drift.tracesConfigured,
      observedNotDeclared: drift.observedNotDeclared.map((e) => ({ ...e, lastSeenAt: e.lastSeenAt.toISOString() })),
      declaredNotObserved: drift.declaredNotObserved.map((e) => ({ ...e, lastSeenAt: e.lastSeenAt?.toISOString() ?? null })),
    };
    return { status: 200, body };
  },
});
