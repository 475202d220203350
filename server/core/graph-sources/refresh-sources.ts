// A refresh of the graph's sources (docs/graph-sources.md#refresh): on the
// interval, at start-up and on an admin's request. Each source is read, its
// assertion planned against the stored graph (plan-source-sync.ts), additions
// and changes applied through the one path that changes the graph
// (applyGraphChange), removals held for review, and the run recorded.
import type { AuditLog } from "../audit/audit-log";
import type { AuditRecord, JsonValue } from "../audit/types";
import type { Clock } from "../clock";
import { AppError } from "../errors";
import type { GraphChangeApplied, GraphChangeRequest } from "../graph/apply-graph-change";
import { diffSummary, isEmptyDiff } from "../graph/diff-topology";
import type { LiveGraph } from "../graph/graph-change-store";
import type { SourceAssertion, SourceProblem, TopologyDiff } from "../graph/live-graph-types";
import { planSourceSync, sameDiff, type RemovalsPolicy, type SourceSyncPlan } from "./plan-source-sync";
import type { GraphSourceStore, HeldChange, RefreshableSource, RunTrigger, SourceReader, SourceRun } from "./ports";

export interface RefreshDeps {
  /** The configured sources, in the order a full refresh reads them (the catalog first: it declares the services traffic is matched to). */
  readers: readonly SourceReader[];
  graph: { load(): Promise<LiveGraph> };
  /** applyGraphChange with its dependencies bound. */
  applyChange(request: GraphChangeRequest): Promise<GraphChangeApplied>;
  store: GraphSourceStore;
  audit: Pick<AuditLog, "appendInTransaction" | "committed">;
  clock: Clock;
  newId(): string;
  config: { ageOutMs: number; removals: RemovalsPolicy };
}

export interface RefreshRequest {
  /** One source, or every configured one. */
  source?: RefreshableSource;
  trigger: RunTrigger;
  actor: string;
}

/** How often a refresh recomputes after another change moved the graph under it before it gives up. */
const ATTEMPTS = 5;

/**
 * Refreshes the asked source, or every configured one in order, and returns
 * their runs. A source that cannot be read or reports problems records a
 * FAILED or REFUSED run and changes nothing; the others still run.
 */
export async function refreshSources(deps: RefreshDeps, request: RefreshRequest): Promise<SourceRun[]> {
  const readers = request.source ? deps.readers.filter((r) => r.source === request.source) : deps.readers;
  if (request.source && readers.length === 0) {
    const how = request.source === "CATALOG" ? "set GRAPH_CATALOG_PATHS" : "set GRAPH_TRACES_PROMETHEUS_URL";
    throw new AppError("CONFLICT", `The ${request.source} source is not configured (${how})`, { source: request.source });
  }
  const runs: SourceRun[] = [];
  for (const reader of readers) runs.push(await refreshSource(deps, reader, request));
  return runs;
}

async function refreshSource(deps: RefreshDeps, reader: SourceReader, request: RefreshRequest): Promise<SourceRun> {
  const startedAt = deps.clock.now();
  const run = (outcome: SourceRun["outcome"], message: string, extra: Partial<SourceRun> = {}): SourceRun => ({
    id: deps.newId(),
    source: reader.source,
    trigger: request.trigger,
    actor: request.actor,
    startedAt,
    finishedAt: deps.clock.now(),
    outcome,
    message,
    applied: null,
    revision: null,
    heldChangeId: null,
    problems: [],
    unresolved: [],
    skipped: [],
    ...extra,
  });

  let assertion: SourceAssertion;
  try {
    const read = await reader.read();
    if ("problems" in read) {
      const problems: SourceProblem[] = read.problems;
      return await record(deps, run("REFUSED", `${reader.source} has ${problems.length} problem(s); nothing was applied: ${describeProblem(problems[0])}`, { problems }));
    }
    assertion = read.assertion;
    if (assertion.source !== reader.source) throw new Error(`the ${reader.source} reader returned a ${assertion.source} assertion`);
    // No call at all over the whole window is far likelier a broken metrics pipeline than a silent estate:
    // taken as such, it would age every observed edge out (docs/graph-sources.md#age-out-when-traffic-stops).
    if (assertion.source === "TRACES" && assertion.dependencies.length === 0) {
      const problems: SourceProblem[] = [{ file: assertion.origin, line: null, entity: null, message: "no edge was observed over the window; refusing to take that as nothing calling anything (are the trace service-graph metrics still exported?)" }];
      return await record(deps, run("REFUSED", `TRACES observed no edge at all; nothing was applied or aged out: ${problems[0]!.message}`, { problems }));
    }
  } catch (error) {
    return await record(deps, run("FAILED", `${reader.source} could not be read; nothing was applied: ${messageOf(error)}`));
  }

  try {
    // Every diff applied by this run, across attempts: what the run records.
    const appliedDiffs: TopologyDiff[] = [];
    for (let attempt = 1; ; attempt++) {
      const graph = await deps.graph.load();
      const plan = planSourceSync({ graph, assertion, now: deps.clock.now(), ageOutMs: deps.config.ageOutMs, removals: deps.config.removals });
      try {
        const outcome = await applyPlan(deps, plan, graph, assertion, request.actor, appliedDiffs);
        return await finish(deps, run, plan, outcome.hold, outcome.applied, mergeDiffs(appliedDiffs));
      } catch (error) {
        // Another change moved the graph since it was read: plan again against the new one.
        if (attempt < ATTEMPTS && revisionMoved(error)) continue;
        throw error;
      }
    }
  } catch (error) {
    return await record(deps, run("FAILED", `${reader.source} was read but its change could not be applied: ${messageOf(error)}`));
  }
}

/**
 * Applies the additions and changes (and, with GRAPH_REMOVALS=auto, the
 * removals). A removal the store refuses (services operations or incidents
 * refer to) is held for review instead, saying why.
 */
async function applyPlan(
  deps: RefreshDeps,
  plan: SourceSyncPlan,
  graph: LiveGraph,
  assertion: SourceAssertion,
  actor: string,
  appliedDiffs: TopologyDiff[],
): Promise<{ applied: GraphChangeApplied; hold: SourceSyncPlan["hold"] }> {
  const common = { source: plan.source, origin: assertion.origin, actor };
  const applied = await deps.applyChange({ baseRevision: plan.baseRevision, base: graph.topology, diff: plan.apply.diff, provenance: plan.apply.provenance, ...common });
  appliedDiffs.push(applied.diff);
  if (!plan.remove) return { applied, hold: plan.hold };
  try {
    const removed = await deps.applyChange({ baseRevision: applied.revision, base: applied.topology, diff: plan.remove.diff, provenance: plan.remove.provenance, ...common });
    appliedDiffs.push(removed.diff);
    return { applied: removed, hold: null };
  } catch (error) {
    if (revisionMoved(error) || !(error instanceof AppError) || error.code !== "CONFLICT") throw error;
    return { applied, hold: { diff: plan.remove.diff, reason: `GRAPH_REMOVALS=auto, but the removal was refused: ${error.message}` } };
  }
}

/** Holds the removals (a new held change supersedes the source's pending one) and records the run, in one transaction. */
async function finish(
  deps: RefreshDeps,
  run: (outcome: SourceRun["outcome"], message: string, extra?: Partial<SourceRun>) => SourceRun,
  plan: SourceSyncPlan,
  hold: SourceSyncPlan["hold"],
  applied: GraphChangeApplied,
  appliedDiff: TopologyDiff | null,
): Promise<SourceRun> {
  // The reader checked the assertion is its own source's.
  const source = plan.source as RefreshableSource;
  const changed = appliedDiff !== null && !isEmptyDiff(appliedDiff);
  let records: AuditRecord[] = [];
  const result = await deps.store.transact(async (tx) => {
    await deps.store.lockSource(tx, source);
    const pending = await deps.store.pendingHeld(tx, source);
    const events: Parameters<typeof deps.audit.appendInTransaction>[1] = [];
    let heldChangeId: string | null = null;
    let created = false;
    if (hold && pending && sameDiff(pending.diff, hold.diff)) {
      // Proposed again as it stands: the admin keeps reviewing the same change.
      heldChangeId = pending.id;
    } else {
      const now = deps.clock.now();
      if (pending) {
        await deps.store.decideHeld(tx, pending.id, { status: "SUPERSEDED", by: null, at: now, note: hold ? "superseded by a newer proposal" : `${plan.source} no longer proposes these removals` });
        events.push({
          category: "SYSTEM_HEALTH",
          severity: "INFO",
          actor: "system",
          action: "graph.removal_superseded",
          correlationId: `graph-held-${pending.id}`,
          payload: { heldChangeId: pending.id, source: plan.source, reason: hold ? "a newer proposal replaces it" : `${plan.source} no longer proposes these removals` },
        });
      }
      if (hold) {
        const held: HeldChange = {
          id: deps.newId(),
          source,
          createdAt: now,
          baseRevision: applied.revision,
          reason: hold.reason,
          diff: hold.diff,
          status: "PENDING",
          decidedBy: null,
          decidedAt: null,
          note: null,
        };
        await deps.store.insertHeld(tx, held);
        heldChangeId = held.id;
        created = true;
        events.push({
          category: "SYSTEM_HEALTH",
          // WARNING: a source proposes to take something out of the graph, and an admin has to look.
          severity: "WARNING",
          actor: "system",
          action: "graph.removal_held",
          correlationId: `graph-held-${held.id}`,
          payload: { heldChangeId: held.id, source: plan.source, reason: hold.reason, summary: diffSummary(hold.diff), supersedes: pending?.id ?? null, diff: diffPayload(hold.diff) },
        });
      }
    }
    const size = changed ? diffSummary(appliedDiff!) : null;
    const parts = [
      changed ? `applied ${size!.added} addition(s), ${size!.changed} change(s) and ${size!.removed} removal(s) (revision ${applied.revision})` : "the graph already had everything it asserts",
      hold ? (created ? `held ${describeHold(hold.diff)} for review (${hold.reason})` : `the removal held in ${heldChangeId} still waits for review`) : null,
      plan.unresolved.length ? `${plan.unresolved.length} edge(s) name services the graph does not have` : null,
      plan.skipped.length ? `${plan.skipped.length} element(s) skipped` : null,
    ].filter(Boolean);
    const outcome: SourceRun["outcome"] = changed ? "APPLIED" : created ? "HELD" : "NO_CHANGE";
    const recorded = run(outcome, parts.join("; "), {
      applied: changed ? appliedDiff : null,
      revision: applied.revision,
      heldChangeId,
      unresolved: plan.unresolved,
      skipped: plan.skipped,
    });
    await deps.store.insertRun(tx, recorded);
    if (events.length) records = await deps.audit.appendInTransaction(tx, events);
    return recorded;
  });
  deps.audit.committed(records);
  return result;
}

async function record(deps: RefreshDeps, run: SourceRun): Promise<SourceRun> {
  await deps.store.transact((tx) => deps.store.insertRun(tx, run));
  return run;
}

/** The diffs one run applied, as one (null when it applied none). */
function mergeDiffs(all: TopologyDiff[]): TopologyDiff | null {
  const merged = all[0] ?? null;
  if (!merged) return null;
  return all.slice(1).reduce(
    (a, b) => ({
      services: { added: [...a.services.added, ...b.services.added], removed: [...a.services.removed, ...b.services.removed], changed: [...a.services.changed, ...b.services.changed] },
      edges: { added: [...a.edges.added, ...b.edges.added], removed: [...a.edges.removed, ...b.edges.removed], changed: [...a.edges.changed, ...b.edges.changed] },
      groups: { added: [...a.groups.added, ...b.groups.added], removed: [...a.groups.removed, ...b.groups.removed], changed: [...a.groups.changed, ...b.groups.changed] },
    }),
    merged,
  );
}

export function revisionMoved(error: unknown): boolean {
  return error instanceof AppError && error.code === "CONFLICT" && typeof error.details.expectedRevision === "number";
}

function describeHold(diff: TopologyDiff): string {
  const s = diffSummary(diff);
  return `${s.removed} removal(s)${s.changed ? ` and ${s.changed} membership change(s)` : ""}`;
}

function describeProblem(problem: SourceProblem | undefined): string {
  if (!problem) return "no detail";
  return `${problem.file}${problem.line !== null ? `:${problem.line}` : ""}${problem.entity ? ` (${problem.entity})` : ""}: ${problem.message}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The held diff as its audit event records it: whole up to 2,000 elements, else the counts. */
function diffPayload(diff: TopologyDiff): JsonValue {
  const s = diffSummary(diff);
  return s.added + s.removed + s.changed <= 2_000 ? (JSON.parse(JSON.stringify(diff)) as JsonValue) : { truncated: true, ...s };
}
