import { AuditTrail } from "@/components/audit/audit-trail";

export default function AuditPage() {
  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-2xl font-semibold">Audit trail</h1>
        <p className="text-sm text-slate-600">Every action, in a SHA-256 hash chain: verify it, see where it broke, export it.</p>
      </header>
      <AuditTrail />
    </div>
  );
}
