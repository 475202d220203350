/** @type {import('next').NextConfig} */
const nextConfig = {
  // PGlite ships its Postgres as WebAssembly plus data files it loads from its own
  // folder at run time; it must be required from node_modules, not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "pino", "neo4j-driver"],
  // `npm test` type-checks the whole project (tsc --noEmit); doing it again inside
  // `next build` would only make the first `npm start` slower.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
  reactStrictMode: true,
};

export default nextConfig;
