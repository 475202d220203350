// For server processes started with plain `tsx` in tests (no Next bundler):
// next-auth's providers are CommonJS modules whose function is `exports.default`,
// and Node's ESM default import hands back the whole `exports` object. Next's
// bundler unwraps it; this load hook does the same, so the real container
// (server/container.ts) builds outside Next. Use: node --import tsx --import ./server/testing/next-auth-interop.mjs …
import { register } from "node:module";

register(
  "data:text/javascript," +
    encodeURIComponent(`
import { fileURLToPath } from "node:url";
export async function load(url, context, nextLoad) {
  if (/\\/next-auth\\/providers\\/[a-z-]+\\.js$/.test(url)) {
    const file = fileURLToPath(url);
    return {
      format: "module",
      shortCircuit: true,
      source: "import { createRequire } from 'node:module'; const m = createRequire(" + JSON.stringify(url) + ")(" + JSON.stringify(file) + "); export default (m && m.default) || m;",
    };
  }
  return nextLoad(url, context);
}`),
);
