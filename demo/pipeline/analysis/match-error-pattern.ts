// The pattern matcher of detection (docs/demo.md#what-is-real-and-what-is-simulated):
// which known fault the error logs show, and how sure that is. Rule-based on
// purpose (the original demo specification: "LLM Analysis: 🔶 Rule-Based"): a library of regular expressions over the messages, each rule
// with a specificity that says how much a match on it alone is worth.
import type { ErrorPattern, LogEntry, SourceFrame } from "../types";

export interface ErrorPatternMatch {
  pattern: ErrorPattern;
  /** 0..1, rounded to 2 decimals. */
  confidence: number;
  /** The distinct messages that matched the winning rule (at most MAX_MATCHED_BY), for the evidence. */
  matchedBy: string[];
  /** The frame the matching lines point at most often, if any. */
  frame: SourceFrame | null;
}

interface PatternRule {
  pattern: Exclude<ErrorPattern, "UNKNOWN">;
  /** How much one rule's match is worth on its own: a message that can only mean this fault scores near 1. */
  specificity: number;
  test: RegExp;
}

// The order is the precedence for a message more than one rule recognises:
// pg's "timeout exceeded when trying to connect" is a pool that has no
// connection to give, not a slow upstream, so the pool rule comes before the
// timeout rule.
const RULES: readonly PatternRule[] = [
  {
    pattern: "CONNECTION_POOL_EXHAUSTED",
    specificity: 0.95,
    test: /timeout exceeded when trying to connect|too many clients|pool (?:is )?exhausted|remaining connection slots|could not (?:obtain|acquire) (?:a )?connection/i,
  },
  {
    pattern: "NULL_POINTER_EXCEPTION",
    specificity: 0.95,
    test: /NullPointerException|Cannot read propert(?:y|ies) (?:'[^']*' )?of (?:null|undefined)|'NoneType' object has no attribute|Object reference not set to an instance/i,
  },
  {
    pattern: "TRANSIENT_NETWORK_ERROR",
    // Lower: a reset connection is also what a crashing peer looks like.
    specificity: 0.85,
    test: /ECONNRESET|EPIPE|socket hang up|connection reset by peer|broken pipe/i,
  },
  {
    pattern: "UPSTREAM_TIMEOUT",
    specificity: 0.9,
    test: /TimeoutError|ETIMEDOUT|ESOCKETTIMEDOUT|timed out after|deadline exceeded|gateway timeout/i,
  },
];

/**
 * Fewer matching lines than this scale the confidence down: one line that
 * happens to match is an anecdote, not a pattern.
 */
const LINES_FOR_FULL_CONFIDENCE = 3;
/**
 * The confidence of UNKNOWN when there are error lines no rule explains: the
 * errors are real but the matcher cannot name them, well under the planner's
 * 0.7 floor so a person decides (docs/spec/failure-matrix.md#the-rows, row 19: confidence < 70 %).
 */
const UNKNOWN_CONFIDENCE = 0.3;
const MAX_MATCHED_BY = 5;

/** Classifies the ERROR lines of `logs`; UNKNOWN when no rule recognises any of them. */
export function matchErrorPattern(logs: LogEntry[]): ErrorPatternMatch {
  const errors = logs.filter((entry) => entry.level === "ERROR");
  if (errors.length === 0) return { pattern: "UNKNOWN", confidence: 0, matchedBy: [], frame: null };

  // Each line counts for the first rule that recognises it.
  const matches = new Map<PatternRule, LogEntry[]>();
  for (const entry of errors) {
    const rule = RULES.find((r) => r.test.test(entry.message));
    if (rule) matches.set(rule, [...(matches.get(rule) ?? []), entry]);
  }

  // Most lines wins; on a tie the earlier (more specific) rule.
  let winner: PatternRule | null = null;
  for (const rule of RULES) {
    if ((matches.get(rule)?.length ?? 0) > (winner ? matches.get(winner)!.length : 0)) winner = rule;
  }
  if (!winner) return { pattern: "UNKNOWN", confidence: UNKNOWN_CONFIDENCE, matchedBy: [], frame: mostCommonFrame(errors) };

  const matched = matches.get(winner)!;
  const share = matched.length / errors.length;
  const evidence = Math.min(1, matched.length / LINES_FOR_FULL_CONFIDENCE);
  return {
    pattern: winner.pattern,
    confidence: round2(winner.specificity * share * evidence),
    matchedBy: [...new Set(matched.map((entry) => entry.message))].slice(0, MAX_MATCHED_BY),
    frame: mostCommonFrame(matched),
  };
}

/**
 * The property a null dereference tried to read, e.g. "email" from
 * "TypeError: Cannot read properties of null (reading 'email')" (V8), "Cannot
 * read property 'email' of null" (older V8) or "'NoneType' object has no
 * attribute 'email'" (Python); null when the message does not say.
 */
export function extractNullPropertyName(message: string): string | null {
  const found =
    /\(reading '([^']+)'\)/.exec(message) ??
    /Cannot read property '([^']+)' of/.exec(message) ??
    /has no attribute '([^']+)'/.exec(message);
  return found?.[1] ?? null;
}

function mostCommonFrame(entries: LogEntry[]): SourceFrame | null {
  const counts = new Map<string, { frame: SourceFrame; count: number }>();
  for (const { frame } of entries) {
    if (!frame) continue;
    const key = `${frame.file}\u0000${frame.function}\u0000${frame.line ?? ""}`;
    const seen = counts.get(key);
    if (seen) seen.count++;
    else counts.set(key, { frame, count: 1 });
  }
  let best: { frame: SourceFrame; count: number } | null = null;
  for (const candidate of counts.values()) if (!best || candidate.count > best.count) best = candidate;
  return best ? { ...best.frame } : null;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
