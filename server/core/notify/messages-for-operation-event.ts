import type { OperationDetail } from "../operations/get-operation-detail";
import type { OperationEvent } from "../operations/orchestrator-deps";
import {
  conflictDetectedMessage,
  humanReviewRequiredMessage,
  lockAcquiredMessage,
  operationFailedMessage,
  operationRolledBackMessage,
  reviewDecidedResolveMessage,
  safetyGateFailedMessage,
  type ConsoleLinks,
} from "./templates";
import type { NotificationMessage } from "./types";

/** The events worth telling someone about; the rest (SAFETY_CHECK, IN_PROGRESS, COMPLETED) are not. */
export function isNotifiable(event: OperationEvent): boolean {
  if (event.kind !== "transition") return ["review.approved", "review.rejected", "review.expired", "cancelled"].includes(event.kind);
  return ["LOCKED", "PAUSED_FOR_HUMAN_REVIEW", "FAILED", "ROLLED_BACK"].includes(event.state);
}

/**
 * What to send for an operation event, from the operation as the store
 * recorded it: a pause sends the review request (with approve/reject links)
 * and what caused it; a block says which conflict or gate; a failure pages; a
 * decision closes the PagerDuty incident an escalation may have opened (sent
 * only if one was opened). Pure.
 */
export function messagesForOperationEvent(event: OperationEvent, detail: OperationDetail, links: ConsoleLinks): NotificationMessage[] {
  const out: (NotificationMessage | null)[] = [];
  switch (event.kind) {
    case "review.approved":
      out.push(reviewDecidedResolveMessage(detail, "approved"));
      break;
    case "review.rejected":
      out.push(reviewDecidedResolveMessage(detail, "rejected"));
      break;
    case "review.expired":
      out.push(reviewDecidedResolveMessage(detail, "expired"), operationFailedMessage(detail, links));
      break;
    case "cancelled":
      if (detail.review) out.push(reviewDecidedResolveMessage(detail, "cancelled"));
      break;
    case "transition":
      if (event.state === "LOCKED") out.push(lockAcquiredMessage(detail, links));
      else if (event.state === "PAUSED_FOR_HUMAN_REVIEW") out.push(humanReviewRequiredMessage(detail, links), conflictDetectedMessage(detail, links), safetyGateFailedMessage(detail, links));
      else if (event.state === "ROLLED_BACK") out.push(operationRolledBackMessage(detail, links));
      else if (event.state === "FAILED") {
        const result = detail.operation.result;
        if (result === "BLOCKED_BY_CONFLICT") out.push(conflictDetectedMessage(detail, links));
        else if (result === "BLOCKED_BY_GATE") out.push(safetyGateFailedMessage(detail, links));
        else out.push(operationFailedMessage(detail, links));
      }
      break;
  }
  return out.filter((m): m is NotificationMessage => m !== null);
}
