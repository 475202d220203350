import { OperationsList, type OperationFilters } from "@/components/operations/operations-list";

export const metadata = { title: "Operations · Interlock" };

type Search = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";

export default async function OperationsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const sp = await searchParams;
  const initialFilters: OperationFilters = {
    state: one(sp.state).split(",").filter(Boolean),
    type: one(sp.type),
    service: one(sp.service),
    actor: one(sp.actor),
    correlationId: one(sp.correlationId),
  };
  return (
    <div className="space-y-4">
      <header>
        <h1 className="text-2xl font-semibold">Operations</h1>
        <p className="text-sm text-slate-600">Every change submitted to Interlock, newest first. Open one for its timeline, gates, conflicts, locks and audit trail.</p>
      </header>
      <OperationsList initialFilters={initialFilters} />
    </div>
  );
}
