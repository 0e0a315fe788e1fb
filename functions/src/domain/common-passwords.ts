import { createRequire } from "node:module";

/**
 * The common-password blocklist: the 49,233 most common passwords of the zxcvbn-ts project
 * (`@zxcvbn-ts/language-common`, MIT, maintained), lower case. ASVS 5.0 6.2.4 asks for at
 * least the top 3,000. Loading and decompressing it takes about 40 ms, so it is loaded on
 * the first signup, never at cold start and never for a login.
 */
let blocklist: ReadonlySet<string> | undefined;

function load(): ReadonlySet<string> {
  const require = createRequire(__filename);
  // The package has no `exports` map; this file is its password list alone (the index
  // would also decompress the diceware word list, which is not needed here).
  const list: unknown = require("@zxcvbn-ts/language-common/dist/passwords.json.cjs");
  if (!Array.isArray(list) || list.length < 3000 || !list.every((p) => typeof p === "string")) {
    throw new Error("the common-password list has an unexpected shape");
  }
  return new Set(list.map((p: string) => p.toLowerCase()));
}

export function isCommonPassword(lowercased: string): boolean {
  blocklist ??= load();
  return blocklist.has(lowercased);
}
