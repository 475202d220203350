// The demo page where the demo is off (INTERLOCK_DEMO=false, the default on a
// DATABASE_URL deployment): what is off, why, and how to turn it on
// (docs/security.md#the-demo-on-a-real-deployment). Nothing of the demo runs
// behind this page; its API answers 404.
export function DemoOff() {
  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-2xl font-semibold">Demo</h1>
      </header>
      <section data-testid="demo-off" aria-labelledby="demo-off-heading" className="max-w-3xl space-y-3 rounded-lg border border-slate-200 bg-white p-5 text-sm text-slate-700">
        <h2 id="demo-off-heading" className="text-lg font-semibold text-slate-900">
          The demo is off on this deployment
        </h2>
        <p>
          This server runs on a real database (<code className="font-mono">DATABASE_URL</code>), where the self-healing demo and its failure injection matrix are off unless
          asked for: the matrix injects faults (a rewritten audit row, a partitioned lock store, a killed worker, pages to on-call), which have no place beside real
          operations.
        </p>
        <p>
          To turn it on, start the server with <code className="font-mono">INTERLOCK_DEMO=true</code>. Each run then happens in a sandbox database of its own, created
          for the run and dropped after it, with its own audit chain, locks and console inbox: nothing it does reaches this server&apos;s operations, locks, audit
          trail or notification channels. Only admins can start runs.
        </p>
        <p>
          Or run it in a terminal, with no server at all: <code className="font-mono">npm run demo</code> (a throwaway store of its own, see docs/demo.md).
        </p>
      </section>
    </div>
  );
}
