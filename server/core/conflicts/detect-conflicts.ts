import { AppError } from "../errors";
import { GraphIndex, indexSnapshot } from "../graph/graph-index";
import type { GraphSnapshot } from "../graph/types";
import { computeBlastRadius } from "./blast-radius";
import { goesFirst, lineMemberOf, placeInLine } from "./service-line";
import type { ConflictPolicy } from "./policy";
import {
  ACTION_PRECEDENCE,
  CONFLICT_SEVERITIES,
  CONFLICT_TYPES,
  type BlastRadius,
  type Conflict,
  type ConflictAction,
  type ConflictCheck,
  type ConflictDecision,
  type ConflictType,
  type FinishedOperationRef,
  type OperationRef,
} from "./types";

export interface ConflictCheckInput {
  /** The operation that wants to start. */
  candidate: OperationRef;
  /** Operations that hold or are about to hold their services (registered, not finished). */
  inFlight: readonly OperationRef[];
  /** Operations that finished recently; only those inside the timing window matter. */
  recentlyFinished: readonly FinishedOperationRef[];
  /** The dependency graph with its resource groups; pass the GraphIndex to reuse it across calls. */
  graph: GraphIndex | GraphSnapshot;
  policy: ConflictPolicy;
  now: Date;
}

/**
 * Every conflict between `candidate` and the work under way, by the seven
 * definitions in ./types.ts, each with the policy's severity and action, the
 * blast radius of both operations' services, a sentence saying why and what
 * to do; and the decision that follows (the strictest action, the highest
 * severity). Pure: same inputs, same answer; `now` is an input.
 *
 * Cost: the candidate's downstream and upstream reach (memoised in the
 * GraphIndex), one map over the in-flight operations, and for CASCADE the
 * upstream reach of each in-flight service (also memoised): no per-call work
 * grows with the number of services.
 */
export function detectConflicts(input: ConflictCheckInput): ConflictCheck {
  const { candidate, policy, now } = input;
  const index = input.graph instanceof GraphIndex ? input.graph : indexSnapshot(input.graph);
  const depth = policy.depth;
  const x = index.idOf(candidate.service);
  if (x === undefined) throw new AppError("NOT_FOUND", `Service "${candidate.service}" is not in the dependency graph`, { service: candidate.service });
  const X = candidate.service;

  const inFlightByService = new Map<number, OperationRef[]>();
  for (const op of input.inFlight) {
    if (op.id === candidate.id) continue; // the orchestrator may have registered the candidate already
    // Only the line for the candidate's own service looks at work that arrived after it
    // (a ROLLBACK submitted later goes ahead); every other type is checked against what came first.
    if (op.service !== candidate.service && op.seq !== undefined && candidate.seq !== undefined && op.seq > candidate.seq) continue;
    const id = index.idOf(op.service);
    if (id === undefined) continue; // a service removed from the graph since: nothing to relate it to
    const list = inFlightByService.get(id);
    if (list) list.push(op);
    else inFlightByService.set(id, [op]);
  }

  const conflicts: Conflict[] = [];
  const radii = new Map<number, BlastRadius>();
  const radiusWith = (y: number) => {
    let radius = radii.get(y);
    if (!radius) {
      radius = computeBlastRadius(index, y === x ? [x] : [x, y], depth);
      radii.set(y, radius);
    }
    return radius;
  };
  const add = (type: ConflictType, other: OperationRef, y: number, affectedServices: string[], explanation: string, evidence: Conflict["evidence"] = {}, actionOverride?: ConflictAction) => {
    const rule = policy.rules[type];
    // A ROLLBACK taking its service is recorded even when DIRECT is disabled: it acts on the other operation.
    if (!rule.enabled && actionOverride === undefined) return;
    const action = actionOverride ?? rule.action;
    conflicts.push({
      type,
      severity: rule.severity,
      action,
      conflictingOperationIds: [other.id],
      affectedServices,
      blastRadius: radiusWith(y),
      explanation,
      recommendation: recommend(action, other, evidence.notBefore),
      evidence,
    });
  };
  const describe = (op: OperationRef) => `an in-flight ${op.type} (${op.id}, by ${op.actor})`;

  // DIRECT: the same service, through its line (./service-line.ts, docs/conflicts.md).
  const sameService = inFlightByService.get(x) ?? [];
  const line = placeInLine(lineMemberOf(candidate, true), sameService.map((op) => lineMemberOf(op, false)), policy.rules.DIRECT);
  const byId = new Map(sameService.map((op) => [op.id, op]));
  const lineActions = ["QUEUE", "SUPERSEDE", "BLOCK"];
  if (goesFirst(lineMemberOf(candidate, true)) || (policy.rules.DIRECT.enabled && lineActions.includes(policy.rules.DIRECT.action))) {
    for (const m of line.ahead) {
      const op = byId.get(m.id)!;
      const how = line.verdict === "BLOCK" ? "two changes to one service cannot both be verified" : `this operation waits in line for ${X} behind it (position ${line.position})`;
      add("DIRECT", op, x, [X], `${X} already has ${describe(op)}, and ${how}.`);
    }
    for (const m of line.supersede) {
      add("DIRECT", byId.get(m.id)!, x, [X], `${X} has an older ${describe(byId.get(m.id)!)} that has not started; this newer DEPLOYMENT supersedes it.`, {}, "SUPERSEDE");
    }
    for (const m of line.preempt) {
      add("DIRECT", byId.get(m.id)!, x, [X], `${X} is being changed by ${describe(byId.get(m.id)!)}; this ${candidate.type} takes the service first: that change is stopped at its next safe point and superseded.`, {}, "SUPERSEDE");
    }
  } else {
    // Another action (WARN, DELAY, PAUSE_FOR_REVIEW) for any other operation on the service.
    for (const op of sameService) {
      if (candidate.type === "VERIFICATION" && op.type === "VERIFICATION") continue; // they share the service lock
      add("DIRECT", op, x, [X], `${X} already has ${describe(op)}, and two changes to one service cannot both be verified.`);
    }
  }

  // DEPENDENCY (1 hop) and DOWNSTREAM (2..depth hops): services X depends on.
  const down = index.downstream(x, depth);
  for (let i = 0; i < down.nodes.length; i++) {
    const y = down.nodes[i]!;
    const ops = inFlightByService.get(y);
    if (!ops) continue;
    const Y = index.nameOf(y);
    const path = names(index, index.path(x, y, depth) ?? [x, y]);
    for (const op of ops) {
      if (down.depths[i] === 1) {
        add("DEPENDENCY", op, y, [X, Y], `${X} depends on ${Y}, which has ${describe(op)}, so ${X}'s change would be verified against a ${Y} that is changing.`, { path });
      } else {
        add("DOWNSTREAM", op, y, path, `${X} depends on ${Y} through ${path.length - 1} hops (${path.join(" → ")}), and ${Y} has ${describe(op)}.`, { path });
      }
    }
  }

  // UPSTREAM: services that depend on X.
  const up = index.upstream(x, depth);
  for (let i = 0; i < up.nodes.length; i++) {
    const y = up.nodes[i]!;
    const ops = inFlightByService.get(y);
    if (!ops) continue;
    const Y = index.nameOf(y);
    const path = names(index, index.path(y, x, depth) ?? [y, x]);
    for (const op of ops) {
      const via = path.length > 2 ? ` through ${path.join(" → ")}` : "";
      add("UPSTREAM", op, y, path, `${Y} depends on ${X}${via} and has ${describe(op)}, which would see ${X} change underneath it.`, { path });
    }
  }

  // SHARED_RESOURCE: co-members of X's resource groups.
  const sharedWith = new Map<number, string[]>();
  for (const g of index.groupsOf(x)) {
    const group = index.groups[g]!;
    for (const member of group.members) {
      if (member === x || !inFlightByService.has(member)) continue;
      const list = sharedWith.get(member);
      if (list) list.push(group.name);
      else sharedWith.set(member, [group.name]);
    }
  }
  for (const [y, groups] of sharedWith) {
    const Y = index.nameOf(y);
    groups.sort();
    for (const op of inFlightByService.get(y)!) {
      add("SHARED_RESOURCE", op, y, [X, Y], `${X} and ${Y} both use ${groups.join(", ")}, and ${Y} has ${describe(op)}: a schema, connection or load change by either hits both.`, { resourceGroups: groups });
    }
  }

  // CASCADE: unconnected within depth, but called directly by a common dependent Z.
  if (policy.rules.CASCADE.enabled && inFlightByService.size > 0) {
    const connected = new Set([x, ...down.nodes, ...up.nodes]);
    const dependents = new Map<number, number[]>();
    for (const z of index.dependedOnBy(x)) {
      for (const y of index.dependsOn(z)) {
        if (connected.has(y) || !inFlightByService.has(y)) continue;
        const list = dependents.get(y);
        if (list) list.push(z);
        else dependents.set(y, [z]);
      }
    }
    for (const [y, zs] of dependents) {
      const Y = index.nameOf(y);
      const Zs = names(index, zs).sort();
      for (const op of inFlightByService.get(y)!) {
        add("CASCADE", op, y, [X, Y, ...Zs], `${Zs.join(", ")} ${Zs.length === 1 ? "depends" : "depend"} on both ${X} and ${Y}, and ${Y} has ${describe(op)}, so a failure there could not be told apart between the two changes.`, {
          commonDependents: Zs,
        });
      }
    }
  }

  // TIMING: the same service or a direct neighbour finished inside the window.
  const windowMs = policy.timingWindowSeconds * 1000;
  // A verification changes nothing, so it neither waits for effects to settle nor
  // leaves any; and the next step of the same incident (the verification or the
  // rollback after its remediation) follows the one before by design.
  if (policy.rules.TIMING.enabled && windowMs > 0 && input.recentlyFinished.length > 0 && candidate.type !== "VERIFICATION") {
    const near = new Set<number>([x, ...index.dependsOn(x), ...index.dependedOnBy(x)]);
    for (const op of input.recentlyFinished) {
      if (op.id === candidate.id || op.type === "VERIFICATION") continue;
      if (candidate.correlationId !== undefined && op.correlationId === candidate.correlationId) continue;
      const y = index.idOf(op.service);
      if (y === undefined || !near.has(y)) continue;
      // A finish stamped after `now` (clock skew between replicas) counts as just finished.
      const age = Math.max(0, now.getTime() - op.finishedAt.getTime());
      if (age >= windowMs) continue;
      const Y = op.service;
      const notBefore = new Date(op.finishedAt.getTime() + windowMs).toISOString();
      const where = y === x ? X : `${Y}, next to ${X},`;
      add("TIMING", op, y, y === x ? [X] : [X, Y], `${op.type} ${op.id} on ${where} finished ${Math.round(age / 1000)} s ago, inside the ${policy.timingWindowSeconds} s window, so its effects have not settled yet.`, {
        finishedAt: op.finishedAt.toISOString(),
        notBefore,
      });
    }
  }

  conflicts.sort(bySeverityThenType);
  return {
    operationId: candidate.id,
    service: X,
    line,
    checkedAt: now.toISOString(),
    conflicts,
    decision: decide(conflicts),
    blastRadius: radiusWith(x),
  };
}

/** The strictest action and the highest severity among the conflicts; PROCEED when there are none. */
export function decide(conflicts: readonly Conflict[]): ConflictDecision {
  if (conflicts.length === 0) return { action: "PROCEED", severity: null, notBefore: null };
  const action = ACTION_PRECEDENCE.find((a) => conflicts.some((c) => c.action === a))!;
  const severity = conflicts.reduce((top, c) => (CONFLICT_SEVERITIES.indexOf(c.severity) > CONFLICT_SEVERITIES.indexOf(top) ? c.severity : top), conflicts[0]!.severity);
  // Only a DELAY has a moment to wait for; the latest window end among the delaying conflicts.
  const ends = action === "DELAY" ? conflicts.filter((c) => c.action === "DELAY" && c.evidence.notBefore).map((c) => c.evidence.notBefore!) : [];
  return { action, severity, notBefore: ends.length > 0 ? ends.sort().at(-1)! : null };
}

function recommend(action: Conflict["action"], other: OperationRef, notBefore: string | undefined): string {
  switch (action) {
    case "BLOCK":
      return `Wait for ${other.id} to finish (or cancel it), then submit again.`;
    case "PAUSE_FOR_REVIEW":
      return `Coordinate with ${other.actor} or pause for human review: run after ${other.id} finishes unless a reviewer approves running both.`;
    case "DELAY":
      return notBefore ? `Start no earlier than ${notBefore}.` : `Start once ${other.id} has finished.`;
    case "WARN":
      return `Proceed, watching the affected services closely while ${other.id} is running.`;
    case "QUEUE":
      return `Wait in line: this operation starts once ${other.id} has finished (no need to resubmit).`;
    case "SUPERSEDE":
      return `${other.id} has not started and is replaced by this newer operation.`;
  }
}

function names(index: GraphIndex, ids: readonly number[]): string[] {
  return ids.map((id) => index.nameOf(id));
}

function bySeverityThenType(a: Conflict, b: Conflict): number {
  return (
    CONFLICT_SEVERITIES.indexOf(b.severity) - CONFLICT_SEVERITIES.indexOf(a.severity) ||
    CONFLICT_TYPES.indexOf(a.type) - CONFLICT_TYPES.indexOf(b.type) ||
    (a.conflictingOperationIds[0]! < b.conflictingOperationIds[0]! ? -1 : a.conflictingOperationIds[0]! > b.conflictingOperationIds[0]! ? 1 : 0)
  );
}
