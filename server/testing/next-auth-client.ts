// A browser for next-auth's own endpoints, in-process: calls next-auth's
// handler (the same core the app's /api/auth route runs, through its
// pages-style entry, which needs no Next request context) with the options
// under test, and keeps the cookies it sets, as a browser would. The identity
// provider is reached over real HTTP, by next-auth's openid-client.
import NextAuth, { type NextAuthOptions } from "next-auth";

interface Answer {
  status: number;
  location: string | null;
  body: unknown;
}

export class NextAuthTestClient {
  private readonly jar = new Map<string, string>();

  /** `baseUrl` is NEXTAUTH_URL (AUTH_URL), which next-auth builds its callback URL from. */
  constructor(
    private readonly options: NextAuthOptions,
    private readonly baseUrl: string,
  ) {}

  /** One request to /api/auth/<path>. */
  async call(method: "GET" | "POST", path: string, input: { query?: Record<string, string>; body?: Record<string, string> } = {}): Promise<Answer> {
    const headers = new Map<string, unknown>();
    let status = 200;
    let body: unknown;
    const res = {
      status(code: number) {
        status = code;
        return res;
      },
      setHeader(name: string, value: unknown) {
        headers.set(name.toLowerCase(), value);
        return res;
      },
      getHeader: (name: string) => headers.get(name.toLowerCase()),
      end() {},
      json(value: unknown) {
        body = value;
      },
      send(value: unknown) {
        body = value;
      },
    };
    const req = {
      method,
      query: { ...input.query, nextauth: path.split("/") },
      body: input.body ?? {},
      cookies: Object.fromEntries(this.jar),
      headers: { host: new URL(this.baseUrl).host, cookie: this.cookieHeader() },
    };
    await (NextAuth as unknown as (req: unknown, res: unknown, options: NextAuthOptions) => Promise<void>)(req, res, this.options);
    const setCookies = headers.get("set-cookie");
    for (const line of Array.isArray(setCookies) ? (setCookies as string[]) : []) this.keep(line);
    const location = headers.get("location");
    return { status, location: typeof location === "string" ? location : null, body };
  }

  /**
   * The whole OIDC sign-in: CSRF token, sign-in request (PKCE and state
   * cookies), the provider's authorize endpoint, and next-auth's callback.
   * Answers where next-auth sends the browser at the end.
   */
  async signInWithOidc(callbackPath = "/"): Promise<string> {
    const { body } = await this.call("GET", "csrf");
    const csrfToken = (body as { csrfToken: string }).csrfToken;
    const start = await this.call("POST", "signin/oidc", { body: { csrfToken, callbackUrl: new URL(callbackPath, this.baseUrl).toString() } });
    if (!start.location) throw new Error(`next-auth did not redirect to the provider (status ${start.status})`);
    const authorize = await fetch(start.location, { redirect: "manual" });
    const back = authorize.headers.get("location");
    if (authorize.status !== 302 || !back) throw new Error(`the provider's authorize endpoint answered ${authorize.status}: ${await authorize.text()}`);
    const callback = new URL(back);
    const done = await this.call("GET", "callback/oidc", { query: Object.fromEntries(callback.searchParams) });
    if (!done.location) throw new Error(`next-auth's callback did not redirect (status ${done.status})`);
    return done.location;
  }

  /** The session cookie next-auth set, as a Cookie header; null when not signed in. */
  sessionCookie(): string | null {
    const value = this.jar.get("next-auth.session-token");
    return value ? `next-auth.session-token=${value}` : null;
  }

  signOut(): void {
    this.jar.clear();
  }

  private cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join("; ");
  }

  private keep(line: string): void {
    const [pair, ...attributes] = line.split(";").map((part) => part.trim());
    const at = pair!.indexOf("=");
    const name = pair!.slice(0, at);
    const value = decodeURIComponent(pair!.slice(at + 1));
    const expired = attributes.some((a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) <= Date.now()));
    if (expired || value === "") this.jar.delete(name);
    else this.jar.set(name, value);
  }
}
