"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

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
    const result = await signIn("credentials", { email: String(form.get("email")), password: String(form.get("password")), redirect: false });
    setPending(false);
    if (result?.ok && !result.error) {
      router.replace(callbackPath);
      router.refresh();
    } else {
      setError("That email and password do not match an active user.");
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
