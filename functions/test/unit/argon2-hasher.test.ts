import { expect } from "chai";
import { Argon2Hasher, OWASP_ARGON2ID } from "../../src/adapters/argon2-hasher.js";

describe("Argon2id hasher (real @node-rs/argon2)", () => {
  const hasher = new Argon2Hasher(OWASP_ARGON2ID);

  it("stores a PHC string with OWASP's parameters and a random salt", async () => {
    const a = await hasher.hash("correct horse battery");
    const b = await hasher.hash("correct horse battery");
    expect(a).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(a).to.not.equal(b);
    expect(await hasher.verify(a, "correct horse battery")).to.equal(true);
    expect(await hasher.verify(a, "correct horse batterY")).to.equal(false);
  });

  it("hashes the whole password (no 72-byte truncation) and NUL bytes", async () => {
    const prefix = "p".repeat(72);
    const phc = await hasher.hash(`${prefix}A`);
    expect(await hasher.verify(phc, `${prefix}B`)).to.equal(false);
    const withNul = await hasher.hash("before\u0000after");
    expect(await hasher.verify(withNul, "before")).to.equal(false);
    expect(await hasher.verify(withNul, "before\u0000after")).to.equal(true);
  });

  it("asks for a re-hash when the stored parameters are weaker than the current ones", async () => {
    const stronger = new Argon2Hasher({ ...OWASP_ARGON2ID, iterations: 3 });
    const phc = await hasher.hash("correct horse battery");
    expect(hasher.needsRehash(phc)).to.equal(false);
    expect(stronger.needsRehash(phc)).to.equal(true);
    expect(stronger.needsRehash("not a phc string")).to.equal(true);
  });

  it("the dummy verification runs (and fails) without an account", async () => {
    await hasher.verifyDummy("anything");
  });
});
