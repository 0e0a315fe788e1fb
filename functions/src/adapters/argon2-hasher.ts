import { randomBytes } from "node:crypto";
import { Algorithm, hash, parseOptions, verify } from "@node-rs/argon2";
import type { PasswordHasher } from "../domain/ports.js";

export interface Argon2Params {
  readonly memoryKiB: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** OWASP Password Storage Cheat Sheet, first choice: Argon2id, 19 MiB, 2 passes, 1 lane. */
export const OWASP_ARGON2ID: Argon2Params = { memoryKiB: 19_456, iterations: 2, parallelism: 1 };

/**
 * Argon2id through `@node-rs/argon2` (Rust, prebuilt for Linux x64, runs on libuv's thread
 * pool so hashing never blocks the event loop). Hashes are PHC strings, so the parameters
 * travel with each hash and can be raised later: `needsRehash` tells login to upgrade.
 */
export class Argon2Hasher implements PasswordHasher {
  private readonly options;
  private dummy: Promise<string> | undefined;

  constructor(private readonly params: Argon2Params) {
    this.options = {
      algorithm: Algorithm.Argon2id,
      memoryCost: params.memoryKiB,
      timeCost: params.iterations,
      parallelism: params.parallelism,
    };
  }

  hash(password: string): Promise<string> {
    return hash(password, this.options);
  }

  verify(phc: string, password: string): Promise<boolean> {
    return verify(phc, password);
  }

  async verifyDummy(password: string): Promise<void> {
    // A hash of a random secret with the current parameters: verifying against it costs what
    // a real verification costs. Made once per instance, on the first unknown-email login.
    this.dummy ??= this.hash(randomBytes(32).toString("base64url"));
    await verify(await this.dummy, password);
  }

  async scheme(stored: string): Promise<string | null> {
    try {
      return parseOptions(stored).algorithm === Algorithm.Argon2id ? "argon2id" : null;
    } catch {
      return null;
    }
  }

  needsRehash(phc: string): boolean {
    try {
      const current = parseOptions(phc);
      return (
        current.algorithm !== Algorithm.Argon2id ||
        current.memoryCost < this.params.memoryKiB ||
        current.timeCost < this.params.iterations ||
        current.parallelism < this.params.parallelism
      );
    } catch {
      return true;
    }
  }
}
