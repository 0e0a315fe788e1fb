import { expect } from "chai";
import { isCommonPassword } from "../../src/domain/common-passwords.js";
import { parseEmail } from "../../src/domain/email.js";
import { acceptNewPassword, normalizeLoginPassword, type PasswordPolicy } from "../../src/domain/password-policy.js";
import { AppError } from "../../src/errors.js";

const email = parseEmail("grace@example.com", { email: (c) => c });
const policy: PasswordPolicy = { minLength: 8, maxLength: 128, isCommon: isCommonPassword };

function reason(password: string, p: PasswordPolicy = policy): string | undefined {
  try {
    acceptNewPassword(password, email, p);
    return undefined;
  } catch (error) {
    if (error instanceof AppError && error.code === "weak_password") return error.details.reason;
    throw error;
  }
}

describe("password policy", () => {
  it("counts code points after NFKC, not UTF-16 units or bytes", () => {
    expect(reason("😀".repeat(8))).to.equal(undefined); // 16 UTF-16 units, 8 code points
    expect(reason("😀".repeat(7))).to.equal("too_short");
    expect(reason("x".repeat(128))).to.equal(undefined);
    expect(reason("x".repeat(129))).to.equal("too_long");
    expect(reason("x".repeat(12), { ...policy, minLength: 15 })).to.equal("too_short");
  });

  it("NFC and NFD of one password normalize to the same string", () => {
    const nfc = "crème brûlée 42";
    expect(acceptNewPassword(nfc, email, policy)).to.equal(acceptNewPassword(nfc.normalize("NFD"), email, policy));
  });

  it("refuses lone surrogates (they would hash like U+FFFD) but accepts NUL", () => {
    expect(reason("abcdefgh\uD800")).to.equal("invalid_characters");
    expect(reason("\uDBFFabcdefgh")).to.equal("invalid_characters");
    expect(reason("abc\u0000defgh")).to.equal(undefined);
  });

  it("refuses the email and its local part, in any case", () => {
    expect(reason("GRACE@example.com")).to.equal("matches_email");
    const longLocal = parseEmail("grace.hopper.navy@example.com", { email: (c) => c });
    expect(() => acceptNewPassword("Grace.Hopper.Navy", longLocal, policy)).to.throw(/must not be your email/);
  });

  it("uses the zxcvbn-ts common-password list (about 49k entries), case-insensitively", () => {
    for (const common of ["password", "Password1", "qwertyuiop", "iloveyou", "baseball", "trustno1", "1q2w3e4r5t"]) {
      expect(reason(common), common).to.equal("common");
    }
    expect(reason("PASSWORD1")).to.equal("common");
    expect(reason("correct horse battery")).to.equal(undefined);
  });

  it("never truncates: two passwords sharing the first 72 bytes stay distinct", () => {
    const prefix = "p".repeat(72);
    expect(acceptNewPassword(`${prefix}A`, email, policy)).to.not.equal(acceptNewPassword(`${prefix}B`, email, policy));
  });

  it("login side: no minimum, but the hard maximum and well-formedness hold", () => {
    expect(normalizeLoginPassword("short")).to.equal("short");
    expect(() => normalizeLoginPassword("x".repeat(129))).to.throw(AppError);
    expect(() => normalizeLoginPassword("x\uD800")).to.throw(AppError);
  });
});
