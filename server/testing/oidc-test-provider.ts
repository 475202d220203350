// A minimal OpenID Connect provider for tests (docs/security.md#identity-oidc): discovery,
// an authorize endpoint that issues a code at once for whoever the test says is
// signing in, a token endpoint that checks the client secret and PKCE and
// returns an RS256-signed ID token, JWKS and userinfo. The claims are the
// test's, so a test can be an identity provider that lets people set their own
// email. Only node:http and node:crypto: nothing between next-auth's
// openid-client and this provider is simulated.
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface TestSignIn {
  /** Claims of the ID token (iss, aud, iat, exp are added unless given). */
  claims: Record<string, unknown>;
  /** What userinfo answers; by default the ID token's claims. */
  userinfo?: Record<string, unknown>;
}

export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who the next authorization request signs in as. */
  nextSignIn(signIn: TestSignIn): void;
  close(): Promise<void>;
}

interface IssuedCode {
  signIn: TestSignIn;
  redirectUri: string;
  codeChallenge: string;
  nonce: string | null;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

export async function startTestOidcProvider(options: { clientId?: string; clientSecret?: string } = {}): Promise<TestOidcProvider> {
  const clientId = options.clientId ?? "interlock-test";
  const clientSecret = options.clientSecret ?? "test-client-secret";
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = crypto.randomUUID();
  const jwk = { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Map<string, Record<string, unknown>>();
  let next: TestSignIn | null = null;
  let issuer = "";

  const signJwt = (payload: Record<string, unknown>) => {
    const input = `${base64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }))}.${base64url(JSON.stringify(payload))}`;
    return `${input}.${base64url(crypto.sign("sha256", Buffer.from(input), privateKey))}`;
  };

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
    res.end(JSON.stringify(body));
  };

  const readBody = (req: http.IncomingMessage) =>
    new Promise<string>((resolve, reject) => {
      let data = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (data += chunk));
      req.on("end", () => resolve(data));
      req.on("error", reject);
    });

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", issuer);
      if (url.pathname === "/.well-known/openid-configuration") {
        return json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          userinfo_endpoint: `${issuer}/userinfo`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
          token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
          code_challenge_methods_supported: ["S256"],
          scopes_supported: ["openid", "email", "profile"],
        });
      }
      if (url.pathname === "/jwks") return json(res, 200, { keys: [jwk] });
      if (url.pathname === "/authorize") {
        const q = url.searchParams;
        if (q.get("client_id") !== clientId || q.get("response_type") !== "code" || q.get("code_challenge_method") !== "S256" || !q.get("code_challenge") || !q.get("redirect_uri")) {
          return json(res, 400, { error: "invalid_request" });
        }
        if (!next) return json(res, 400, { error: "access_denied", error_description: "the test did not say who signs in" });
        const code = crypto.randomBytes(16).toString("hex");
        codes.set(code, { signIn: next, redirectUri: q.get("redirect_uri")!, codeChallenge: q.get("code_challenge")!, nonce: q.get("nonce") });
        next = null;
        const back = new URL(q.get("redirect_uri")!);
        back.searchParams.set("code", code);
        if (q.get("state") !== null) back.searchParams.set("state", q.get("state")!);
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (url.pathname === "/token" && req.method === "POST") {
        const form = new URLSearchParams(await readBody(req));
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "");
        const [id, secret] = basic ? Buffer.from(basic[1]!, "base64").toString("utf8").split(":").map(decodeURIComponent) : [form.get("client_id"), form.get("client_secret")];
        if (id !== clientId || secret !== clientSecret) return json(res, 401, { error: "invalid_client" });
        const issued = codes.get(form.get("code") ?? "");
        codes.delete(form.get("code") ?? "");
        const verifier = form.get("code_verifier") ?? "";
        if (!issued || form.get("grant_type") !== "authorization_code" || form.get("redirect_uri") !== issued.redirectUri || base64url(crypto.createHash("sha256").update(verifier).digest()) !== issued.codeChallenge) {
          return json(res, 400, { error: "invalid_grant" });
        }
        const now = Math.floor(Date.now() / 1000);
        const claims = { iss: issuer, aud: clientId, iat: now, exp: now + 300, ...(issued.nonce ? { nonce: issued.nonce } : {}), ...issued.signIn.claims };
        const accessToken = crypto.randomBytes(16).toString("hex");
        accessTokens.set(accessToken, issued.signIn.userinfo ?? issued.signIn.claims);
        return json(res, 200, { access_token: accessToken, token_type: "Bearer", expires_in: 300, scope: "openid email profile", id_token: signJwt(claims) });
      }
      if (url.pathname === "/userinfo") {
        const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "");
        const userinfo = bearer ? accessTokens.get(bearer[1]!) : undefined;
        if (!userinfo) return json(res, 401, { error: "invalid_token" });
        return json(res, 200, userinfo);
      }
      return json(res, 404, { error: "not_found" });
    })().catch((error: unknown) => json(res, 500, { error: "server_error", error_description: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    issuer,
    clientId,
    clientSecret,
    nextSignIn(signIn) {
      next = signIn;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
