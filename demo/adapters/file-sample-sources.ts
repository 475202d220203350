import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import { AppError } from "../../server/core/errors";
import type { SampleSources } from "../pipeline/ports";

// The demo's sample services, shipped in the repository under demo/services/
// (docs/demo.md#the-sample-services: real logic over sample code). Read-only.

export const DEFAULT_SAMPLE_ROOT = path.join(process.cwd(), "demo", "services");

export class FileSampleSources implements SampleSources {
  constructor(private readonly root: string = DEFAULT_SAMPLE_ROOT) {}

  async read(service: string, file: string): Promise<string> {
    const base = path.resolve(this.root, service);
    const target = path.resolve(base, file);
    // A frame from telemetry names the file: never let it point outside the service's sources.
    if (!/^[a-z0-9-]+$/.test(service) || !target.startsWith(base + path.sep)) {
      throw new AppError("VALIDATION_FAILED", `Refusing to read ${JSON.stringify(file)} of ${JSON.stringify(service)}: not a file of the service's sample sources`, { service, file });
    }
    try {
      return await fs.readFile(target, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new AppError("NOT_FOUND", `The demo ships no source ${file} for ${service} (looked in ${path.relative(process.cwd(), base) || base})`, { service, file });
      throw error;
    }
  }
}
