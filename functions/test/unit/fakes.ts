import { createHash } from "node:crypto";
import { appCheckVerifier } from "../../src/adapters/app-check-verifier.js";
import type { Deps } from "../../src/domain/deps.js";
import { hmacKeys } from "../../src/domain/ids.js";
import {
  type Account,
  type AuthUserProfile,
  type CodeIssue,
  type Counter,
  type CounterWrite,
  type DeviceSession,
  EmailTakenError,
  type FactorUpdate,
  type LiveState,
  type MailMessage,
  type MfaChallenge,
  type NewAccount,
  type Passkey,
  type RefreshTokenRecord,
  RejectedIdToken,
  type SecurityEvent,
  StaleAccountError,
  type StoredRefreshToken,
  type ThrottleKey,
  type ThrottleSettlement,
  UidTakenError,
  UNKNOWN_DEVICE,
  type UserListPosition,
  type VerifiedCaller,
} from "../../src/domain/model.js";
import type {
  AccountStore,
  AppCheckTokens,
  AuthEvents,
  AuthUsers,
  CodeStore,
  DeveloperClaim,
  IdTokenVerifier,
  Mailer,
  MfaChallengeStore,
  PasskeyStore,
  PasswordHasher,
  SessionStore,
  ThrottleStore,
  TokenMinter,
} from "../../src/domain/ports.js";
import { secretBox } from "../../src/domain/sealed-secret.js";
import { signup } from "../../src/domain/signup.js";
import { successorToken } from "../../src/domain/tokens.js";
import { APP_CHECK_JWKS, APP_CHECK_PROJECT_ID, APP_CHECK_PROJECT_NUMBER } from "../app-check-keys.js";

/**
 * In-memory stand-ins for the ports, for unit tests of the use cases. Every call goes through
 * `Faults`, so a test can break signup or login at any step and look at what is left.
 */
export type Step =
  | "accounts.create"
  | "accounts.deleteCreated"
  | "accounts.find"
  | "accounts.setAuthUserSynced"
  | "accounts.setPasswordHash"
  | "accounts.updateProfile"
  | "accounts.setDisabled"
  | "accounts.changeEmail"
  | "authUsers.changeEmail"
  | "accounts.deleteRecords"
  | "authUsers.updateProfile"
  | "sessions.create"
  | "sessions.find"
  | "sessions.rotate"
  | "sessions.revoke"
  | "authUsers.revokeFirebaseSessions"
  | "authUsers.create"
  | "authUsers.ensure"
  | "authUsers.delete"
  | "hasher.hash"
  | "hasher.verify"
  | "minter.mint"
  | "throttle.record"
  | "codes.issue"
  | "codes.consume"
  | "challenges.create"
  | "challenges.find"
  | "accounts.updateSecondFactor"
  | "mailer.send";

export class Faults {
  private readonly failing = new Map<Step, Error>();
  readonly calls: Step[] = [];

  failAt(step: Step, error: Error = new Error(`injected failure at ${step}`)): void {
    this.failing.set(step, error);
  }

  /** The trouble is over: later calls succeed. */
  heal(): void {
    this.failing.clear();
  }

  async at(step: Step): Promise<void> {
    this.calls.push(step);
    await Promise.resolve();
    const error = this.failing.get(step);
    if (error !== undefined) throw error;
  }
}

export class MemoryStore implements AccountStore {
  /** Email key -> uid: the credential ids (Firestore's uid index maps the other way). */
  readonly uidByEmailKey = new Map<string, string>();
  readonly accounts = new Map<string, Account>();
  readonly users = new Map<string, NewAccount["profile"]>();
  /** Refresh tokens by hash, as the session store keeps them. */
  readonly sessions = new Map<string, StoredRefreshToken>();
  readonly rotations = new Set<string>();

  constructor(private readonly faults: Faults) {}

  /**
   * The throttle whose settling writes a session's commit may carry (SessionStore.create's
   * `settlement`): world() sets its own; a test that gives the use cases another throttle sets
   * it here too, or the commit would settle on the wrong store.
   */
  settleWith: MemoryThrottle | undefined;

  /** Live session records by session id (auth_sessions). */
  readonly live = new Map<string, DeviceSession>();

  readonly sessionStore: SessionStore = {
    create: async (token, { rehash, settlement } = {}) => {
      await this.faults.at("sessions.create");
      const uid = this.uidByEmailKey.get(token.emailKey);
      const account = uid === undefined ? undefined : this.accounts.get(uid);
      // One commit with the session, as Firestore's store makes it (not with a rehash, a
      // transaction; not when the account is gone, which fails Firestore's whole commit).
      const settled =
        rehash === undefined && account !== undefined && settlement !== undefined && this.settleWith?.settleNow(settlement) === true;
      this.addToken(token);
      if (account === undefined) return { settled };
      const passwordHash = rehash !== undefined && account.passwordHash === rehash.from ? rehash.to : account.passwordHash;
      this.accounts.set(account.uid, { ...account, sessionCount: account.sessionCount + 1, passwordHash });
      return { settled };
    },
    liveState: async (sessionId, uid): Promise<LiveState> => {
      const account = this.accounts.get(uid);
      return {
        session: this.live.get(sessionId) ?? null,
        current: account === undefined ? null : { sessionEpoch: account.sessionEpoch, roleId: account.roleId },
      };
    },
    find: async (tokenHash) => {
      await this.faults.at("sessions.find");
      return this.sessions.get(tokenHash) ?? null;
    },
    rotate: async (parent, child, now) => {
      await this.faults.at("sessions.rotate");
      if (this.rotations.has(parent.tokenHash)) return "already_rotated";
      const current = this.sessions.get(parent.tokenHash);
      if (current === undefined || (parent.recorded && !this.live.has(parent.sessionId))) return "gone";
      this.rotations.add(parent.tokenHash);
      this.sessions.set(parent.tokenHash, { ...current, rotatedAt: now });
      const record = this.live.get(parent.sessionId);
      if (record !== undefined) this.live.set(parent.sessionId, { ...record, lastUsedAt: now, device: child.device ?? record.device });
      this.addToken(child);
      return "rotated";
    },
    revokeSession: async (sessionId) => {
      await this.faults.at("sessions.revoke");
      this.live.delete(sessionId);
      for (const [hash, token] of this.sessions) if (token.sessionId === sessionId) this.sessions.delete(hash);
    },
    revokeAllSessions: async (uid) => {
      await this.faults.at("sessions.revoke");
      this.endLive(uid);
      for (const [hash, token] of this.sessions) if (token.uid === uid) this.sessions.delete(hash);
    },
    sessionsOf: async (uid, limit) => [...this.live.values()].filter((record) => record.uid === uid).slice(0, limit),
    liveSessions: async (uid) =>
      [...this.sessions.values()]
        .filter((token) => token.uid === uid && token.rotatedAt === null)
        .map((token) => ({ sessionId: token.sessionId, sessionExpiresAt: token.sessionExpiresAt })),
    deleteExpired: async (now, limit) => {
      let deleted = 0;
      for (const [hash, token] of this.sessions) {
        if (deleted < limit && token.expiresAt <= now) {
          this.sessions.delete(hash);
          deleted++;
        }
      }
      return deleted;
    },
  };

  /** A session's token; with its live record when the session has none yet (its first token, or a session from before records). */
  private addToken(token: RefreshTokenRecord): void {
    this.sessions.set(token.tokenHash, { ...token, rotatedAt: null, recorded: true });
    if (!this.live.has(token.sessionId)) {
      const record: DeviceSession = {
        sessionId: token.sessionId,
        uid: token.uid,
        sessionEpoch: token.sessionEpoch,
        expiresAt: token.sessionExpiresAt,
        device: token.device ?? UNKNOWN_DEVICE,
        createdAt: token.createdAt,
        lastUsedAt: token.createdAt,
      };
      this.live.set(token.sessionId, record);
    }
  }

  /** Deletes every live session record of `uid` (revokeAllSessions). */
  private endLive(uid: string): void {
    for (const [sessionId, session] of this.live) if (session.uid === uid) this.live.delete(sessionId);
  }

  async create(record: NewAccount): Promise<void> {
    await this.faults.at("accounts.create");
    if (this.uidByEmailKey.has(record.account.emailKey)) throw new EmailTakenError();
    this.uidByEmailKey.set(record.account.emailKey, record.account.uid);
    this.accounts.set(record.account.uid, record.account);
    this.users.set(record.profile.uid, record.profile);
    if (record.session !== null) this.addToken(record.session);
  }

  async importAccount(record: NewAccount): Promise<{ readonly profileCreated: boolean }> {
    await this.faults.at("accounts.create");
    if (this.uidByEmailKey.has(record.account.emailKey)) throw new EmailTakenError();
    if (this.accounts.has(record.account.uid)) throw new UidTakenError();
    const profileCreated = !this.users.has(record.profile.uid);
    this.uidByEmailKey.set(record.account.emailKey, record.account.uid);
    this.accounts.set(record.account.uid, record.account);
    const existing = this.users.get(record.profile.uid);
    this.users.set(
      record.profile.uid,
      existing === undefined ? record.profile : { ...existing, email: record.profile.email, roleId: record.profile.roleId },
    );
    return { profileCreated };
  }

  async undoImport(record: NewAccount, profileCreated: boolean): Promise<void> {
    this.uidByEmailKey.delete(record.account.emailKey);
    this.accounts.delete(record.account.uid);
    if (profileCreated) this.users.delete(record.profile.uid);
  }

  async deleteCreated(record: NewAccount): Promise<void> {
    await this.faults.at("accounts.deleteCreated");
    this.uidByEmailKey.delete(record.account.emailKey);
    this.accounts.delete(record.account.uid);
    this.users.delete(record.account.uid);
    if (record.session !== null) {
      this.sessions.delete(record.session.tokenHash);
      this.live.delete(record.session.sessionId);
    }
  }

  async findByEmail(email: { readonly key: string; readonly legacyKey: string }): Promise<Account | null> {
    return this.findByEmailKey(email.key); // the fakes never hold legacy ids
  }

  async findByEmailKey(emailKey: string): Promise<Account | null> {
    await this.faults.at("accounts.find");
    const uid = this.uidByEmailKey.get(emailKey);
    return uid === undefined ? null : (this.accounts.get(uid) ?? null);
  }

  async list(page: {
    readonly limit: number;
    readonly after?: UserListPosition;
    readonly emailPrefix?: string;
  }): Promise<readonly Account[]> {
    await this.faults.at("accounts.find");
    const all = [...this.accounts.values()].filter((account) => this.uidByEmailKey.get(account.emailKey) === account.uid);
    const { emailPrefix, after } = page;
    const ordered =
      emailPrefix === undefined
        ? all
            .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.emailKey < b.emailKey ? -1 : 1))
            .filter(
              (a) =>
                after?.by !== "created" ||
                a.createdAt > after.createdAt ||
                (a.createdAt.getTime() === after.createdAt.getTime() && a.emailKey > after.emailKey),
            )
        : all
            .filter((a) => a.email.startsWith(emailPrefix) && (after?.by !== "email" || a.email > after.email))
            .sort((a, b) => (a.email < b.email ? -1 : 1));
    return ordered.slice(0, page.limit);
  }

  async findByUid(uid: string): Promise<Account | null> {
    await this.faults.at("accounts.find");
    return this.accounts.get(uid) ?? null;
  }

  readonly photos = new Map<string, string>();
  async updateProfile(account: Account, profile: { readonly displayName: string; readonly photoUrl?: string | undefined }): Promise<void> {
    await this.faults.at("accounts.updateProfile");
    this.patch(account.emailKey, { displayName: profile.displayName });
    const user = this.users.get(account.uid);
    if (user !== undefined) this.users.set(account.uid, { ...user, displayName: profile.displayName });
    if (profile.photoUrl !== undefined) this.photos.set(account.uid, profile.photoUrl);
  }

  async setRole(account: Account, roleId: number): Promise<void> {
    this.patch(account.emailKey, { roleId });
    const user = this.users.get(account.uid);
    if (user !== undefined) this.users.set(account.uid, { ...user, roleId });
  }

  async setDisabled(emailKey: string, disabled: boolean): Promise<void> {
    await this.faults.at("accounts.setDisabled");
    const current = this.accounts.get(this.uidByEmailKey.get(emailKey) ?? "");
    this.patch(emailKey, { disabled, ...(disabled && current !== undefined && { sessionEpoch: current.sessionEpoch + 1 }) });
  }

  async startDeletion(emailKey: string): Promise<void> {
    await this.faults.at("accounts.setDisabled");
    const current = this.accounts.get(this.uidByEmailKey.get(emailKey) ?? "");
    if (current === undefined) throw new StaleAccountError();
    this.patch(emailKey, { disabled: true, deleting: true, sessionEpoch: current.sessionEpoch + (current.deleting ? 0 : 1) });
  }

  /** Push tokens per uid (users/{uid}/fcm_tokens), as a count. */
  readonly pushTokens = new Map<string, number>();
  async resetProfile(account: Account): Promise<void> {
    this.patch(account.emailKey, { displayName: "" });
    this.users.set(account.uid, {
      uid: account.uid,
      email: account.email,
      displayName: "",
      roleId: account.roleId,
      createdAt: account.createdAt,
    });
    this.photos.delete(account.uid);
    this.pushTokens.delete(account.uid);
  }

  async deleteServerRecords(uid: string): Promise<void> {
    const account = this.accounts.get(uid);
    if (account === undefined) return;
    this.accounts.delete(uid);
    if (this.uidByEmailKey.get(account.emailKey) === uid) this.uidByEmailKey.delete(account.emailKey);
  }

  async deleteAccountRecords(account: Pick<Account, "uid" | "emailKey">): Promise<void> {
    await this.faults.at("accounts.deleteRecords");
    this.users.delete(account.uid);
    this.accounts.delete(account.uid);
    this.uidByEmailKey.delete(account.emailKey);
  }

  async setAuthUserSynced(emailKey: string): Promise<void> {
    await this.faults.at("accounts.setAuthUserSynced");
    this.patch(emailKey, { authUserSynced: true });
  }

  /** Two-step sign-ins by id (auth_mfa_challenges); the challenge store and updateSecondFactor share them. */
  readonly challenges = new Map<string, MfaChallenge>();

  readonly challengeStore: MfaChallengeStore = {
    create: async (challenge) => {
      await this.faults.at("challenges.create");
      this.challenges.set(challenge.id, challenge);
    },
    find: async (id) => {
      await this.faults.at("challenges.find");
      return this.challenges.get(id) ?? null;
    },
    countWrong: async (id, maxTries) => {
      const challenge = this.challenges.get(id);
      if (challenge === undefined) return;
      if (challenge.tries + 1 >= maxTries) this.challenges.delete(id);
      else this.challenges.set(id, { ...challenge, tries: challenge.tries + 1 });
    },
    deleteExpired: async (now, limit) => {
      let deleted = 0;
      for (const [id, challenge] of this.challenges) {
        if (deleted < limit && challenge.expiresAt <= now) {
          this.challenges.delete(id);
          deleted++;
        }
      }
      return deleted;
    },
  };

  async updateSecondFactor<T>(
    emailKey: string,
    change: (account: Account | null, challenge: MfaChallenge | null) => FactorUpdate<T>,
    challengeId?: string,
  ): Promise<T> {
    await this.faults.at("accounts.updateSecondFactor");
    const uid = this.uidByEmailKey.get(emailKey);
    const account = uid === undefined ? null : (this.accounts.get(uid) ?? null);
    const challenge = challengeId === undefined ? null : (this.challenges.get(challengeId) ?? null);
    const update = change(account, challenge);
    if (account !== null) {
      this.accounts.set(account.uid, {
        ...account,
        ...(update.factor !== undefined && { secondFactor: update.factor }),
        ...(update.pending !== undefined && { pendingFactor: update.pending }),
      });
    }
    if (update.consumeChallenge === true && challengeId !== undefined) this.challenges.delete(challengeId);
    return update.result;
  }

  async replaceHash(emailKey: string, hashes: { readonly from: string; readonly to: string }): Promise<boolean> {
    const uid = this.uidByEmailKey.get(emailKey);
    const account = uid === undefined ? undefined : this.accounts.get(uid);
    if (account === undefined || account.passwordHash !== hashes.from) return false;
    this.accounts.set(account.uid, { ...account, passwordHash: hashes.to });
    return true;
  }

  async setSessionCount(emailKey: string, sessionCount: number): Promise<void> {
    this.patch(emailKey, { sessionCount });
  }

  async setEmailVerified(emailKey: string): Promise<void> {
    this.patch(emailKey, { emailVerified: true });
  }

  async changeEmail(
    account: Account,
    email: { readonly display: string; readonly key: string },
    emailVerified: boolean,
  ): Promise<Account | null> {
    await this.faults.at("accounts.changeEmail");
    const current = this.accounts.get(account.uid);
    if (current === undefined || this.uidByEmailKey.get(current.emailKey) !== account.uid || current.disabled || current.deleting)
      return null;
    if (this.uidByEmailKey.has(email.key)) throw new EmailTakenError();
    const moved: Account = {
      ...current,
      email: email.display,
      emailKey: email.key,
      emailVerified,
      authUserSynced: false,
      sessionEpoch: current.sessionEpoch + 1,
    };
    this.uidByEmailKey.delete(current.emailKey);
    this.uidByEmailKey.set(email.key, account.uid);
    this.accounts.set(account.uid, moved);
    const user = this.users.get(account.uid);
    if (user !== undefined) this.users.set(account.uid, { ...user, email: email.display });
    return moved;
  }

  async setNewPassword(account: Pick<Account, "uid" | "emailKey">, passwordHash: string, expectHash?: string): Promise<Account> {
    await this.faults.at("accounts.setPasswordHash");
    const current = this.accounts.get(account.uid);
    if (
      current === undefined ||
      current.emailKey !== account.emailKey ||
      (expectHash !== undefined && current.passwordHash !== expectHash)
    ) {
      throw new StaleAccountError();
    }
    const written: Account = { ...current, passwordHash, sessionEpoch: current.sessionEpoch + 1 };
    this.accounts.set(account.uid, written);
    return written;
  }

  /** Everything stored, for "nothing written" / "nothing left" assertions. */
  sizes(): Record<string, number> {
    return {
      credentials: this.uidByEmailKey.size,
      accounts: this.accounts.size,
      users: this.users.size,
      sessions: this.sessions.size,
    };
  }

  private patch(emailKey: string, fields: Partial<Account>): void {
    const uid = this.uidByEmailKey.get(emailKey) ?? "";
    const account = this.accounts.get(uid);
    if (account === undefined) throw new Error("no such account");
    this.accounts.set(uid, { ...account, ...fields });
  }
}

export class MemoryAuthUsers implements AuthUsers {
  readonly users = new Map<string, AuthUserProfile>();
  constructor(private readonly faults: Faults) {}

  async create(profile: AuthUserProfile): Promise<void> {
    await this.faults.at("authUsers.create");
    if ([...this.users.values()].some((u) => u.email === profile.email)) throw new EmailTakenError();
    this.users.set(profile.uid, profile);
  }

  async ensure(profile: AuthUserProfile): Promise<void> {
    await this.faults.at("authUsers.ensure");
    this.users.set(profile.uid, profile);
  }

  async delete(uid: string): Promise<void> {
    await this.faults.at("authUsers.delete");
    this.users.delete(uid);
  }

  async updateProfile(uid: string, profile: { readonly displayName: string }): Promise<void> {
    await this.faults.at("authUsers.updateProfile");
    const user = this.users.get(uid);
    if (user !== undefined) this.users.set(uid, { ...user, displayName: profile.displayName });
  }

  readonly roleClaims = new Map<string, number>();
  async setRoleClaim(uid: string, roleId: number): Promise<void> {
    this.roleClaims.set(uid, roleId);
  }

  readonly disabled = new Set<string>();
  async setDisabled(uid: string, disabled: boolean): Promise<void> {
    if (disabled) this.disabled.add(uid);
    else this.disabled.delete(uid);
  }

  /** Auth users without an email (phone or anonymous sign-in), by uid: only findEmail sees them. */
  readonly withoutEmail = new Set<string>();
  async findEmail(uid: string): Promise<{ readonly email: string | null } | null> {
    if (this.withoutEmail.has(uid)) return { email: null };
    const user = this.users.get(uid);
    return user === undefined ? null : { email: user.email };
  }

  readonly passwordSignIns = new Set<string>();
  async removePasswordSignIn(uid: string): Promise<void> {
    this.passwordSignIns.delete(uid);
  }

  readonly emailVerified = new Set<string>();
  async setEmailVerified(uid: string): Promise<void> {
    this.emailVerified.add(uid);
  }

  async changeEmail(uid: string, email: string): Promise<void> {
    await this.faults.at("authUsers.changeEmail");
    if ([...this.users.values()].some((u) => u.email === email && u.uid !== uid)) throw new EmailTakenError();
    const user = this.users.get(uid);
    if (user !== undefined) this.users.set(uid, { ...user, email });
    this.emailVerified.add(uid);
  }

  readonly firebaseRevocations: string[] = [];
  async revokeFirebaseSessions(uid: string): Promise<void> {
    await this.faults.at("authUsers.revokeFirebaseSessions");
    this.firebaseRevocations.push(uid);
  }
}

/** A fast, deterministic stand-in for Argon2 ("cost" is the parameter needsRehash compares). */
export class FakeHasher implements PasswordHasher {
  dummyVerifications = 0;
  constructor(
    private readonly faults: Faults,
    public cost = 2,
  ) {}

  hashes = 0;
  async hash(password: string): Promise<string> {
    this.hashes++;
    await this.faults.at("hasher.hash");
    return `fake$${this.cost}$${createHash("sha256").update(password).digest("hex")}`;
  }

  /** How many verifications ran (dummy ones included). */
  verifications = 0;
  async verify(phc: string, password: string): Promise<boolean> {
    this.verifications++;
    await this.faults.at("hasher.verify");
    const digest = phc.startsWith("legacy$") ? phc.split("$")[1] : phc.split("$")[2];
    return digest === createHash("sha256").update(password).digest("hex");
  }

  async verifyDummy(password: string): Promise<void> {
    this.dummyVerifications++;
    await this.verify("fake$0$dummy", password);
  }

  /** `legacy$<sha256 hex>` plays an imported user's foreign hash: verified, always re-hashed. */
  needsRehash(phc: string): boolean {
    return phc.startsWith("legacy$") || Number(phc.split("$")[1]) < this.cost;
  }

  async scheme(stored: string): Promise<string | null> {
    if (/^fake\$[0-9]+\$[0-9a-f]{64}$/.test(stored)) return "fake";
    return /^legacy\$[0-9a-f]{64}$/.test(stored) ? "legacy" : null;
  }
}

export class MemoryThrottle implements ThrottleStore {
  readonly counters = new Map<string, Counter>();
  readonly trusted = new Map<string, { readonly until: Date; readonly epoch: number }>();
  private readonly expiry = new Map<string, Date>();
  /** Every write to a counter bumps its version (as a document's update time changes). */
  private readonly version = new Map<string, number>();
  writes = 0;
  /** Counts given back to network shards by pairs' releases (a success's own, a typo's forgiven). */
  released = 0;
  constructor(private readonly faults: Faults) {}

  private pick(keys: readonly ThrottleKey[]): Map<string, Counter> {
    const found = new Map<string, Counter>();
    for (const key of keys) {
      const counter = this.counters.get(key.id);
      if (counter !== undefined) found.set(key.id, counter);
    }
    return found;
  }

  private touch(id: string): void {
    this.version.set(id, (this.version.get(id) ?? 0) + 1);
  }

  private versionOf(id: string): string | null {
    return this.counters.has(id) ? String(this.version.get(id) ?? 0) : null;
  }

  private versionsOf(keys: readonly ThrottleKey[]): Map<string, string> {
    const versions = new Map<string, string>();
    for (const key of keys) {
      const version = this.versionOf(key.id);
      if (version !== null) versions.set(key.id, version);
    }
    return versions;
  }

  async read(keys: readonly ThrottleKey[], trustId: string | undefined, now: Date) {
    const trust = trustId === undefined ? undefined : this.trusted.get(trustId);
    return {
      counters: this.pick(keys),
      versions: this.versionsOf(keys),
      trustedEpoch: trust !== undefined && trust.until > now ? trust.epoch : null,
    };
  }

  /** Compare-and-set after a turn of the event loop (as the commit would): all or nothing. */
  async reserveAt(writes: readonly CounterWrite[]): Promise<ReadonlyMap<string, string> | null> {
    await this.faults.at("throttle.record");
    await new Promise((resolve) => setImmediate(resolve));
    if (writes.some((write) => this.versionOf(write.key.id) !== write.version)) return null;
    this.writes++;
    const versions = new Map<string, string>();
    for (const { key, counter } of writes) {
      this.counters.set(key.id, counter);
      this.expiry.set(key.id, key.expiresAt);
      this.touch(key.id);
      versions.set(key.id, this.versionOf(key.id) ?? "");
    }
    return versions;
  }

  /** Increments, then reads back after a turn of the event loop (as the commit and the read would). */
  async add(keys: readonly ThrottleKey[], delta: number, unitsOf?: ThrottleKey) {
    await this.faults.at("throttle.record");
    this.writes++;
    for (const key of keys) {
      const counter = this.counters.get(key.id) ?? { count: 0, lockedUntil: null, lockRank: 0 };
      const units = key === unitsOf ? { networkUnits: (counter.networkUnits ?? 0) + delta } : {};
      this.counters.set(key.id, { ...counter, count: counter.count + delta, ...units });
      this.expiry.set(key.id, key.expiresAt);
      this.touch(key.id);
    }
    await new Promise((resolve) => setImmediate(resolve));
    return { counters: this.pick(keys), versions: this.versionsOf(keys) };
  }

  async settle(settlement: ThrottleSettlement): Promise<boolean> {
    return this.settleNow(settlement);
  }

  /** `settle` at once (SessionStore.create's commit holds it with the session's writes). */
  settleNow(settlement: ThrottleSettlement): boolean {
    const { giveBack, clear, trust, release } = settlement;
    // A deletion's precondition on a missing document fails too, as Firestore's does.
    if (release !== undefined && (release.pair.version === null || this.versionOf(release.pair.key.id) !== release.pair.version)) {
      return false;
    }
    this.writes++;
    if (trust !== undefined) this.trusted.set(trust.id, { until: trust.until, epoch: trust.epoch });
    for (const key of giveBack) this.lower(key, 1);
    for (const key of clear) this.counters.delete(key.id);
    if (release !== undefined) {
      this.counters.delete(release.pair.key.id);
      if (release.units > 0) this.lower(release.network, release.units);
      this.released += release.units;
    }
    return true;
  }

  async releaseNetworkUnits(pair: ThrottleKey, network: ThrottleKey): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve)); // the transaction's read
    const units = this.counters.get(pair.id)?.networkUnits;
    if (!this.counters.has(pair.id)) return;
    this.writes++;
    this.counters.delete(pair.id);
    if (units !== undefined && units > 0) {
      this.lower(network, units);
      this.released += units;
    }
  }

  private lower(key: ThrottleKey, by: number): void {
    const counter = this.counters.get(key.id) ?? { count: 0, lockedUntil: null, lockRank: 0 };
    this.counters.set(key.id, { ...counter, count: counter.count - by });
    this.touch(key.id);
  }

  async lock(key: ThrottleKey, until: Date, rank: number): Promise<void> {
    this.writes++;
    const counter = this.counters.get(key.id) ?? { count: 0, lockedUntil: null, lockRank: 0 };
    this.counters.set(key.id, { ...counter, lockedUntil: until, lockRank: rank });
    this.touch(key.id);
  }

  async deleteExpired(now: Date, limit: number): Promise<number> {
    let deleted = 0;
    for (const [id, expires] of this.expiry) {
      if (deleted >= limit || expires > now) continue;
      this.counters.delete(id);
      this.expiry.delete(id);
      deleted++;
    }
    for (const [id, { until }] of this.trusted) {
      if (deleted >= limit || until > now) continue;
      this.trusted.delete(id);
      deleted++;
    }
    return deleted;
  }
}

export class FakeMinter implements TokenMinter {
  readonly minted: { uid: string; claims: Readonly<Record<string, unknown>> }[] = [];
  constructor(private readonly faults: Faults) {}

  async mint(uid: string, claims: Readonly<Record<string, DeveloperClaim>>): Promise<string> {
    await this.faults.at("minter.mint");
    this.minted.push({ uid, claims });
    return `custom-token-for-${uid}`;
  }
}

export class RecordingEvents implements AuthEvents {
  readonly seen: string[] = [];
  readonly security: (event: SecurityEvent) => void = (event) => {
    this.seen.push("uid" in event ? `${event.event}:${event.uid}` : event.event);
    this.securityEvents.push(event);
  };
  readonly securityEvents: SecurityEvent[] = [];
  rollbackFailed(uid: string): void {
    this.seen.push(`rollback_failed:${uid}`);
  }
  followUpFailed(step: string, uid: string): void {
    this.seen.push(`follow_up_failed:${step}:${uid}`);
  }
  authUserRepaired(uid: string): void {
    this.seen.push(`auth_user_repaired:${uid}`);
  }
  passwordRehashed(uid: string): void {
    this.seen.push(`password_rehashed:${uid}`);
  }
}

export const NOW = new Date("2026-11-27T12:00:00Z");

/** A clock the test moves by hand: expiry is tested without sleeping. */
export class ManualClock {
  private current = NOW;
  now(): Date {
    return this.current;
  }
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

/** Mailed codes in memory, with the transactions' semantics (one document per id, single use, tries). */
export class MemoryCodeStore implements CodeStore {
  readonly codes = new Map<
    string,
    {
      uid: string | null;
      digest: string | null;
      newEmail: string | null;
      sessionEpoch?: number;
      tries: number;
      issuedAt: Date;
      expiresAt: Date;
    }
  >();
  constructor(private readonly faults: Faults) {}

  async issue(issue: CodeIssue, now: Date, resendSeconds: number) {
    await this.faults.at("codes.issue");
    const current = this.codes.get(issue.id);
    const wait = current === undefined ? 0 : Math.ceil((current.issuedAt.getTime() + resendSeconds * 1000 - now.getTime()) / 1000);
    if (wait > 0) return { retryAfterSeconds: wait };
    this.codes.set(issue.id, {
      uid: issue.uid,
      digest: issue.digest,
      newEmail: issue.newEmail,
      ...(issue.sessionEpoch !== undefined && { sessionEpoch: issue.sessionEpoch }),
      tries: 0,
      issuedAt: now,
      expiresAt: issue.expiresAt,
    });
    return null;
  }

  async consume(id: string, matches: (digest: string) => boolean, now: Date, maxTries: number) {
    await this.faults.at("codes.consume");
    const code = this.codes.get(id);
    if (code === undefined || code.uid === null || code.digest === null || code.expiresAt <= now || code.tries >= maxTries) return null;
    if (matches(code.digest)) {
      this.codes.delete(id);
      return { uid: code.uid, newEmail: code.newEmail, sessionEpoch: code.sessionEpoch ?? null };
    }
    code.tries++;
    if (code.tries >= maxTries) code.digest = null;
    return null;
  }

  async withdraw(id: string) {
    this.codes.delete(id);
  }

  async deleteExpired(now: Date, limit: number) {
    let deleted = 0;
    for (const [id, code] of this.codes) {
      if (deleted >= limit || code.expiresAt > now) continue;
      this.codes.delete(id);
      deleted++;
    }
    return deleted;
  }
}

/** The mails sent, to read codes from. */
export class RecordingMailer implements Mailer {
  readonly sent: MailMessage[] = [];
  constructor(private readonly faults: Faults) {}

  async send(message: MailMessage): Promise<void> {
    await this.faults.at("mailer.send");
    this.sent.push(message);
  }

  /** The last code mailed to `to`. */
  codeFor(to: string): string {
    const mail = this.sent.filter((m) => m.to === to).at(-1);
    const code = /\b([0-9]{6})\b/.exec(mail?.text ?? "")?.[1];
    if (code === undefined) throw new Error(`no code was mailed to ${to}`);
    return code;
  }
}

/** ID tokens of the form `id-token-for-<uid>` (a signed-in caller); anything else is rejected. */
export class FakeIdTokens implements IdTokenVerifier {
  async verify(idToken: string): Promise<VerifiedCaller> {
    const uid = /^id-token-for-([A-Za-z0-9]+)$/.exec(idToken)?.[1];
    if (uid === undefined) throw new RejectedIdToken(new Error("not a fake ID token"));
    return { uid, claims: {} };
  }
}

/**
 * App Check with the real verifier and the test key set (test/app-check-keys.ts), and used
 * tokens remembered in memory (the Firestore ledger's create(): adapters/app-check-tokens.ts).
 */
export function memoryAppCheck(): AppCheckTokens & { readonly used: Set<string> } {
  const verifier = appCheckVerifier({ projectId: APP_CHECK_PROJECT_ID, projectNumber: APP_CHECK_PROJECT_NUMBER, keys: APP_CHECK_JWKS });
  const used = new Set<string>();
  return {
    used,
    verify: (token) => verifier.verify(token),
    consume: async (token, claims) => {
      const id = claims.tokenId ?? token;
      if (used.has(id)) return false;
      used.add(id);
      return true;
    },
  };
}

/** Passkeys in memory, with the Firestore store's semantics (create-once ids, compare-and-set counters, single-use challenges). */
export class MemoryPasskeyStore implements PasskeyStore {
  readonly passkeys = new Map<string, Passkey>();
  readonly usedChallenges = new Map<string, Date>();
  async add(passkey: Passkey, max: number): Promise<"added" | "exists" | "full"> {
    if (this.passkeys.has(passkey.id)) return "exists";
    const live = [...this.passkeys.values()].filter((p) => p.uid === passkey.uid && p.sessionEpoch === passkey.sessionEpoch);
    if (live.length >= max) return "full";
    this.passkeys.set(passkey.id, passkey);
    return "added";
  }
  async find(id: string): Promise<Passkey | null> {
    return this.passkeys.get(id) ?? null;
  }
  async listOf(uid: string): Promise<Passkey[]> {
    return [...this.passkeys.values()].filter((p) => p.uid === uid).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }
  async recordUse(id: string, change: { readonly from: number; readonly to: number; readonly at: Date }): Promise<boolean> {
    const passkey = this.passkeys.get(id);
    if (passkey === undefined || passkey.counter !== change.from) return false;
    this.passkeys.set(id, { ...passkey, counter: change.to, lastUsedAt: change.at });
    return true;
  }
  async remove(uid: string, id: string): Promise<boolean> {
    if (this.passkeys.get(id)?.uid !== uid) return false;
    return this.passkeys.delete(id);
  }
  async removeAllOf(uid: string): Promise<void> {
    for (const [id, passkey] of this.passkeys) if (passkey.uid === uid) this.passkeys.delete(id);
  }
  async useChallenge(challenge: string, expiresAt: Date): Promise<boolean> {
    if (this.usedChallenges.has(challenge)) return false;
    this.usedChallenges.set(challenge, expiresAt);
    return true;
  }
  async deleteExpired(now: Date, limit: number): Promise<number> {
    let deleted = 0;
    for (const [challenge, expiresAt] of this.usedChallenges) {
      if (deleted >= limit) break;
      if (expiresAt <= now) {
        this.usedChallenges.delete(challenge);
        deleted++;
      }
    }
    return deleted;
  }
}

const SECRET = Buffer.from("unit-test-secret-unit-test-secret!");

/** Every fake, and the one `Deps` they make, wired as the composition root (services.ts) wires the real adapters. */
/** `verification`: the settings SEND_VERIFICATION_ON_SIGNUP and REQUIRE_VERIFIED_EMAIL (both off unless a test turns them on). */
export function world(verification: Deps["verification"] = { sendOnSignup: false, required: false }) {
  const faults = new Faults();
  const store = new MemoryStore(faults);
  const authUsers = new MemoryAuthUsers(faults);
  const hasher = new FakeHasher(faults);
  const minter = new FakeMinter(faults);
  const throttle = new MemoryThrottle(faults);
  store.settleWith = throttle;
  const events = new RecordingEvents();
  const clock = new ManualClock();
  const keys = hmacKeys(() => SECRET);
  const codes = new MemoryCodeStore(faults);
  const mailer = new RecordingMailer(faults);
  const deps: Deps = {
    accounts: store,
    codes,
    challenges: store.challengeStore,
    secrets: secretBox(() => SECRET),
    mailer,
    sessions: store.sessionStore,
    throttle,
    authUsers,
    idTokens: new FakeIdTokens(),
    minter,
    hasher,
    clock,
    events,
    keys,
    successorOf: (token) => successorToken(SECRET, token),
    lifetimes: { idleSeconds: 3600, absoluteSeconds: 7200 },
    policy: { minLength: 8, maxLength: 128, isCommon: (p) => p === "password123" },
    maxSessions: 50,
    defaultRoleId: 1,
    adminRoleId: 9,
    reuseIntervalSeconds: 10,
    mail: { appName: "Acme", codeTtlMinutes: 15 },
    verification,
    loginCode: { enabled: true, signup: false },
    appCheck: { mode: "off", consume: false, tokens: memoryAppCheck() },
    passkeys: new MemoryPasskeyStore(),
    passkeySettings: null,
  };
  return { faults, store, authUsers, hasher, minter, events, clock, throttle, keys, codes, mailer, deps };
}

/** A fresh world with one account signed up through the real use case: its uid and first refresh token. */
export async function signedUpWorld(account: { email: string; password: string; name: string }) {
  const w = world();
  const created = await signup(account, w.deps);
  return { w, uid: created.user.id, token: created.refreshToken };
}
