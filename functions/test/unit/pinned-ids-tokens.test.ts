import { expect } from "chai";
import { hmacKeys, legacyEmailKey, newId } from "../../src/domain/ids.js";
import { hashToken, newRefreshToken, successorToken } from "../../src/domain/tokens.js";

// Known-answer vectors for every derived id and token: the label, the separator, the encoding and
// the digest's format are all part of what is stored (document ids, token hashes), so a change to
// any of them would orphan every stored document. The vectors were computed once with node:crypto.

const SECRET = Buffer.from("pinned-secret-pinned-secret-0123");
const keys = hmacKeys(() => SECRET);

describe("pinned: ids and tokens (known-answer vectors)", () => {
  it("an email's id: HMAC-SHA256(secret, 'email' NUL canonical), hex", () => {
    expect(keys.email("ada@example.com")).to.equal("7bc7bbe5b010eb19b0bd73ae83ca8589250e7cda5acd71bd7e882afdd6cf4a43");
  });

  it("a throttle id: HMAC-SHA256(secret, 'throttle' NUL parts joined by NUL), hex; UTF-8", () => {
    expect(keys.throttle(["account", "k", "1"])).to.equal("e3e5609358c9c91e0acc53a00b05c4c0e2de3a3f765616a5ad940b6e94e6325d");
    expect(keys.throttle(["é", "x"])).to.equal("55a3a2b376d5750710df3d0dada5f8f3ffc7252d5347a5733138c5b4d284eb9c");
  });

  it("a mailed code's id: HMAC-SHA256(secret, 'code' NUL purpose NUL email key); its stored digest: 'code-digest' NUL id NUL code", () => {
    expect(keys.code("password_reset", "EK")).to.equal("89974bf382c6d86c9fb24a1097d56ef376fca7ee7211df7fd6af17118bcd4bb2");
    expect(keys.codeDigest("CODEID", "123456")).to.equal("d9c4bf9e63f734b513063492716a5c36d3e60e8f563d74fce52b6d1eec1c1a71");
  });

  it("the secret is read when a key is first derived, not when the keys are made", () => {
    let reads = 0;
    const lazy = hmacKeys(() => {
      reads++;
      return SECRET;
    });
    expect(reads).to.equal(0);
    lazy.email("ada@example.com");
    expect(reads).to.equal(1);
  });

  it("the legacy id of an email: its plain SHA-256, hex, UTF-8", () => {
    expect(legacyEmailKey("ada@example.com")).to.equal("b5fc85e55755f9e0d030a10ab4429b6b2944855f9a0d60077fe832becbc41d72");
    expect(legacyEmailKey("é@x")).to.equal("3e2c8355325af9903077b68279f8914e766f0ed2239e759d2d3449b9ee1f10e8");
  });

  it("uids: 20 characters of [A-Za-z0-9], fresh each time", () => {
    const ids = Array.from({ length: 200 }, () => newId());
    for (const id of ids) expect(id).to.match(/^[A-Za-z0-9]{20}$/);
    expect(new Set(ids).size).to.equal(200);
    // All 62 characters occur (4000 draws: missing one has a probability of about 62 * e^-64.5).
    expect(new Set(ids.join("")).size).to.equal(62);
  });

  it("refresh tokens: 43 base64url characters from 32 random bytes", () => {
    const tokens = Array.from({ length: 50 }, () => newRefreshToken());
    for (const token of tokens) {
      expect(token).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, "base64url")).to.have.length(32);
    }
    expect(new Set(tokens).size).to.equal(50);
  });

  it("a token's successor: HMAC-SHA256(secret, 'refresh-successor' NUL token), base64url", () => {
    expect(successorToken(SECRET, "abc")).to.equal("mw5dUB_gM7sOhNAmSEtfvKlURQPKtjPbYGr1YpXS3k8");
    expect(successorToken(SECRET, "é")).to.equal("6s8u5lhO1iJVuktHIJdwjo6GV-na295d3QdUEEwUBHo");
  });

  it("a stored token: its SHA-256, hex, UTF-8", () => {
    expect(hashToken("abc")).to.equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hashToken("é")).to.equal("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
  });
});
