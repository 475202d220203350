import { ActiveLocks } from "@/components/locks/active-locks";
import { LockStatistics } from "@/components/locks/lock-statistics";

export default function LocksPage() {
  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-2xl font-semibold">Active locks</h1>
        <p className="text-sm text-slate-600">Every lock held or waited for, with its fencing token and the time its lease has left.</p>
      </header>
      <section aria-labelledby="locks-heading" className="space-y-3">
        <h2 id="locks-heading" className="text-lg font-semibold">Held and awaited</h2>
        <ActiveLocks />
      </section>
      <section aria-labelledby="lock-stats-heading" className="space-y-3">
        <h2 id="lock-stats-heading" className="text-lg font-semibold">Contention statistics</h2>
        <LockStatistics />
      </section>
    </div>
  );
}
