import { expect } from "chai";
import { HOTP, Secret } from "otpauth";
import { generate } from "otplib";
import { matchTotp, newTotpSecret, otpauthUrl, TOTP_PARAMETERS, totpStep } from "../../src/domain/totp.js";

// The second factor's codes (issue 24): RFC 6238's own test vectors, the window at its step
// boundaries on a frozen clock, replay refused, and codes made by an independent library
// (otplib) accepted - an authenticator app is not this project's code either.

/** RFC 6238, Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890". */
const RFC_SECRET = Secret.fromLatin1("12345678901234567890").base32;
/** Appendix B's SHA-1 rows (time in seconds, 8-digit TOTP); this project uses their last 6 digits' rule: 6-digit codes of the same HOTP values. */
const RFC_VECTORS: readonly (readonly [number, string])[] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

const at = (seconds: number) => new Date(seconds * 1000);
/** The 6-digit code of `step` for `secret` (HOTP at counter = step, RFC 6238 section 4). */
const codeAt = (secret: string, step: number) => HOTP.generate({ secret: Secret.fromBase32(secret), counter: step, digits: 6 });

describe("TOTP (RFC 6238): the second factor's codes", () => {
  it("RFC 6238 Appendix B (SHA-1): each vector's code, as 8 digits from the same HMAC, and as the 6 digits apps show, is accepted at its time", () => {
    for (const [seconds, eight] of RFC_VECTORS) {
      const step = Math.floor(seconds / 30);
      expect(HOTP.generate({ secret: Secret.fromBase32(RFC_SECRET), counter: step, digits: 8 }), String(seconds)).to.equal(eight);
      // 6 digits: the same dynamic truncation modulo 10^6 - the last 6 of the 8.
      expect(codeAt(RFC_SECRET, step)).to.equal(eight.slice(2));
      expect(matchTotp(RFC_SECRET, eight.slice(2), at(seconds), null), String(seconds)).to.equal(step);
    }
  });

  it("the window on a frozen clock: a code of 60 s ago refused; 30 s ago, now and 30 s ahead accepted; 60 s ahead refused", () => {
    const secret = newTotpSecret();
    const now = at(1_700_000_010); // inside a step
    const step = totpStep(now);
    const results = [-2, -1, 0, 1, 2].map((offset) => matchTotp(secret, codeAt(secret, step + offset), now, null));
    expect(results).to.deep.equal([null, step - 1, step, step + 1, null]);
  });

  it("at a step's very first and last millisecond: the window moves with the step, not with the seconds inside it", () => {
    const secret = newTotpSecret();
    const first = at(1_700_000_040); // 1_700_000_040 / 30 is a whole number: a step's first instant
    expect(1_700_000_040 % 30).to.equal(0);
    const step = totpStep(first);
    const last = new Date(first.getTime() + 29_999);
    expect(totpStep(last)).to.equal(step);
    for (const now of [first, last]) {
      expect(matchTotp(secret, codeAt(secret, step - 1), now, null)).to.equal(step - 1);
      expect(matchTotp(secret, codeAt(secret, step - 2), now, null)).to.equal(null);
      expect(matchTotp(secret, codeAt(secret, step + 1), now, null)).to.equal(step + 1);
    }
    expect(matchTotp(secret, codeAt(secret, step - 1), new Date(last.getTime() + 1), null), "one ms later: two steps ago").to.equal(null);
  });

  it("never twice: the step a code matched, or any earlier one, is refused afterwards even inside the window", () => {
    const secret = newTotpSecret();
    const now = at(1_700_000_100);
    const step = totpStep(now);
    const used = matchTotp(secret, codeAt(secret, step), now, null);
    expect(used).to.equal(step);
    expect(matchTotp(secret, codeAt(secret, step), now, used), "the same code again").to.equal(null);
    expect(matchTotp(secret, codeAt(secret, step - 1), now, used), "an earlier step's code").to.equal(null);
    expect(matchTotp(secret, codeAt(secret, step + 1), now, used), "the next step's code").to.equal(step + 1);
  });

  it("malformed codes are refused before any HMAC: letters, 5 or 7 digits, spaces, an empty string", () => {
    const secret = newTotpSecret();
    for (const code of ["12345a", "12345", "1234567", " 123456", "", "１２３４５６"])
      expect(matchTotp(secret, code, new Date(), null), code).to.equal(null);
  });

  it("an independent implementation's codes (otplib, as an authenticator app would compute them) are accepted", async () => {
    const secret = newTotpSecret();
    const now = new Date();
    const code = await generate({ secret, epoch: Math.floor(now.getTime() / 1000) });
    expect(matchTotp(secret, code, now, null)).to.equal(totpStep(now));
  });

  it("secrets: 160 bits of base32, each new; the otpauth URL every app reads (issuer, account, SHA1, 6 digits, 30 s)", () => {
    const secret = newTotpSecret();
    expect(secret).to.match(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.to.equal(secret);
    const url = new URL(otpauthUrl("Acme App", "ada@example.com", secret));
    expect(url.protocol).to.equal("otpauth:");
    expect([url.host, decodeURIComponent(url.pathname)]).to.deep.equal(["totp", "/Acme App:ada@example.com"]);
    expect(Object.fromEntries(url.searchParams)).to.deep.equal({
      issuer: "Acme App",
      secret,
      algorithm: TOTP_PARAMETERS.algorithm,
      digits: "6",
      period: "30",
    });
  });
});
