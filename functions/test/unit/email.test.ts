import { expect } from "chai";
import { parseEmail as parse } from "../../src/domain/email.js";
import { hmacKeys, legacyEmailKey } from "../../src/domain/ids.js";

import { AppError } from "../../src/errors.js";

const keys = hmacKeys(() => Buffer.from("unit-test-secret-unit-test-secret!"));
const parseEmail = (raw: string) => parse(raw, keys);

function refused(raw: string): AppError {
  try {
    parseEmail(raw);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(raw)}`);
}

describe("email policy", () => {
  it("trims, keeps the typed form for display, compares in ASCII lower case, keys by SHA-256", () => {
    const parsed = parseEmail("  Ada.Lovelace+fx@Example.COM\t");
    expect(parsed.display).to.equal("Ada.Lovelace+fx@Example.COM");
    expect(parsed.canonical).to.equal("ada.lovelace+fx@example.com");
    expect(parsed.key)
      .to.equal(keys.email("ada.lovelace+fx@example.com"))
      .and.match(/^[0-9a-f]{64}$/);
    // Keyed: not the plain SHA-256 of the address (which anyone holding a list of addresses could compute).
    expect(parsed.key).to.not.equal(legacyEmailKey("ada.lovelace+fx@example.com"));
    expect(parsed.legacyKey).to.equal(legacyEmailKey("ada.lovelace+fx@example.com"));
    expect(
      parse(
        "ada.lovelace+fx@example.com",
        hmacKeys(() => Buffer.from("another-secret-another-secret-xx!")),
      ).key,
    ).to.not.equal(parsed.key);
    expect(parseEmail("ADA.LOVELACE+FX@example.com").key).to.equal(parsed.key);
  });

  it("look-alike Unicode addresses are refused, never folded onto the ASCII account", () => {
    // Kelvin sign (lower-cases to k), dotless i, full-width letters, Cyrillic a.
    for (const raw of [
      "\u212Aate@example.com",
      "\u0131nfo@example.com",
      "ａda@example.com",
      "\u0430da@example.com",
      "ada@ex\u212Ample.com",
    ]) {
      const error = refused(raw);
      expect(error.code).to.equal("invalid_request");
      expect(error.details.field).to.equal("email");
    }
  });

  it("refuses over-long addresses (254 overall, 64 before @)", () => {
    expect(refused(`${"a".repeat(65)}@example.com`).message).to.match(/too long/);
    expect(refused(`a@${"b".repeat(250)}.com`).message).to.match(/too long/);
    expect(parseEmail(`${"a".repeat(64)}@example.com`).canonical).to.have.length(76);
  });

  it("refuses CR/LF, NUL, markup, paths, the literal null and other non-addresses", () => {
    const bad = [
      "",
      "   ",
      "null",
      "ada@example.com\r\nBcc: x@y.z",
      "ada\u0000@example.com",
      "<script>@example.com",
      "a/b@example.com",
      "../..@example.com",
      "ada@example",
      "ada@@example.com",
      "ada example@example.com",
      "@example.com",
      "ada@",
    ];
    for (const raw of bad) expect(refused(raw).code, JSON.stringify(raw)).to.equal("invalid_request");
  });

  // Canonicalisation as a table: what is typed -> what accounts are compared and keyed by.
  const CANONICAL: readonly (readonly [typed: string, canonical: string])[] = [
    ["ada@example.com", "ada@example.com"],
    ["Ada@Example.com", "ada@example.com"],
    ["ADA@EXAMPLE.COM", "ada@example.com"],
    ["  ada@example.com  ", "ada@example.com"],
    ["\tada@example.com\n", "ada@example.com"],
    ["Ada.Lovelace+FX@Example.com", "ada.lovelace+fx@example.com"], // dots and tags are kept: no provider rules
    ["ada@sub.Example.co.uk", "ada@sub.example.co.uk"],
    ["o'brien@example.com", "o'brien@example.com"],
  ];
  for (const [typed, canonical] of CANONICAL) {
    it(`${JSON.stringify(typed)} -> ${canonical}, one key for every spelling`, () => {
      const parsed = parseEmail(typed);
      expect(parsed.canonical).to.equal(canonical);
      expect(parsed.key).to.equal(keys.email(canonical));
      expect(parsed.display).to.equal(typed.trim());
    });
  }

  it("length boundaries: 64 before @ and 254 overall pass, one more is refused", () => {
    const local64 = `${"a".repeat(64)}@example.com`;
    expect(parseEmail(local64).canonical).to.equal(local64);
    expect(refused(`${"a".repeat(65)}@example.com`).code).to.equal("invalid_request");
    const domain = (length: number) =>
      Array.from({ length: Math.ceil(length / 50) }, (_, i) => "d".repeat(49) + String(i % 10))
        .join(".")
        .slice(0, length);
    const at254 = `a@${domain(252 - 4)}.com`;
    expect(at254).to.have.length(254);
    expect(parseEmail(at254).canonical).to.equal(at254);
    expect(refused(`ab@${domain(252 - 4)}.com`).code).to.equal("invalid_request");
  });

  it("addresses that would be bad document ids are fine: the id is a hash", () => {
    const parsed = parseEmail("__x__@example.com");
    expect(parsed.key).to.match(/^[0-9a-f]{64}$/);
  });
});
