import { expect } from "chai";
import { LimitedHasher } from "../../src/adapters/limited-hasher.js";
import type { PasswordHasher } from "../../src/domain/ports.js";

/** A hasher whose every call takes a turn of the timer queue, counting how many run at once. */
function slowHasher() {
  const seen = { running: 0, most: 0, order: [] as string[] };
  const run = async <T>(label: string, value: T): Promise<T> => {
    seen.running++;
    seen.most = Math.max(seen.most, seen.running);
    await new Promise((resolve) => setTimeout(resolve, 5));
    seen.order.push(label);
    seen.running--;
    return value;
  };
  const hasher: PasswordHasher = {
    hash: (p) => run(`hash:${p}`, `$h$${p}`),
    verify: (_phc, p) => run(`verify:${p}`, true),
    verifyDummy: (p) => run(`dummy:${p}`, undefined),
    scheme: async () => "argon2id",
    needsRehash: () => false,
  };
  return { hasher, seen };
}

describe("LimitedHasher (HASH_CONCURRENCY)", () => {
  it("runs at most `concurrency` hashes and verifications at once, in the order they came", async () => {
    const { hasher, seen } = slowHasher();
    const limited = new LimitedHasher(hasher, 1);
    const results = await Promise.all([limited.hash("a"), limited.verify("x", "b"), limited.verifyDummy("c"), limited.hash("d")]);
    expect(seen.most).to.equal(1);
    expect(seen.order).to.deep.equal(["hash:a", "verify:b", "dummy:c", "hash:d"]);
    expect(results).to.deep.equal(["$h$a", true, undefined, "$h$d"]);
  });

  it("with 2, two at once; scheme and needsRehash pass straight through", async () => {
    const { hasher, seen } = slowHasher();
    const limited = new LimitedHasher(hasher, 2);
    await Promise.all(Array.from({ length: 6 }, (_, i) => limited.verify("x", String(i))));
    expect(seen.most).to.equal(2);
    expect(await limited.scheme("anything")).to.equal("argon2id");
    expect(limited.needsRehash("anything")).to.equal(false);
  });

  it("a failing call frees its slot", async () => {
    const failing: PasswordHasher = {
      hash: async () => {
        throw new Error("no memory");
      },
      verify: async () => true,
      verifyDummy: async () => undefined,
      scheme: async () => null,
      needsRehash: () => false,
    };
    const limited = new LimitedHasher(failing, 1);
    const error = await limited.hash("a").then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as Error).message).to.equal("no memory");
    expect(await limited.verify("x", "y")).to.equal(true);
  });
});
