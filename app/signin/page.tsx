import { Suspense } from "react";
import { SignInForm } from "@/components/auth/sign-in-form";
import { safeCallbackPath } from "@/lib/callback-url";
import { oidcSignInErrorMessage } from "@/lib/oidc-sign-in-errors";
import { getContainer } from "@/server/container";
import { connection } from "next/server";

export const metadata = { title: "Sign in · Interlock" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await connection();
  const container = await getContainer();
  const sso = container.env.OIDC_ISSUER !== undefined;
  // Where to go once signed in: only a path of this console (next-auth's own links carry absolute URLs of AUTH_URL's origin).
  const requested = (await searchParams).callbackUrl;
  const callbackPath = safeCallbackPath(Array.isArray(requested) ? requested[0] : requested, container.env.AUTH_URL);
  // Why single sign-on was refused (docs/security.md#identity-oidc): only the sentences this console wrote, never the parameter's own text.
  const error = (await searchParams).error;
  const ssoError = oidcSignInErrorMessage(Array.isArray(error) ? error[0] : error);
  return (
    <main className="flex min-h-screen items-center justify-center bg-slate-900 px-4">
      <div className="w-full max-w-sm rounded-lg bg-white p-6 shadow-lg">
        <h1 className="text-xl font-semibold">Sign in to Interlock</h1>
        <p className="mb-4 text-sm text-slate-600">The safety control plane for self-healing production systems.</p>
        {ssoError && (
          <p role="alert" className="mb-4 rounded bg-red-50 px-3 py-2 text-sm text-red-800">
            {ssoError}
          </p>
        )}
        <Suspense>
          <SignInForm sso={sso} callbackPath={callbackPath} />
        </Suspense>
      </div>
    </main>
  );
}
