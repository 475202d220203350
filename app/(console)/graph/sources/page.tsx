import Link from "next/link";
import { ApplyTopology } from "@/components/graph/apply-topology";
import { GraphSources } from "@/components/graph/graph-sources";

export const metadata = { title: "Graph sources · Interlock" };

export default function GraphSourcesPage() {
  return (
    <div className="space-y-6">
      <header className="flex items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold">Graph sources</h1>
          <p className="text-sm text-slate-600">
            Where the dependency graph comes from: topology files and console changes, the service catalog and traffic seen in traces. Each refresh applies what a source adds or changes; removals wait for an admin. Drift shows where what is declared and what traffic shows disagree.
          </p>
        </div>
        <Link href="/graph" className="shrink-0 rounded border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50">
          ← Dependency graph
        </Link>
      </header>
      <GraphSources />
      <ApplyTopology />
    </div>
  );
}
