import type { TChangeScope } from "@/lib/api/halts";

/** "every change", or "service payment-service; tier 1": what a scope covers, in words (docs/freezes.md#scope). */
export function describeScope(scope: TChangeScope): string {
  const part = (one: string, many: string, xs: readonly (string | number)[]) => (xs.length ? `${xs.length === 1 ? one : many} ${xs.join(", ")}` : null);
  const parts = [part("service", "services", scope.services), part("team", "teams", scope.teams), part("tier", "tiers", scope.tiers), part("type", "types", scope.types)].filter(Boolean);
  return parts.length ? parts.join("; ") : "every change";
}
