// next-auth's redirect callback is the console's own rule (lib/callback-url.ts):
// whatever callbackUrl a sign-in or sign-out carries, the browser stays on the console.
import { describe, expect, it } from "vitest";
import type { AuthDeps } from "./next-auth-options";
import { buildAuthOptions } from "./next-auth-options";

const unused = () => {
  throw new Error("not used by the redirect callback");
};
const deps = { identities: {}, hasher: {}, audit: { append: unused }, secret: "x".repeat(40), oidc: null, log: {} } as unknown as AuthDeps;

describe("next-auth options: redirect", () => {
  const redirect = (url: string) => buildAuthOptions(deps).callbacks?.redirect?.({ url, baseUrl: "http://localhost:3000" });

  it("keeps a path of the console", async () => {
    expect(await redirect("/approvals/op_1?decision=approve")).toBe("http://localhost:3000/approvals/op_1?decision=approve");
    expect(await redirect("http://localhost:3000/operations")).toBe("http://localhost:3000/operations");
  });

  it.each(["https://evil.example/", "//evil.example", "/\\evil.example", "/\t/evil.example", "http://localhost:3000.evil.example/"])("sends %j to the console's root instead", async (url) => {
    expect(await redirect(url)).toBe("http://localhost:3000/");
  });
});
