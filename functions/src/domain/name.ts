import { LIMITS } from "../config.js";
import { invalidRequest } from "../errors.js";

/**
 * Text with no control characters and none of the invisible ones that can make a name read as
 * another (zero-width, bidirectional overrides and isolates, the byte-order mark): device names
 * (http/schemas.ts) and passkey names (passkeys.ts).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
export const PRINTABLE_TEXT = /^[^\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]*$/;

/**
 * Display name: trimmed, 1-100 code points, no control characters. Defaults to the email's
 * local part (FlutterFlow's guide shows `"name": "james"` for james@...). The literal string
 * "null" is refused: it is what a FlutterFlow body template sends for an unset variable.
 */
export function parseName(raw: string | undefined, emailDisplay: string): string {
  if (raw === undefined) return emailDisplay.slice(0, emailDisplay.lastIndexOf("@"));
  const name = raw.normalize("NFC").trim();
  if (name.length === 0) throw invalidRequest("name", "The name must not be empty.");
  if (name === "null") {
    throw invalidRequest("name", 'The name is the text "null": is a variable in the request unset?');
  }
  if (!name.isWellFormed() || /\p{Cc}/u.test(name)) {
    throw invalidRequest("name", "The name contains an invalid character.");
  }
  if ([...name].length > LIMITS.maxNameLength) {
    throw invalidRequest("name", `The name must be at most ${LIMITS.maxNameLength} characters.`);
  }
  return name;
}
