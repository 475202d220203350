// Prisma CLI configuration. The app never reads this file: it builds its client in
// server/adapters/postgres/client.ts. It is here so that `prisma migrate deploy` and
// `prisma studio` work against DATABASE_URL wherever Prisma's engine can be installed.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "" },
});
