import type { Metadata } from "next";
import type { ReactNode } from "react";
import { AppNav } from "@/components/nav/app-nav";
import "./globals.css";

export const metadata: Metadata = {
  title: "Interlock",
  description: "Safety control plane for self-healing production systems",
  icons: { icon: "/favicon.svg" },
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">
        <div className="flex min-h-screen">
          <aside className="w-60 shrink-0 bg-slate-900 px-3 py-5">
            <div className="mb-6 px-3">
              <p className="text-lg font-semibold text-white">Interlock</p>
              <p className="text-xs text-slate-400">Safety control plane</p>
            </div>
            <AppNav />
          </aside>
          <main className="min-w-0 flex-1 px-8 py-6">{children}</main>
        </div>
      </body>
    </html>
  );
}
