"use client";

// The one-click demo: a NullPointerException in payment-service, healed end to end.
import type { TDemoCatalog } from "@/lib/api/demo";
import { StartRefusal, type StartBlock, type StartRequest } from "./common";

/** What the one-click demo injects (demo/pipeline/incident-scripts.ts PAYMENT_NULL_POINTER; docs/demo.md#the-reference-scenario). */
const REFERENCE_DEMO = {
  id: "high-error-rate",
  facts: [
    ["Service", "payment-service"],
    ["Fault", "NullPointerException: processPayment reads user.email on a null user"],
    ["Symptom", "15 % of requests fail at 2,000 requests/min (alert threshold 2 %)"],
  ],
} as const;

export function DemoCard({
  catalog,
  block,
  onStart,
  refusal,
  onShowRun,
}: {
  catalog: TDemoCatalog;
  block: StartBlock | null;
  onStart: (request: StartRequest) => void;
  refusal: unknown;
  onShowRun: (id: string) => void;
}) {
  const scenario = catalog.scenarios.find((s) => s.id === catalog.demoScenario);
  const facts: readonly (readonly [string, string])[] =
    catalog.demoScenario === REFERENCE_DEMO.id ? REFERENCE_DEMO.facts : scenario ? [["Injected at", scenario.injectedAt]] : [];
  const timeScale =
    catalog.timeScale === 1
      ? `simulated waits (canary bakes, image build) run in real time; the MTTR is compared with ${catalog.manualMttrMinutes} min by hand`
      : `simulated waits (canary bakes, image build) run ${catalog.timeScale}× faster, so a run's durations are stated in simulated time with the wall time beside them, and only the simulated MTTR is compared with ${catalog.manualMttrMinutes} min by hand`;

  return (
    <section aria-labelledby="demo-card-heading" className="rounded-lg border border-slate-200 bg-white p-5 shadow-sm" data-testid="demo-card">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0 max-w-3xl space-y-2">
          <p className="text-xs font-medium uppercase tracking-wide text-sky-700">The one-click demo</p>
          <h2 id="demo-card-heading" className="text-xl font-semibold">
            {scenario ? scenario.title : catalog.demoScenario}: a production incident healed end to end
          </h2>
          {facts.length > 0 && (
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="demo-injects">
              {facts.map(([k, v]) => (
                <div key={k} className="contents">
                  <dt className="text-slate-500">{k}</dt>
                  <dd className={k === "Service" ? "font-mono text-slate-900" : "text-slate-900"}>{v}</dd>
                </div>
              ))}
            </dl>
          )}
          {scenario && (
            <p className="text-sm text-slate-600">
              <span className="font-medium text-slate-700">Expected:</span> {scenario.expected}. Detection, root cause analysis on the dependency graph, code localization, fix planning with the risk score, a patch as a unified diff, safety gates and locks, canary 10 % → 50 % → 100 %, verification and close.
            </p>
          )}
        </div>
        <div className="flex w-64 shrink-0 flex-col items-stretch gap-2">
          <button
            type="button"
            onClick={() => onStart({ scenario: catalog.demoScenario, origin: "demo" })}
            disabled={block !== null}
            aria-describedby={block ? "demo-blocked-reason" : undefined}
            className="rounded bg-slate-900 px-4 py-2.5 text-sm font-semibold text-white shadow-sm hover:bg-slate-700 disabled:cursor-not-allowed disabled:bg-slate-400"
          >
            {block?.kind === "starting" ? "Starting …" : block?.kind === "running" ? "Running …" : "Run the demo"}
          </button>
          <p className="text-xs text-slate-500" data-testid="time-scale">
            Time scale {catalog.timeScale}×: {timeScale}.
          </p>
        </div>
      </div>
      {block && block.kind !== "starting" && (
        <p id="demo-blocked-reason" data-testid="demo-blocked-reason" className={`mt-3 rounded border px-3 py-2 text-sm ${block.kind === "unavailable" ? "border-red-200 bg-red-50 text-red-800" : "border-slate-200 bg-slate-50 text-slate-700"}`}>
          {block.reason}
          {block.runId && (
            <>
              {" "}
              <button type="button" onClick={() => onShowRun(block.runId!)} className="text-sky-700 hover:underline">
                Show it
              </button>
            </>
          )}
        </p>
      )}
      {refusal ? (
        <div className="mt-3">
          <StartRefusal error={refusal} onShowRun={onShowRun} />
        </div>
      ) : null}
    </section>
  );
}
