"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { NAV_ITEMS } from "@/lib/navigation";

/** `off`: pages this deployment has turned off (the demo without INTERLOCK_DEMO): still links, to the page that says so, marked "off". */
export function AppNav({ off = [] }: { off?: string[] }) {
  const pathname = usePathname();
  // The most specific item is the current page (/operations/new is not also /operations).
  const current = NAV_ITEMS.filter((i) => i.built && (pathname === i.href || (i.href !== "/" && pathname.startsWith(`${i.href}/`)))).sort((a, b) => b.href.length - a.href.length)[0]?.href;
  return (
    <nav aria-label="Main" className="flex flex-col gap-1">
      {NAV_ITEMS.map((item) =>
        item.built ? (
          <Link
            key={item.href}
            href={item.href}
            aria-current={item.href === current ? "page" : undefined}
            className="rounded px-3 py-2 text-sm font-medium text-slate-200 hover:bg-slate-800 aria-[current=page]:bg-slate-800 aria-[current=page]:text-white"
          >
            {off.includes(item.href) ? (
              <span className="flex items-center justify-between">
                {item.label}
                <span className="rounded bg-slate-800 px-1.5 py-0.5 text-[10px] uppercase tracking-wide text-slate-400" title="Turned off on this deployment">
                  off
                </span>
              </span>
            ) : (
              item.label
            )}
          </Link>
        ) : (
          <span
            key={item.href}
            aria-disabled="true"
            title="Not built yet"
            className="flex items-center justify-between rounded px-3 py-2 text-sm text-slate-500"
          >
            {item.label}
            <span className="rounded bg-slate-800 px-1.5 py-0.5 text-[10px] uppercase tracking-wide text-slate-400">soon</span>
          </span>
        ),
      )}
    </nav>
  );
}
