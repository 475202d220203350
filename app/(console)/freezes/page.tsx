import { FreezeWindows } from "@/components/freezes/freeze-windows";

export const metadata = { title: "Change freezes · Interlock" };

export default function FreezesPage() {
  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-2xl font-semibold">Change freezes</h1>
        <p className="text-sm text-slate-600">
          Deny windows hold back the changes in their scope while they are in force; allow windows are the only times the changes in their scope may run. A window recurs by an RRULE in its own time zone. Rollbacks are exempt unless a window says otherwise.
        </p>
      </header>
      <FreezeWindows />
    </div>
  );
}
