import "server-only";

import type { AuditSeverity } from "../../core/audit/types";

// Small text helpers shared by the channel renderers.

/**
 * `text` cut to at most `max` UTF-16 code units, ending in "…" when cut, and
 * never splitting a surrogate pair (an emoji cut in half is invalid UTF-8 on
 * the wire). Receivers that count characters count at most this many.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return "";
  let cut = max - 1;
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** Escapes each code point with `escape` and stops before the result would pass `max` (ending in "…"), so an entity is never cut in half. */
export function escapeWithin(text: string, max: number, escape: (char: string) => string): string {
  const whole = Array.from(text, escape).join("");
  if (whole.length <= max) return whole;
  let out = "";
  for (const char of text) {
    const piece = escape(char);
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

export const SEVERITY_EMOJI: Record<AuditSeverity, string> = {
  INFO: "ℹ️",
  WARNING: "⚠️",
  ERROR: "❌",
  CRITICAL: "🚨",
};

/** The service, operation id and correlation id that are present, labelled, in that order: what each channel shows as context. */
export function contextParts(message: { service: string | null; operationId: string | null; correlationId: string | null }): { label: string; value: string }[] {
  const parts: { label: string; value: string }[] = [];
  if (message.service) parts.push({ label: "Service", value: message.service });
  if (message.operationId) parts.push({ label: "Operation", value: message.operationId });
  if (message.correlationId) parts.push({ label: "Correlation", value: message.correlationId });
  return parts;
}
