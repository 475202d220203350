import { LOCK_PRIORITIES, lockPriorityFor } from "../locks/priority";
import type { ConflictRule } from "./policy";
import type { OperationRef, OperationStateName as OperationState, OperationType } from "./types";

/** One unfinished operation on a service, as the line for that service sees it. */
export interface LineMember {
  id: string;
  type: OperationType;
  state: OperationState;
  actor: string;
  /** Lock priority: 0 (CRITICAL) is the most urgent. */
  priority: number;
  /** Arrival order across processes. */
  seq: bigint;
  /** It has started executing (started_at is set): a change may be half applied. */
  started: boolean;
  /** Its current attempt, when known (its locks are held as op:<id>#<attempt>). */
  attempt?: number;
  /** It is waiting in line (it was told to wait and has not had its turn since). */
  queued?: boolean;
}

export type LineVerdict = "GO" | "WAIT" | "BLOCK";

export interface LinePlacement {
  verdict: LineVerdict;
  /** What the candidate waits for (WAIT) or is refused because of (BLOCK), first in line first. */
  ahead: LineMember[];
  /** 1 when nothing is ahead; otherwise the place it would take. */
  position: number;
  /** Changes running on the service that the candidate stops (it takes the service first). */
  preempt: LineMember[];
  /** Holders of the service lock that have not started: they give the lock back and wait again. */
  sendBack: LineMember[];
  /** Older DEPLOYMENTs that have not started and are replaced by the candidate (SUPERSEDE). */
  supersede: LineMember[];
}

const ACTIVE: readonly OperationState[] = ["INIT", "LOCKED", "SAFETY_CHECK", "IN_PROGRESS"];
const HOLDS_LOCK: readonly OperationState[] = ["LOCKED", "SAFETY_CHECK"];

/** Executing now, or paused part-way through executing: the service may be half changed. */
export function isExecuting(m: Pick<LineMember, "state" | "started">): boolean {
  return m.state === "IN_PROGRESS" || (m.state === "PAUSED_FOR_HUMAN_REVIEW" && m.started);
}

/**
 * Takes a place in the line: an active operation, or one paused part-way
 * through executing. One paused before it started holds nothing and no place
 * (docs/lifecycle.md#one-change-at-a-time-per-service: a reviewer's decision can take hours; the work behind
 * it goes on, and its evidence is re-evaluated when it is approved).
 */
function occupies(m: LineMember): boolean {
  return ACTIVE.includes(m.state) || isExecuting(m);
}

/** Earlier in line: more urgent, or as urgent and arrived first. */
function before(a: Pick<LineMember, "priority" | "seq">, b: Pick<LineMember, "priority" | "seq">): boolean {
  return a.priority < b.priority || (a.priority === b.priority && a.seq < b.seq);
}

function order(a: LineMember, b: LineMember): number {
  return before(a, b) ? -1 : before(b, a) ? 1 : 0;
}

/** Whether the candidate takes its service ahead of everything less urgent (docs/lifecycle.md "Rollbacks first"). */
export function goesFirst(candidate: Pick<LineMember, "type" | "priority">): boolean {
  return candidate.type === "ROLLBACK" || candidate.priority === LOCK_PRIORITIES.CRITICAL;
}

/**
 * Where `candidate` stands among the unfinished operations on its own
 * service, and what it must do about them (docs/lifecycle.md "One change at
 * a time per service"). Pure: the orchestrator acts on the answer.
 *
 * - Two VERIFICATIONs never wait for each other (they share the service lock).
 * - A ROLLBACK or a CRITICAL operation is never held by less urgent work that
 *   is paused, queued or not yet executing: it goes ahead of it, sends a lock
 *   holder that has not started back into line, and preempts a less urgent
 *   change that is executing. It waits only for equally urgent work ahead.
 * - Anything else waits (QUEUE) for every operation ahead of it in (priority,
 *   arrival) order and for whatever is already on its way to the service
 *   (executing, holding the lock, or arrived earlier and not waiting in
 *   line); BLOCK refuses it instead;
 *   SUPERSEDE lets a DEPLOYMENT replace the older DEPLOYMENTs that have not
 *   started, and wait for the rest.
 * - With DIRECT disabled, or given another action, the line imposes nothing
 *   (the lock alone keeps two executions apart).
 */
export function placeInLine(candidate: LineMember, others: readonly LineMember[], rule: ConflictRule): LinePlacement {
  const relevant = others.filter((o) => o.id !== candidate.id && !(candidate.type === "VERIFICATION" && o.type === "VERIFICATION"));
  const none: LinePlacement = { verdict: "GO", ahead: [], position: 1, preempt: [], sendBack: [], supersede: [] };

  if (goesFirst(candidate)) {
    const lessUrgent = (o: LineMember) => o.priority > candidate.priority;
    const preempt = relevant.filter((o) => lessUrgent(o) && isExecuting(o)).sort(order);
    const sendBack = relevant.filter((o) => lessUrgent(o) && HOLDS_LOCK.includes(o.state)).sort(order);
    const ahead = relevant.filter((o) => !lessUrgent(o) && occupies(o) && (before(o, candidate) || isExecuting(o))).sort(order);
    return { verdict: ahead.length > 0 ? "WAIT" : "GO", ahead, position: ahead.length + 1, preempt, sendBack, supersede: [] };
  }

  if (!rule.enabled || !["QUEUE", "SUPERSEDE", "BLOCK"].includes(rule.action)) return none;
  // Priority reorders the line, not what is already on its way to the service: something
  // executing, holding the lock, or arrived earlier and not waiting in line (it may be
  // taking the lock now) stays ahead of a more urgent newcomer.
  const onItsWay = (o: LineMember) => isExecuting(o) || HOLDS_LOCK.includes(o.state) || (o.state === "INIT" && !o.queued && o.seq < candidate.seq);
  let ahead = relevant.filter((o) => occupies(o) && (before(o, candidate) || onItsWay(o))).sort(order);
  if (rule.action === "BLOCK") {
    return ahead.length > 0 ? { ...none, verdict: "BLOCK", ahead, position: ahead.length + 1 } : none;
  }
  let supersede: LineMember[] = [];
  if (rule.action === "SUPERSEDE" && candidate.type === "DEPLOYMENT") {
    // Older deployments that changed nothing yet, including one paused for review before it started.
    supersede = relevant.filter((o) => o.type === "DEPLOYMENT" && !o.started && o.state !== "IN_PROGRESS" && o.seq < candidate.seq && o.priority >= candidate.priority).sort(order);
    const replaced = new Set(supersede.map((o) => o.id));
    ahead = ahead.filter((o) => !replaced.has(o.id));
  }
  return { verdict: ahead.length > 0 ? "WAIT" : "GO", ahead, position: ahead.length + 1, preempt: [], sendBack: [], supersede };
}

/** "DEPLOYMENT 0190… (IN_PROGRESS, by alice)" for reasons and audit payloads. */
export function describeMember(m: LineMember): string {
  return `${m.type} ${m.id} (${m.state === "PAUSED_FOR_HUMAN_REVIEW" ? "paused" : m.state}, by ${m.actor})`;
}

/** An operation as the line sees it; missing fields read as documented on OperationRef. */
export function lineMemberOf(op: OperationRef, isCandidate: boolean): LineMember {
  return {
    id: op.id,
    type: op.type,
    state: op.state ?? "INIT",
    actor: op.actor,
    priority: op.priority ?? LOCK_PRIORITIES[lockPriorityFor(op.type)],
    seq: op.seq ?? (isCandidate ? BigInt(Number.MAX_SAFE_INTEGER) : 0n),
    started: op.started ?? false,
    ...(op.attempt !== undefined ? { attempt: op.attempt } : {}),
    queued: op.queued ?? false,
  };
}

