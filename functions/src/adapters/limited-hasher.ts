import pLimit from "p-limit";
import type { PasswordHasher } from "../domain/ports.js";

/**
 * At most `concurrency` hashes or verifications at once; the rest wait their turn, first come
 * first served. `@node-rs/argon2` runs on libuv's pool (4 threads): on a 1-vCPU instance four
 * hashes at once share the CPU with the event loop, which then answers Firestore and HTTP late,
 * and with many requests in flight some wait far longer than the queue explains (measured:
 * docs/benchmark.md, "Capacity"). A hash's CPU is the same either way; the limit only decides
 * who waits - the requests queued behind the hash, not the event loop.
 */
export class LimitedHasher implements PasswordHasher {
  private readonly slot;

  constructor(
    private readonly inner: PasswordHasher,
    concurrency: number,
  ) {
    this.slot = pLimit(concurrency);
  }

  hash(password: string): Promise<string> {
    return this.slot(() => this.inner.hash(password));
  }

  verify(phc: string, password: string): Promise<boolean> {
    return this.slot(() => this.inner.verify(phc, password));
  }

  verifyDummy(password: string): Promise<void> {
    return this.slot(() => this.inner.verifyDummy(password));
  }

  scheme(stored: string): Promise<string | null> {
    return this.inner.scheme(stored);
  }

  needsRehash(phc: string): boolean {
    return this.inner.needsRehash(phc);
  }
}
