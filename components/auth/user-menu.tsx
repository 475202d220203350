"use client";

import Link from "next/link";
import { signOut } from "next-auth/react";
import { usePrincipal } from "@/components/console/providers";

export function UserMenu() {
  const me = usePrincipal();
  return (
    <div className="rounded border border-slate-700 px-3 py-2 text-sm text-slate-300">
      <p className="truncate font-medium text-white" data-testid="signed-in-as">
        {me.name}
      </p>
      <p className="truncate text-xs text-slate-400">
        {me.email} · <span className="uppercase">{me.role.toLowerCase()}</span>
      </p>
      <div className="mt-2 flex gap-3">
        <Link href="/profile" className="text-xs text-slate-300 underline hover:text-white">
          Profile
        </Link>
        <button type="button" onClick={() => void signOut({ callbackUrl: "/signin" })} className="text-xs text-slate-300 underline hover:text-white">
          Sign out
        </button>
      </div>
    </div>
  );
}
