import { expect } from "chai";
import { parseEmail } from "../../src/domain/email.js";
import { acceptNewPassword, normalizeLoginPassword, type PasswordPolicy } from "../../src/domain/password-policy.js";
import { AppError } from "../../src/errors.js";

// The password rules with their numbers written out: 128 code points after NFKC at most, and a
// hard cap of 512 UTF-16 units on the raw string checked first, at signup and at login alike, so
// no password is accepted at signup and then refused at login (or the other way round).

const email = parseEmail("grace.hopper@example.com", { email: (canonical) => canonical });
const policy: PasswordPolicy = { minLength: 8, maxLength: 128, isCommon: (lowered) => lowered === "password123" };

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("accepted");
}

const atSignup = (password: string, p: PasswordPolicy = policy) => refusal(() => acceptNewPassword(password, email, p));
const atLogin = (password: string) => refusal(() => normalizeLoginPassword(password));

/** U+11099 U+110BA: two supplementary code points (4 UTF-16 units) that NFKC composes into one, U+1109A. */
const KAITHI = "\u{11099}\u{110BA}";
/** MATHEMATICAL BOLD CAPITAL OMEGA with dasia, perispomeni and ypogegrammeni: 5 UTF-16 units, NFKC U+1FAF (one). */
const OMEGA = "\u{1D6C0}\u0314\u0342\u0345";

describe("pinned: password policy numbers and messages", () => {
  it("128 code points pass at signup and at login; 129 are refused by both", () => {
    for (const unit of ["x", "😀"]) {
      const p128 = unit.repeat(128);
      expect(acceptNewPassword(p128, email, policy)).to.equal(p128);
      expect(normalizeLoginPassword(p128)).to.equal(p128);
      const signup = atSignup(unit.repeat(129));
      expect([signup.code, signup.details.reason, signup.details.field]).to.deep.equal(["weak_password", "too_long", "password"]);
      expect(signup.message).to.equal("The password must be at most 128 characters.");
      const login = atLogin(unit.repeat(129));
      expect([login.code, login.details.field]).to.deep.equal(["invalid_request", "password"]);
      expect(login.message).to.equal("The password is too long or contains an invalid character.");
    }
  });

  it("the raw string may have 512 UTF-16 units: 128 composing pairs (512 units, 128 code points after NFKC) pass both", () => {
    const raw = KAITHI.repeat(128);
    expect(raw).to.have.length(512);
    const composed = "\u{1109A}".repeat(128);
    expect(acceptNewPassword(raw, email, policy)).to.equal(composed);
    expect(normalizeLoginPassword(raw)).to.equal(composed);
  });

  it("over 512 UTF-16 units is refused before NFKC, even where NFKC would bring it to 128 code points", () => {
    const raw = OMEGA.repeat(128);
    expect(raw).to.have.length(640);
    expect([...raw.normalize("NFKC")]).to.have.length(128);
    const signup = atSignup(raw);
    expect([signup.details.reason, signup.message]).to.deep.equal(["too_long", "The password must be at most 128 characters."]);
    const login = atLogin(raw);
    expect([login.code, login.details.field, login.message]).to.deep.equal([
      "invalid_request",
      "password",
      "The password is too long or contains an invalid character.",
    ]);
    // The hard cap holds whatever the policy's maximum: 129 composing pairs are 516 units.
    expect(atSignup(KAITHI.repeat(129), { ...policy, maxLength: 200 }).details.reason).to.equal("too_long");
    // ... and it comes first: an over-long string is too long, not "invalid", whatever it holds.
    expect(atSignup(`\uD800${"x".repeat(600)}`).details.reason).to.equal("too_long");
  });

  it("the minimum and maximum come from the policy, and the messages name them", () => {
    const short = atSignup("x".repeat(7));
    expect([short.code, short.details.reason, short.details.field]).to.deep.equal(["weak_password", "too_short", "password"]);
    expect(short.message).to.equal("The password must be at least 8 characters.");
    expect(acceptNewPassword("x".repeat(8), email, policy)).to.equal("xxxxxxxx");
    const custom = { ...policy, minLength: 15, maxLength: 64 };
    expect(atSignup("x".repeat(14), custom).message).to.equal("The password must be at least 15 characters.");
    expect(acceptNewPassword("x".repeat(15), email, custom)).to.equal("x".repeat(15));
    expect(acceptNewPassword("x".repeat(64), email, custom)).to.equal("x".repeat(64));
    const long = atSignup("x".repeat(65), custom);
    expect([long.details.reason, long.message]).to.deep.equal(["too_long", "The password must be at most 64 characters."]);
  });

  it("each refusal's reason, field and message", () => {
    const lone = atSignup("abcdefgh\uDC00");
    expect([lone.code, lone.details.reason, lone.details.field, lone.message]).to.deep.equal([
      "weak_password",
      "invalid_characters",
      "password",
      "The password contains an invalid character.",
    ]);
    const common = atSignup("Password123");
    expect([common.details.reason, common.details.field, common.message]).to.deep.equal([
      "common",
      "password",
      "This password is too common. Choose a less predictable one.",
    ]);
    for (const same of ["Grace.Hopper@Example.com", "GRACE.HOPPER"]) {
      const matches = atSignup(same);
      expect([matches.details.reason, matches.details.field, matches.message]).to.deep.equal([
        "matches_email",
        "password",
        "The password must not be your email address.",
      ]);
    }
    // Only the whole address or the whole local part: a longer password containing it is fine.
    expect(acceptNewPassword("grace.hopper!", email, policy)).to.equal("grace.hopper!");
  });

  it("login: an empty password, a lone surrogate, and what passes (no minimum, NFKC applied)", () => {
    const empty = atLogin("");
    expect([empty.code, empty.details.field, empty.message]).to.deep.equal(["invalid_request", "password", "Enter your password."]);
    const lone = atLogin("abc\uD800");
    expect([lone.code, lone.details.field, lone.message]).to.deep.equal([
      "invalid_request",
      "password",
      "The password is too long or contains an invalid character.",
    ]);
    expect(normalizeLoginPassword("a")).to.equal("a");
    expect(normalizeLoginPassword("ﬁ")).to.equal("fi");
  });
});
