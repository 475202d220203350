import { DependencyGraph } from "@/components/graph/dependency-graph";

export const metadata = { title: "Dependency graph · Interlock" };

export default function GraphPage() {
  return (
    <div className="space-y-4">
      <header>
        <h1 className="text-2xl font-semibold">Dependency graph</h1>
        <p className="text-sm text-slate-600">Services, their dependencies and shared resources. Choose a service or an in-flight operation to see its blast radius.</p>
      </header>
      <DependencyGraph />
    </div>
  );
}
