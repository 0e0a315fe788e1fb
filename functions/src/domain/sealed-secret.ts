// Sealing of secrets the server must read back (issue 24: an account's TOTP secret), with
// AES-256-GCM under a key derived from the server's secret (AUTH_HMAC_KEY) by HKDF-SHA256 with
// its own label, so the HMAC key itself never encrypts. Each sealing has a fresh 96-bit nonce;
// the account's uid is the additional data, so a sealed value copied onto another account does
// not open. Stored as `v1.<nonce>.<ciphertext>.<tag>` (base64url). Never logged. A new AUTH_HMAC_KEY
// opens none of the old values: enrolled factors then need an administrator's removal
// (docs/security.md, "Second factor").
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

export interface SecretBox {
  seal(uid: string, plaintext: string): string;
  /** The plaintext; throws when the value was not sealed for `uid` under this key (tampered, moved, or another key). */
  open(uid: string, sealed: string): string;
}

const LABEL = "flutterflow-auth sealed secret v1";

/** A box under `secret` (read when first needed). */
export function secretBox(secret: () => Buffer): SecretBox {
  let key: Buffer | undefined;
  const keyOf = (): Buffer => {
    key ??= Buffer.from(hkdfSync("sha256", secret(), Buffer.alloc(0), LABEL, 32));
    return key;
  };
  return {
    seal(uid, plaintext) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", keyOf(), nonce);
      cipher.setAAD(Buffer.from(uid, "utf8"));
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return ["v1", nonce, body, cipher.getAuthTag()]
        .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
        .join(".");
    },
    open(uid, sealed) {
      const [version, nonce, body, tag, ...rest] = sealed.split(".");
      if (version !== "v1" || nonce === undefined || body === undefined || tag === undefined || rest.length > 0) {
        throw new Error("not a sealed secret");
      }
      const decipher = createDecipheriv("aes-256-gcm", keyOf(), Buffer.from(nonce, "base64url"), { authTagLength: 16 });
      decipher.setAAD(Buffer.from(uid, "utf8"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}
