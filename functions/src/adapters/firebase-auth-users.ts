import type { Auth } from "firebase-admin/auth";
import { EmailTakenError, type AuthUserProfile, type AuthUsers } from "../domain/ports.js";
import { translateStoreError } from "./store-errors.js";

const authCode = (error: unknown): string | undefined => {
  if (typeof error === "object" && error !== null && "code" in error) {
    const { code } = error;
    if (typeof code === "string") return code;
  }
  return undefined;
};

/**
 * The Firebase Auth user behind each account. It carries no password (this backend owns
 * credentials); its email and display name are set so the Firebase console and FlutterFlow's
 * `currentUserEmail` / `currentUserDisplayName` show them.
 */
export class FirebaseAuthUsers implements AuthUsers {
  constructor(private readonly auth: Auth) {}

  async create(profile: AuthUserProfile): Promise<void> {
    try {
      await this.auth.createUser({
        uid: profile.uid,
        email: profile.email,
        displayName: profile.displayName,
        emailVerified: false,
      });
    } catch (error) {
      if (authCode(error) === "auth/email-already-exists") throw new EmailTakenError();
      throw translateStoreError(error);
    }
  }

  async ensure(profile: AuthUserProfile): Promise<void> {
    try {
      await this.auth.updateUser(profile.uid, {
        email: profile.email,
        displayName: profile.displayName,
      });
    } catch (error) {
      if (authCode(error) !== "auth/user-not-found") throw translateStoreError(error);
      await this.create(profile);
    }
  }

  async updateProfile(uid: string, profile: { readonly displayName: string; readonly photoUrl?: string | undefined }): Promise<void> {
    try {
      await this.auth.updateUser(uid, {
        displayName: profile.displayName,
        ...(profile.photoUrl !== undefined && { photoURL: profile.photoUrl }),
      });
    } catch (error) {
      throw translateStoreError(error);
    }
  }

  async setRoleClaim(uid: string, roleId: number): Promise<void> {
    try {
      await this.auth.setCustomUserClaims(uid, { role_id: roleId });
    } catch (error) {
      throw translateStoreError(error);
    }
  }

  async setDisabled(uid: string, disabled: boolean): Promise<void> {
    try {
      await this.auth.updateUser(uid, { disabled });
    } catch (error) {
      if (authCode(error) !== "auth/user-not-found") throw translateStoreError(error);
    }
  }

  async revokeFirebaseSessions(uid: string): Promise<void> {
    try {
      await this.auth.revokeRefreshTokens(uid);
    } catch (error) {
      if (authCode(error) !== "auth/user-not-found") throw translateStoreError(error);
    }
  }

  async delete(uid: string): Promise<void> {
    try {
      await this.auth.deleteUser(uid);
    } catch (error) {
      if (authCode(error) !== "auth/user-not-found") throw translateStoreError(error);
    }
  }
}
