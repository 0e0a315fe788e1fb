import type { Auth } from "firebase-admin/auth";
import { withDeadline } from "../deadlines.js";
import type { TokenMinter } from "../domain/ports.js";

/**
 * Custom tokens from firebase-admin. On Cloud Functions (no key file) each one is signed by
 * the IAM Credentials `signBlob` API: the runtime service account needs the "Service Account
 * Token Creator" role (README, "Deploy"). Under the Auth emulator tokens are unsigned.
 */
export class FirebaseTokenMinter implements TokenMinter {
  constructor(private readonly auth: Auth) {}

  async mint(uid: string, claims: Readonly<Record<string, number | string | boolean>>): Promise<string> {
    return withDeadline(() => this.auth.createCustomToken(uid, { ...claims }));
  }
}
