// The hasher login uses: this backend's Argon2id for every new hash, and the foreign encodings of
// imported users (foreign-hashes.ts) for verification only. A foreign hash always "needs a
// re-hash", so the first successful login replaces it with Argon2id (login.ts, in the write that
// starts the session).
//
// Timing: a foreign hash is verified side by side with a dummy Argon2id verification, and the
// answer waits for both, so a failed login on an imported account never answers faster than one
// on an Argon2id account or an unknown email. A foreign hash that is itself slower (bcrypt at
// cost 10 takes about 3.5 Argon2id verifications here) still shows, until that user's first
// login (docs/migrate.md, "Migrate your users").
import type { PasswordHasher } from "../domain/ports.js";
import type { Argon2Params } from "./argon2-hasher.js";
import { argon2Costs, CAPS } from "./hash-caps.js";

// Loaded at the first foreign hash only: bcryptjs and firebase-scrypt cost nothing to an instance
// that never meets one (cold start, docs/benchmark.md "Cold start").
let foreign: Promise<typeof import("./foreign-hashes.js")> | undefined;
const foreignHashes = () => (foreign ??= import("./foreign-hashes.js"));

export class MigratingHasher implements PasswordHasher {
  /** `current`: the Argon2id parameters in use; the caps never refuse hashes made with them. */
  constructor(
    private readonly own: PasswordHasher,
    private readonly current: Argon2Params,
  ) {}

  /** An Argon2id string whose costs stay within the caps, or within the current parameters if those are higher. */
  private withinCaps(stored: string): boolean {
    const costs = argon2Costs(stored);
    if (costs === null) return false;
    return (
      costs.m <= Math.max(CAPS.argon2MemoryKiB, this.current.memoryKiB) &&
      costs.t <= Math.max(CAPS.argon2Passes, this.current.iterations) &&
      costs.p <= Math.max(CAPS.argon2Lanes, this.current.parallelism)
    );
  }

  hash(password: string): Promise<string> {
    return this.own.hash(password);
  }

  async verify(stored: string, password: string): Promise<boolean> {
    // This backend's own hashes at the current parameters (or stronger, within the caps): nothing to add.
    if (stored.startsWith("$argon2id$") && !this.own.needsRehash(stored)) {
      if (this.withinCaps(stored)) return this.own.verify(stored, password);
      await this.own.verifyDummy(password); // costs beyond the caps are never computed
      return false;
    }
    const { verifyForeign } = await foreignHashes();
    const [valid] = await Promise.all([verifyForeign(stored, password), this.own.verifyDummy(password)]);
    return valid;
  }

  verifyDummy(password: string): Promise<void> {
    return this.own.verifyDummy(password);
  }

  async scheme(stored: string): Promise<string | null> {
    if (stored.startsWith("$argon2id$") && this.withinCaps(stored) && (await this.own.scheme(stored)) !== null) return "argon2id";
    return (await foreignHashes()).foreignScheme(stored);
  }

  needsRehash(stored: string): boolean {
    return !stored.startsWith("$argon2id$") || this.own.needsRehash(stored);
  }
}
