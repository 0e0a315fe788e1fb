import type { Auth } from "firebase-admin/auth";
import { withDeadline } from "../deadlines.js";
import { type AuthUserProfile, EmailTakenError } from "../domain/model.js";
import type { AuthUsers } from "../domain/ports.js";
import { errorCode } from "../errors.js";

const authCode = (error: unknown): string | undefined => {
  const code = errorCode(error);
  return typeof code === "string" ? code : undefined;
};

/** A user that is not there is already in the state the call wanted. */
const ignoreMissingUser = (error: unknown): void => {
  if (authCode(error) !== "auth/user-not-found") throw error;
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
      await withDeadline(() =>
        this.auth.createUser({
          uid: profile.uid,
          email: profile.email,
          displayName: profile.displayName,
          emailVerified: profile.emailVerified ?? false,
        }),
      );
    } catch (error) {
      const code = authCode(error);
      if (code !== "auth/email-already-exists" && code !== "auth/uid-already-exists") throw error;
      // Made for this very uid meanwhile - by a repeated signup's repair, or by an earlier request
      // whose answer was lost - is what was asked for. (Account uids are random: no one else's.)
      const existing = await withDeadline(() => this.auth.getUser(profile.uid)).catch((lookup: unknown) => {
        if (authCode(lookup) === "auth/user-not-found") return null;
        throw lookup;
      });
      if (existing !== null && existing.email === profile.email) return;
      if (code === "auth/email-already-exists") throw new EmailTakenError();
      throw error;
    }
  }

  async ensure(profile: AuthUserProfile): Promise<void> {
    try {
      await withDeadline(() =>
        this.auth.updateUser(profile.uid, {
          email: profile.email,
          displayName: profile.displayName,
          ...(profile.emailVerified !== undefined && { emailVerified: profile.emailVerified }),
        }),
      );
    } catch (error) {
      if (authCode(error) !== "auth/user-not-found") throw error;
      await this.create(profile); // a create racing this one (same uid) counts as done
    }
  }

  async updateProfile(uid: string, profile: { readonly displayName: string; readonly photoUrl?: string | undefined }): Promise<void> {
    await withDeadline(() =>
      this.auth.updateUser(uid, {
        displayName: profile.displayName,
        ...(profile.photoUrl !== undefined && { photoURL: profile.photoUrl }),
      }),
    );
  }

  async setRoleClaim(uid: string, roleId: number): Promise<void> {
    await withDeadline(() => this.auth.setCustomUserClaims(uid, { role_id: roleId }));
  }

  async setDisabled(uid: string, disabled: boolean): Promise<void> {
    await withDeadline(() => this.auth.updateUser(uid, { disabled })).catch(ignoreMissingUser);
  }

  async changeEmail(uid: string, email: string): Promise<void> {
    try {
      await withDeadline(() => this.auth.updateUser(uid, { email, emailVerified: true }));
    } catch (error) {
      if (authCode(error) === "auth/email-already-exists") throw new EmailTakenError();
      throw error;
    }
  }

  async findEmail(uid: string): Promise<{ readonly email: string | null } | null> {
    try {
      const user = await withDeadline(() => this.auth.getUser(uid));
      return { email: user.email ?? null };
    } catch (error) {
      if (authCode(error) === "auth/user-not-found") return null;
      throw error;
    }
  }

  async removePasswordSignIn(uid: string): Promise<void> {
    const user = await withDeadline(() => this.auth.getUser(uid));
    if (!user.providerData.some((provider) => provider.providerId === "password") && user.passwordHash === undefined) return;
    await withDeadline(() => this.auth.updateUser(uid, { providersToUnlink: ["password"] }));
  }

  async setEmailVerified(uid: string): Promise<void> {
    await withDeadline(() => this.auth.updateUser(uid, { emailVerified: true }));
  }

  async revokeFirebaseSessions(uid: string): Promise<void> {
    await withDeadline(() => this.auth.revokeRefreshTokens(uid)).catch(ignoreMissingUser);
  }

  async delete(uid: string): Promise<void> {
    await withDeadline(() => this.auth.deleteUser(uid)).catch(ignoreMissingUser);
  }
}
