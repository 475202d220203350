import type { ReactNode } from "react";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { AppNav } from "@/components/nav/app-nav";
import { ConsoleProviders } from "@/components/console/providers";
import { UserMenu } from "@/components/auth/user-menu";
import { ChangeControlBanner } from "@/components/freezes/change-control-banner";
import { StopTheLineButton } from "@/components/freezes/stop-the-line";
import { consoleUser } from "@/server/http/console-session";
import { getEnv } from "@/server/env";

// Every console page needs a signed-in user; the pages call the same API as automation.
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  await connection();
  const user = await consoleUser();
  if (!user) redirect("/signin");
  return (
    <ConsoleProviders principal={user}>
      <div className="flex min-h-screen">
        <aside className="flex w-60 shrink-0 flex-col bg-slate-900 px-3 py-5">
          <div className="mb-6 px-3">
            <p className="text-lg font-semibold text-white">Interlock</p>
            <p className="text-xs text-slate-400">Safety control plane</p>
          </div>
          <AppNav off={getEnv().INTERLOCK_DEMO ? [] : ["/demo"]} />
          <div className="mt-auto space-y-4 pt-6">
            <StopTheLineButton />
            <UserMenu />
          </div>
        </aside>
        <main className="min-w-0 flex-1 px-8 py-6">
          {/* What holds changes back now, on every page (docs/freezes.md#the-banner). */}
          <ChangeControlBanner />
          {children}
        </main>
      </div>
    </ConsoleProviders>
  );
}
