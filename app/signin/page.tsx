import { Suspense } from "react";
import { SignInForm } from "@/components/auth/sign-in-form";
import { getContainer } from "@/server/container";
import { connection } from "next/server";

export const metadata = { title: "Sign in · Interlock" };

export default async function SignInPage() {
  await connection();
  const container = await getContainer();
  const sso = container.env.OIDC_ISSUER !== undefined;
  return (
    <main className="flex min-h-screen items-center justify-center bg-slate-900 px-4">
      <div className="w-full max-w-sm rounded-lg bg-white p-6 shadow-lg">
        <h1 className="text-xl font-semibold">Sign in to Interlock</h1>
        <p className="mb-4 text-sm text-slate-600">The safety control plane for self-healing production systems.</p>
        <Suspense>
          <SignInForm sso={sso} />
        </Suspense>
      </div>
    </main>
  );
}
