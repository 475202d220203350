// After sign-in the browser goes to a path of this console and nowhere else,
// whatever ?callbackUrl= a link carried: the sign-in page and next-auth's
// redirect callback decide with the same rule.
import { describe, expect, it } from "vitest";
import { authRedirect, isSameOriginPath, safeCallbackPath } from "./callback-url";

const ORIGIN = "https://interlock.example.com";

describe("safeCallbackPath", () => {
  it.each(["/", "/approvals/op_123?decision=approve", "/operations?state=RUNNING&service=order-service#timeline", "/audit/%2F%2Fnot-a-host"])("keeps the console path %s", (path) => {
    expect(safeCallbackPath(path)).toBe(path);
    expect(safeCallbackPath(path, ORIGIN)).toBe(path);
  });

  it.each([
    ["another site", "https://evil.example"],
    ["another site, scheme-relative", "//evil.example"],
    ["another site, scheme-relative with a path", "//evil.example/approvals"],
    ["a backslash the browser reads as a slash", "/\\evil.example"],
    ["backslashes only", "\\\\evil.example"],
    ["a tab the browser drops", "/\t/evil.example"],
    ["a newline the browser drops", "/\n/evil.example"],
    ["a leading space", " /approvals"],
    ["a backslash further on", "/approvals\\..\\..\\evil"],
    ["script", "javascript:alert(1)"],
    ["data", "data:text/html,<script>alert(1)</script>"],
    ["a relative path", "approvals"],
    ["empty", ""],
  ])("refuses %s (%j) and falls back to /", (_label, target) => {
    expect(safeCallbackPath(target)).toBe("/");
    expect(safeCallbackPath(target, ORIGIN)).toBe("/");
  });

  it("refuses what is not a string", () => {
    expect(safeCallbackPath(undefined)).toBe("/");
    expect(safeCallbackPath(null)).toBe("/");
    expect(safeCallbackPath(["/approvals"])).toBe("/");
  });

  it("takes the path of an absolute URL only on exactly the console's origin", () => {
    expect(safeCallbackPath(`${ORIGIN}/approvals/op_1?x=1#y`, ORIGIN)).toBe("/approvals/op_1?x=1#y");
    expect(safeCallbackPath(`${ORIGIN}/approvals`)).toBe("/"); // no origin to compare with
    expect(safeCallbackPath("http://interlock.example.com/approvals", ORIGIN)).toBe("/"); // another scheme
    expect(safeCallbackPath("https://interlock.example.com:8443/approvals", ORIGIN)).toBe("/"); // another port
    expect(safeCallbackPath("https://interlock.example.com.evil.example/approvals", ORIGIN)).toBe("/");
    expect(safeCallbackPath("https://interlock.example.com@evil.example/", ORIGIN)).toBe("/");
    expect(safeCallbackPath("https://user:pw@interlock.example.com/", ORIGIN)).toBe("/");
    // An absolute URL of the console whose path a browser would read as another host.
    expect(safeCallbackPath(`${ORIGIN}//evil.example`, ORIGIN)).toBe("/");
  });
});

describe("isSameOriginPath", () => {
  it("is true only for a single leading slash", () => {
    expect(isSameOriginPath("/signin")).toBe(true);
    expect(isSameOriginPath("//evil.example")).toBe(false);
    expect(isSameOriginPath("/\\evil.example")).toBe(false);
    expect(isSameOriginPath("https://evil.example")).toBe(false);
  });
});

describe("next-auth's redirect callback", () => {
  it("answers an absolute URL on the console's origin, and the console's root for anything else", () => {
    const baseUrl = "http://localhost:3000";
    expect(authRedirect({ url: "/approvals/op_1", baseUrl })).toBe("http://localhost:3000/approvals/op_1");
    expect(authRedirect({ url: "/signin", baseUrl })).toBe("http://localhost:3000/signin");
    expect(authRedirect({ url: "http://localhost:3000/signin?callbackUrl=%2Foperations", baseUrl })).toBe("http://localhost:3000/signin?callbackUrl=%2Foperations");
    expect(authRedirect({ url: "https://evil.example/phish", baseUrl })).toBe("http://localhost:3000/");
    expect(authRedirect({ url: "//evil.example", baseUrl })).toBe("http://localhost:3000/");
    expect(authRedirect({ url: "/\\evil.example", baseUrl })).toBe("http://localhost:3000/");
  });
});
