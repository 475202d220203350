import Link from "next/link";
import { DependencyGraph, type Subject } from "@/components/graph/dependency-graph";

export const metadata = { title: "Dependency graph · Interlock" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function GraphPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const service = typeof params.service === "string" ? params.service : null;
  const operation = typeof params.operation === "string" && UUID.test(params.operation) ? params.operation : null;
  const initial: Subject = operation ? { kind: "operation", operationId: operation } : service ? { kind: "service", service } : null;
  return (
    <div className="space-y-4">
      <header className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h1 className="text-2xl font-semibold">Dependency graph</h1>
          <p className="text-sm text-slate-600">Services, their dependencies and shared resources. Choose a service or an in-flight operation to see its blast radius; click an edge to see where it came from.</p>
        </div>
        <Link href="/graph/sources" className="rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50">
          Sources, drift and apply a topology →
        </Link>
      </header>
      <DependencyGraph initial={initial} />
    </div>
  );
}
