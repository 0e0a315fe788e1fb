import { expect } from "chai";
import { parseEmail } from "../../src/domain/email.js";
import { AppError } from "../../src/errors.js";

// Email refusals with their boundaries (254 characters overall, 64 before the last @) and the
// exact field and message of each kind of refusal: the message tells the user what to fix.

const keys = { email: (canonical: string) => `key:${canonical}` };

function refusal(raw: string): AppError {
  try {
    parseEmail(raw, keys);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error(`accepted: ${JSON.stringify(raw)}`);
}

const refused = (raw: string) => {
  const error = refusal(raw);
  return [error.code, error.details.field, error.message];
};

const EMPTY = ["invalid_request", "email", "Enter your email address."];
const NOT_ASCII = ["invalid_request", "email", "The email address may contain only ASCII letters, digits and symbols."];
const TOO_LONG = ["invalid_request", "email", "The email address is too long."];
const INVALID = ["invalid_request", "email", "Enter a valid email address."];

/** An address of exactly `length` characters with a local part of `local` characters. */
function address(length: number, local = 1): string {
  const domainLength = length - local - 1 - 4; // "@" and ".com"
  const labels: string[] = [];
  for (let left = domainLength; left > 0; left -= 51) labels.push("d".repeat(Math.min(50, left)));
  const domain = labels.join(".").slice(0, domainLength).replace(/\.$/, "e");
  return `${"a".repeat(local)}@${domain}.com`;
}

describe("pinned: email boundaries and messages", () => {
  it("254 characters pass, 255 are too long", () => {
    const at254 = address(254);
    expect(at254).to.have.length(254);
    expect(parseEmail(at254, keys).canonical).to.equal(at254);
    const at255 = address(255);
    expect(at255).to.have.length(255);
    expect(refused(at255)).to.deep.equal(TOO_LONG);
  });

  it("64 characters before the @ pass, 65 are too long", () => {
    expect(parseEmail(address(80, 64), keys).display).to.have.length(80);
    expect(refused(address(80, 65))).to.deep.equal(TOO_LONG);
  });

  it("surrounding white space is trimmed before anything is counted or checked", () => {
    const padded = `  ${address(254)}\t\n`;
    expect(parseEmail(padded, keys).display).to.equal(address(254));
    const parsed = parseEmail("  Ada@Example.COM ", keys);
    expect(parsed).to.deep.include({ display: "Ada@Example.COM", canonical: "ada@example.com", key: "key:ada@example.com" });
  });

  it("empty or white space only: asked for an address", () => {
    expect(refused("")).to.deep.equal(EMPTY);
    expect(refused(" \t ")).to.deep.equal(EMPTY);
  });

  it("any character outside printable ASCII, first, last or inside, is refused as such", () => {
    for (const raw of [
      "\u00e9ada@example.com",
      "ada@example.com\u00e9",
      "ad\u00e9a@example.com",
      "ada@example.com\u007f",
      "ada@exa mple.com",
    ]) {
      expect(refused(raw), JSON.stringify(raw)).to.deep.equal(NOT_ASCII);
    }
  });

  it("printable ASCII that is not an address: asked for a valid one", () => {
    for (const raw of ["ada@example", "ada@@example.com", "@example.com", "ada.@example.com"]) {
      expect(refused(raw), raw).to.deep.equal(INVALID);
    }
  });
});
