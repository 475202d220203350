"use client";

import { getCsrfToken, signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

/** What the credentials sign-in answered: signed in, refused, or throttled (429, docs/security.md#sign-in-abuse). */
type SignInOutcome = { ok: true } | { ok: false; message: string };

/** "2 minutes", "45 seconds": the wait a throttled sign-in was given. */
export function describeWait(seconds: number): string {
  if (seconds >= 90) return `${Math.ceil(seconds / 60)} minutes`;
  return seconds === 1 ? "1 second" : `${seconds} seconds`;
}

/**
 * The credentials sign-in as next-auth's own client sends it (CSRF token,
 * json=true), posted here rather than through `signIn()` so that a 429 can
 * show what is throttled and for how long: `signIn()` keeps only an error code.
 */
async function signInWithPassword(email: string, password: string, callbackPath: string): Promise<SignInOutcome> {
  const csrfToken = (await getCsrfToken()) ?? "";
  const response = await fetch("/api/auth/callback/credentials", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ email, password, csrfToken, callbackUrl: callbackPath, json: "true" }),
  });
  const data = (await response.json().catch(() => null)) as { url?: string; error?: { code?: string; details?: { throttled?: string; retryAfterSeconds?: number } } } | null;
  if (response.status === 429) {
    const wait = describeWait(Number(data?.error?.details?.retryAfterSeconds ?? response.headers.get("Retry-After") ?? 60));
    const who = data?.error?.details?.throttled === "address" ? "from this network" : data?.error?.details?.throttled === "server" ? "at once on this server" : "for this account";
    return { ok: false, message: `Too many sign-in attempts ${who}. Password sign-in is paused: try again in ${wait}.` };
  }
  const error = data?.url ? new URL(data.url, window.location.href).searchParams.get("error") : "unknown";
  if (response.ok && !error) return { ok: true };
  if (!error || error === "CredentialsSignin") return { ok: false, message: "That email and password do not match an active user." };
  return { ok: false, message: "Sign-in failed; try again in a moment." };
}

/**
 * `callbackPath` is decided by the sign-in page on the server (safeCallbackPath:
 * a same-origin path, never "//host" or another site); the OIDC round trip is
 * checked again by next-auth's redirect callback.
 */
export function SignInForm({ sso, callbackPath }: { sso: boolean; callbackPath: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const outcome = await signInWithPassword(String(form.get("email")), String(form.get("password")), callbackPath).catch((): SignInOutcome => ({ ok: false, message: "Sign-in failed; try again in a moment." }));
    setPending(false);
    if (outcome.ok) {
      router.replace(callbackPath);
      router.refresh();
    } else {
      setError(outcome.message);
    }
  }

  return (
    <div className="space-y-4">
      <form onSubmit={(e) => void submit(e)} className="space-y-3" aria-describedby={error ? "sign-in-error" : undefined}>
        <label className="block text-sm font-medium">
          Email
          <input name="email" type="email" autoComplete="username" required className="mt-1 block w-full rounded border border-slate-300 px-3 py-2" />
        </label>
        <label className="block text-sm font-medium">
          Password
          <input name="password" type="password" autoComplete="current-password" required className="mt-1 block w-full rounded border border-slate-300 px-3 py-2" />
        </label>
        {error && (
          <p id="sign-in-error" role="alert" className="rounded bg-red-50 px-3 py-2 text-sm text-red-800">
            {error}
          </p>
        )}
        <button type="submit" disabled={pending} className="w-full rounded bg-slate-900 px-3 py-2 text-sm font-medium text-white hover:bg-slate-700 disabled:opacity-60">
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {sso && (
        <button type="button" onClick={() => void signIn("oidc", { callbackUrl: callbackPath })} className="w-full rounded border border-slate-300 px-3 py-2 text-sm font-medium hover:bg-slate-50">
          Sign in with single sign-on
        </button>
      )}
    </div>
  );
}
