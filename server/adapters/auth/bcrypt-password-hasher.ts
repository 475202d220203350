import "server-only";
import bcrypt from "bcryptjs";
import type { PasswordHasher } from "../../core/identity/ports";

// bcrypt (bcryptjs: pure JavaScript, no native build) at cost 11: about 0.1 s
// a check on this class of machine, slow for a guesser, fine for a sign-in.
const COST = 11;

export class BcryptPasswordHasher implements PasswordHasher {
  private decoy: Promise<string> | null = null;

  constructor(private readonly cost = COST) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  async verify(password: string, hash: string | null): Promise<boolean> {
    if (hash === null) {
      // Same work as a real check, against a hash of nothing anyone knows.
      this.decoy ??= bcrypt.hash(crypto.randomUUID(), this.cost);
      await bcrypt.compare(password, await this.decoy);
      return false;
    }
    return bcrypt.compare(password, hash);
  }
}
