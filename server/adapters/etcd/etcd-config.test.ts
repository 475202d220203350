// ETCD_* settings into the etcd lock store's options (docs/locks-etcd.md#configuration).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AppError } from "../../core/errors";
import { etcdLockStoreOptions, parseEtcdEndpoints } from "./etcd-config";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "etcd-config-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("etcd configuration", () => {
  it("normalises endpoints to scheme://host:port", () => {
    expect(parseEtcdEndpoints("https://etcd-1:2379/, https://[::1]:2379")).toEqual({ endpoints: ["https://etcd-1:2379", "https://[::1]:2379"], problem: null });
  });

  it("reads the PEM files into the store's TLS options, and passes credentials", () => {
    const ca = path.join(dir, "ca.pem");
    fs.writeFileSync(ca, "CA");
    expect(etcdLockStoreOptions({ endpoints: ["https://e:2379"], username: "u", password: "p", caFile: ca })).toEqual({
      endpoints: ["https://e:2379"],
      username: "u",
      password: "p",
      tls: { ca: Buffer.from("CA") },
    });
    expect(etcdLockStoreOptions({ endpoints: ["http://e:2379"] })).toEqual({ endpoints: ["http://e:2379"] });
  });

  it("refuses a file it cannot read with VALIDATION_FAILED naming the variable", () => {
    let error: unknown = null;
    try {
      etcdLockStoreOptions({ endpoints: ["https://e:2379"], certFile: path.join(dir, "missing.pem"), keyFile: path.join(dir, "missing-key.pem") });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("VALIDATION_FAILED");
    expect((error as AppError).message).toContain("ETCD_CERT_FILE");
  });
});
