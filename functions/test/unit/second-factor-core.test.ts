import { expect } from "chai";
import { hmacKeys } from "../../src/domain/ids.js";
import { canonicalRecoveryCode, newRecoveryCodes, RECOVERY_CODE_COUNT } from "../../src/domain/recovery-codes.js";
import { secretBox } from "../../src/domain/sealed-secret.js";

// The second factor's stored parts (issue 24), before any route uses them: recovery codes (80
// bits each, stored as keyed digests bound to the account) and the sealed TOTP secret
// (AES-256-GCM under a key derived from the server's secret, bound to the account).
const keys = hmacKeys(() => Buffer.from("k".repeat(32)));
const otherKeys = hmacKeys(() => Buffer.from("o".repeat(32)));

describe("second factor: recovery codes and the sealed secret", () => {
  it("ten codes of 16 characters (80 bits) in groups of four, no look-alikes, all different", () => {
    const codes = newRecoveryCodes();
    expect(codes).to.have.length(RECOVERY_CODE_COUNT).and.length(10);
    for (const code of codes) expect(code).to.match(/^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/);
    expect(new Set(codes).size).to.equal(10);
    expect(Math.log2(32) * 16).to.equal(80);
  });

  it("typed back: case, spaces and dashes do not count; anything else is no code", () => {
    const [code = ""] = newRecoveryCodes();
    const canonical = code.replace(/-/g, "");
    for (const typed of [code, code.toLowerCase(), ` ${code.replace(/-/g, " ")} `, canonical]) {
      expect(canonicalRecoveryCode(typed), typed).to.equal(canonical);
    }
    for (const typed of ["", code.slice(1), `${code}A`, code.replace(/^./, "0"), code.replace(/^./, "I"), "ABCD-EFGH-JKLM-NPQ!"]) {
      expect(canonicalRecoveryCode(typed), typed).to.equal(null);
    }
  });

  it("digests: keyed, bound to the account, never the code itself", () => {
    const digest = keys.recoveryCode("uid1", "ABCDEFGHJKLMNPQR");
    expect(digest)
      .to.match(/^[0-9a-f]{64}$/)
      .and.not.include("ABCD");
    expect(keys.recoveryCode("uid1", "ABCDEFGHJKLMNPQR")).to.equal(digest);
    expect(keys.recoveryCode("uid2", "ABCDEFGHJKLMNPQR")).not.to.equal(digest);
    expect(otherKeys.recoveryCode("uid1", "ABCDEFGHJKLMNPQR")).not.to.equal(digest);
  });

  it("a sealed secret opens for its account under its key, and for nothing else; each sealing differs", () => {
    const box = secretBox(() => Buffer.from("k".repeat(32)));
    const sealed = box.seal("uid1", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    expect(sealed)
      .to.match(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/)
      .and.not.include("JBSWY3DP");
    expect(box.open("uid1", sealed)).to.equal("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP");
    expect(box.seal("uid1", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")).not.to.equal(sealed);
    expect(() => box.open("uid2", sealed), "another account").to.throw();
    expect(() => secretBox(() => Buffer.from("o".repeat(32))).open("uid1", sealed), "another key").to.throw();
    const [v, nonce, body = "", tag] = sealed.split(".");
    const flipped = `${v}.${nonce}.${body.startsWith("A") ? `B${body.slice(1)}` : `A${body.slice(1)}`}.${tag}`;
    expect(() => box.open("uid1", flipped), "a changed byte").to.throw();
    for (const junk of ["", "v1", "v2.a.b.c", `${sealed}.x`]) expect(() => box.open("uid1", junk), junk).to.throw();
  });
});
