"use client";

// The self-healing demo: the one-click demo, the run being watched
// with its live log and verdict, and the 20-row failure injection matrix. Runs
// live in this server's memory, so they are polled (every second while one runs),
// not pushed by the live-update stream.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { apiFetch } from "@/lib/api/client";
import type { TDemoCatalog, TDemoPlace, TDemoRun, TDemoRunList } from "@/lib/api/demo";
import { queryKeys } from "@/lib/api/query-keys";
import { can, usePrincipal } from "../console/providers";
import { ErrorBox, Loading } from "../kpis/query-states";
import { type StartBlock, type StartRequest } from "./common";
import { DemoCard } from "./demo-card";
import { FailureMatrix } from "./failure-matrix";
import { RunPanel } from "./run-panel";

export function DemoPage() {
  const principal = usePrincipal();
  const client = useQueryClient();
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const runPanel = useRef<HTMLElement>(null);

  const catalog = useQuery({ queryKey: queryKeys.demoCatalog(), queryFn: ({ signal }) => apiFetch<TDemoCatalog>("/api/v1/demo/scenarios", { signal }), staleTime: 60_000 });
  const runs = useQuery({
    queryKey: queryKeys.demoRuns(),
    queryFn: ({ signal }) => apiFetch<TDemoRunList>("/api/v1/demo/runs", { signal }),
    // Fast while a run is going (the matrix shows its state), slowly otherwise to notice runs started elsewhere.
    refetchInterval: (query) => (query.state.data?.items.some((r) => r.status === "RUNNING") ? 2_000 : 10_000),
  });

  const shownId = selectedId ?? runs.data?.items[0]?.id ?? null;
  const listed = runs.data?.items.find((r) => r.id === shownId);
  const run = useQuery({
    queryKey: queryKeys.demoRun(shownId ?? "none"),
    queryFn: async ({ signal }) => {
      const fresh = await apiFetch<TDemoRun>(`/api/v1/demo/runs/${encodeURIComponent(shownId!)}`, { signal });
      if (fresh.status !== "RUNNING") {
        // Finished: the list (and the matrix's last results) catch up at once, and so do pages that show what the run did.
        const inList = client.getQueryData<TDemoRunList>(queryKeys.demoRuns())?.items.find((r) => r.id === fresh.id);
        if (inList?.status === "RUNNING") {
          void client.invalidateQueries({ queryKey: queryKeys.demoRuns() });
          void client.invalidateQueries({ queryKey: ["incidents"] });
          void client.invalidateQueries({ queryKey: ["operations"] });
        }
      }
      return fresh;
    },
    enabled: shownId !== null,
    placeholderData: listed,
    refetchInterval: (query) => (query.state.data?.status === "RUNNING" ? 1_000 : false),
  });

  const start = useMutation({
    mutationFn: ({ scenario }: StartRequest) => apiFetch<TDemoRun>("/api/v1/demo/runs", { body: { scenario } }),
    onSuccess: (started, { origin }) => {
      client.setQueryData(queryKeys.demoRun(started.id), started);
      client.setQueryData<TDemoRunList>(queryKeys.demoRuns(), (old) => ({ items: [started, ...(old?.items ?? []).filter((r) => r.id !== started.id)] }));
      setSelectedId(started.id);
      if (origin === "matrix") runPanel.current?.scrollIntoView({ behavior: "smooth", block: "start" });
    },
    onError: () => void client.invalidateQueries({ queryKey: queryKeys.demoRuns() }),
  });

  if (catalog.isPending) return <Shell><Loading what="the demo scenarios" /></Shell>;
  if (catalog.isError) return <Shell><ErrorBox error={catalog.error} what="the demo scenarios" onRetry={() => void catalog.refetch()} /></Shell>;

  const shown = run.data ?? listed ?? null;
  // The freshest view of each run: the watched run's own poll beats the list's.
  const items = (runs.data?.items ?? []).map((r) => (shown && r.id === shown.id ? shown : r));
  const running = items.find((r) => r.status === "RUNNING") ?? null;

  let block: StartBlock | null = null;
  if (!catalog.data.available) block = { kind: "unavailable", reason: `The demo cannot run on this server: ${catalog.data.unavailableReason ?? "no reason given"}.` };
  else if (!can(principal, "ADMIN")) block = { kind: "role", reason: `Running a scenario needs the admin role; you are signed in as ${principal.role.toLowerCase()}, so you can watch runs but not start them.` };
  else if (running) block = { kind: "running", runId: running.id, reason: `A run is in progress: “${running.scenario.title}” (row ${running.scenario.row}), started by ${running.startedBy}. One scenario runs at a time; the buttons come back when it ends.` };
  else if (start.isPending) block = { kind: "starting", reason: "Starting …" };

  const select = (id: string) => {
    setSelectedId(id);
    runPanel.current?.scrollIntoView({ behavior: "smooth", block: "start" });
  };
  const startRun = (request: StartRequest) => {
    start.reset();
    start.mutate(request);
  };
  const refusal = start.isError ? { origin: start.variables?.origin ?? "demo", scenario: start.variables?.scenario ?? "", error: start.error } : null;

  return (
    <Shell where={catalog.data.where}>
      <DemoCard catalog={catalog.data} block={block} onStart={startRun} refusal={refusal?.origin === "demo" ? refusal.error : null} onShowRun={select} />
      <section ref={runPanel} aria-labelledby="run-heading" className="scroll-mt-4 space-y-3">
        <h2 id="run-heading" className="text-lg font-semibold">
          {shown?.status === "RUNNING" ? "Current run" : "Selected run"}
        </h2>
        {runs.isError && !shown ? (
          <ErrorBox error={runs.error} what="this server's runs" onRetry={() => void runs.refetch()} />
        ) : runs.isPending && !shown ? (
          <Loading what="this server's runs" />
        ) : shown ? (
          <RunPanel run={shown} manualMttrMinutes={catalog.data.manualMttrMinutes} error={run.isError ? run.error : null} />
        ) : (
          <p className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-sm text-slate-600" data-testid="no-runs">
            No run on this server yet. Run the demo above, or inject a row of the matrix below: its log appears here as it happens, then its verdict.
          </p>
        )}
      </section>
      <FailureMatrix
        catalog={catalog.data}
        runs={items}
        selectedId={shown?.id ?? null}
        block={block}
        onInject={(scenario) => startRun({ scenario, origin: "matrix" })}
        refusal={refusal?.origin === "matrix" ? { scenario: refusal.scenario, error: refusal.error } : null}
        onShowRun={select}
      />
    </Shell>
  );
}

function Shell({ children, where }: { children: React.ReactNode; where?: TDemoPlace | null }) {
  return (
    <div className="space-y-6">
      <header className="space-y-2">
        <h1 className="text-2xl font-semibold">Demo</h1>
        <p className="text-sm text-slate-600">
          {where?.sandboxed
            ? "The self-healing pipeline on a real orchestrator, locks, gates and audit log of its own: the faults and the telemetry are simulated, every decision taken on them is real. Each run is measured, not written down."
            : "The self-healing pipeline on this server's real orchestrator, locks, gates and audit log: the faults and the telemetry are simulated, every decision taken on them is real. Each run is measured, not written down."}
        </p>
        {where && (
          <p
            data-testid="demo-where"
            data-sandboxed={where.sandboxed}
            className={`rounded border px-3 py-2 text-sm ${where.sandboxed ? "border-sky-200 bg-sky-50 text-sky-950" : "border-slate-200 bg-slate-50 text-slate-700"}`}
          >
            <span className="font-medium">{where.sandboxed ? "Runs happen in a sandbox: " : "Runs happen in "}</span>
            {where.description}.
          </p>
        )}
      </header>
      {children}
    </div>
  );
}
