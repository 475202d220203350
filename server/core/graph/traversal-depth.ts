import { AppError } from "../errors";
import { MAX_TRAVERSAL_DEPTH } from "./types";

/**
 * Stores put the depth into the query text (Cypher cannot take a
 * variable-length bound as a parameter), so it is checked here first: only an
 * integer 1..MAX_TRAVERSAL_DEPTH ever reaches a query.
 */
export function assertTraversalDepth(depth: number): number {
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_TRAVERSAL_DEPTH) {
    throw new AppError("VALIDATION_FAILED", `traversal depth must be an integer from 1 to ${MAX_TRAVERSAL_DEPTH}, got ${depth}`, { depth });
  }
  return depth;
}
