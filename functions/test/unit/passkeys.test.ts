import { createHash } from "node:crypto";
import { expect } from "chai";
import { HOTP, Secret } from "otpauth";
import { type AuthResult, isMfaRequired, type MfaRequired } from "../../src/domain/auth-result.js";
import type { Deps } from "../../src/domain/deps.js";
import { renderMail } from "../../src/domain/mail.js";
import type { AuthMethod, Passkey } from "../../src/domain/model.js";
import {
  appleAppSiteAssociation,
  assetLinks,
  CHALLENGE_SECONDS,
  listPasskeys,
  type PasskeyCaller,
  type PasskeySettings,
  passkeyIdOf,
  passkeyLoginOptions,
  passkeyRegistrationOptions,
  RECENT_SIGN_IN_SECONDS,
  registerPasskey,
  removePasskey,
  signInWithPasskey,
} from "../../src/domain/passkeys.js";
import { refresh } from "../../src/domain/refresh.js";
import { activateTotp, enrollTotp, verifyMfa } from "../../src/domain/second-factor.js";
import { signup } from "../../src/domain/signup.js";
import { totpStep } from "../../src/domain/totp.js";
import { AppError } from "../../src/errors.js";
import { type CreateOverrides, FLAGS, type GetOverrides, SoftAuthenticator } from "../webauthn-authenticator.js";
import { failure } from "./failure.js";
import { MemoryPasskeyStore, NOW, signedUpWorld } from "./fakes.js";
import { login } from "./sign-in.js";

// Passkeys' use cases (domain/passkeys.ts) on the in-memory fakes and a manual clock, with a
// software authenticator (test/webauthn-authenticator.ts) answering as a browser or a phone's
// credential manager does: the options, registration, sign-in with and without user
// verification, every refusal with its code, the throttle, the second factor, the list and its
// removal, the association files.

const email = "ada@example.com";
const password = "correct horse battery";
const language = "en" as const;
const WEB = "https://app.example.com";
/** An Android app's origin: the base64url SHA-256 of its signing certificate (43 characters). */
const ANDROID = `android:apk-key-hash:${createHash("sha256").update("the app's signing certificate").digest("base64url")}`;
const FINGERPRINT = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";
const SETTINGS: PasskeySettings = {
  rpId: "example.com",
  rpName: "Acme",
  origins: [WEB, ANDROID],
  androidApps: [
    { packageName: "com.example.app", fingerprints: [FINGERPRINT] },
    { packageName: "com.example.app.beta", fingerprints: [] },
  ],
  appleAppIds: ["ABCDE12345.com.example.app", "ABCDE12345.com.example.app.beta"],
};
const NETWORK = "203.0.113.0/24";

/**
 * The signed-in caller `uid` as the HTTP layer hands it: its newest session (a sign-in moments
 * ago, on the manual clock) and `methods` (the session's auth_methods).
 */
async function callerOf(deps: Deps, uid: string, methods?: readonly AuthMethod[]): Promise<PasskeyCaller> {
  const sessions = [...(await deps.sessions.sessionsOf(uid, 500))].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  // By default a session that proved every factor the account has.
  const factor = (await deps.accounts.findByUid(uid))?.secondFactor ?? null;
  return { uid, sessionId: sessions[0]?.sessionId, methods: methods ?? (factor === null ? ["pwd"] : ["pwd", "otp", "mfa"]) };
}

/** The address proved (what POST /email/verify/confirm does): a passkey needs it. */
function proveAddress(w: { store: { accounts: Map<string, { emailVerified: boolean }> } }, uid: string): void {
  const account = w.store.accounts.get(uid);
  if (account !== undefined) w.store.accounts.set(uid, { ...account, emailVerified: true });
}

/** An account signed up, and the deps with passkeys set up (their own store, to look into). */
async function passkeyWorld() {
  const { w, uid, token } = await signedUpWorld({ email, password, name: "Ada" });
  // A passkey needs a proved address (what POST /email/verify/confirm does).
  const account = w.store.accounts.get(uid);
  if (account !== undefined) w.store.accounts.set(uid, { ...account, emailVerified: true });
  const passkeys = new MemoryPasskeyStore();
  const deps: Deps = { ...w.deps, passkeys, passkeySettings: SETTINGS };
  return { w, uid, token, passkeys, deps };
}

/** The registration ceremony: options for `uid`, the authenticator's answer from `origin`, the verify. */
async function register(
  deps: Deps,
  uid: string,
  authenticator: SoftAuthenticator,
  options: { readonly origin?: string; readonly name?: string; readonly overrides?: CreateOverrides } = {},
): Promise<Passkey> {
  const { options: creation, challengeId } = await passkeyRegistrationOptions(await callerOf(deps, uid), deps);
  const credential = authenticator.create(creation, options.origin ?? WEB, options.overrides);
  return registerPasskey(await callerOf(deps, uid), { credential, challengeId, name: options.name, language }, deps);
}

/** The sign-in ceremony: login options, the authenticator's assertion from `origin`, the verify. */
async function signIn(
  deps: Deps,
  authenticator: SoftAuthenticator,
  options: { readonly origin?: string; readonly overrides?: GetOverrides; readonly clientNetwork?: string; readonly device?: string } = {},
): Promise<AuthResult | MfaRequired> {
  const { options: request, challengeId } = await passkeyLoginOptions(deps);
  const credential = authenticator.get(request, options.origin ?? WEB, options.overrides);
  return signInWithPasskey({ credential, challengeId, clientNetwork: options.clientNetwork, device: options.device }, deps);
}

const session = (result: AuthResult | MfaRequired): AuthResult => {
  if (isMfaRequired(result)) throw new Error("expected a session, got mfa_required");
  return result;
};

/** The AppError a synchronous call throws. */
function thrown(call: () => unknown): AppError {
  try {
    call();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected a throw");
}

/** The reasons of the passkey refusals recorded so far. */
const rejections = (w: { events: { securityEvents: readonly { event: string; reason?: string }[] } }) =>
  w.events.securityEvents.filter((event) => event.event === "passkey_rejected").map((event) => event.reason);

/** The challenge_id holds the challenge sealed: neither its text nor its bytes in any part. */
function expectOpaque(challengeId: string, challenge: string): void {
  expect(challengeId).to.not.include(challenge);
  const bytes = Buffer.from(challenge, "base64url");
  for (const part of challengeId.split(".")) {
    const decoded = Buffer.from(part, "base64url");
    expect(decoded.includes(bytes), "the challenge's bytes").to.equal(false);
    expect(decoded.toString("latin1")).to.not.include(challenge);
  }
}

const codeAt = (secret: string, step: number) => HOTP.generate({ secret: Secret.fromBase32(secret), counter: step, digits: 6 });

/** passkeyWorld() whose account has an authenticator app as its second factor (second-factor.test.ts's enrolled()). */
async function enrolled() {
  const world = await passkeyWorld();
  const { w, uid } = world;
  const account = w.store.accounts.get(uid);
  if (account === undefined) throw new Error("no account");
  w.store.accounts.set(uid, { ...account, emailVerified: true });
  const { secret } = await enrollTotp(uid, { password }, w.deps);
  const step = totpStep(w.clock.now());
  await activateTotp(uid, { code: codeAt(secret, step), language }, w.deps);
  return { ...world, secret, step };
}

describe("passkeys (use cases, in-memory fakes, manual clock, software authenticator)", () => {
  describe("options", () => {
    it("registration: the RP, the user (email, uid as handle), attestation none, resident key and UV preferred, ES256, 5 minutes; the account's passkeys excluded", async () => {
      const { uid, passkeys, deps } = await passkeyWorld();
      const { options, challengeId } = await passkeyRegistrationOptions(await callerOf(deps, uid), deps);
      expect(options.rp).to.deep.equal({ id: "example.com", name: "Acme" });
      expect(options.user).to.deep.equal({ id: Buffer.from(uid, "utf8").toString("base64url"), name: email, displayName: "Ada" });
      expect(options.attestation).to.equal("none");
      expect(options.authenticatorSelection).to.deep.include({ residentKey: "preferred", userVerification: "preferred" });
      expect(options.pubKeyCredParams.map((param) => param.alg)).to.include(-7);
      expect(options.timeout).to.equal(CHALLENGE_SECONDS * 1000);
      expect(CHALLENGE_SECONDS).to.equal(300);
      expect(options.excludeCredentials).to.deep.equal([]);
      expect(options.challenge).to.match(/^[A-Za-z0-9_-]{43}$/);
      expectOpaque(challengeId, options.challenge);
      // Asking writes nothing (the route is open to anyone signed in, any number of times).
      expect([passkeys.passkeys.size, passkeys.usedChallenges.size]).to.deep.equal([0, 0]);
      const again = await passkeyRegistrationOptions(await callerOf(deps, uid), deps);
      expect(again.options.challenge).to.not.equal(options.challenge);

      const phone = new SoftAuthenticator();
      const laptop = new SoftAuthenticator();
      await register(deps, uid, phone);
      await register(deps, uid, laptop);
      const third = await passkeyRegistrationOptions(await callerOf(deps, uid), deps);
      expect(third.options.excludeCredentials).to.deep.equal(
        [phone, laptop].map((authenticator) => ({
          id: authenticator.credentials[0]?.id,
          type: "public-key",
          transports: ["hybrid", "internal"],
        })),
      );
      // A browser honours the list: the phone makes no second passkey for the account.
      expect(() => phone.create(third.options, WEB)).to.throw(/InvalidStateError/);
    });

    it("registration of an account without a display name shows its email; a disabled or unknown account gets none", async () => {
      const { w, uid, deps } = await passkeyWorld();
      const account = w.store.accounts.get(uid);
      if (account === undefined) throw new Error("no account");
      w.store.accounts.set(uid, { ...account, displayName: "" });
      expect((await passkeyRegistrationOptions(await callerOf(deps, uid), deps)).options.user).to.include({
        name: email,
        displayName: email,
      });
      expect((await failure(passkeyRegistrationOptions({ uid: "nobody", sessionId: undefined, methods: ["pwd"] }, deps))).code).to.equal(
        "not_found",
      );
      await w.store.setDisabled(w.keys.email(email), true);
      expect((await failure(passkeyRegistrationOptions(await callerOf(deps, uid), deps))).code).to.equal("not_found");
    });

    it("sign-in: the RP ID, no allowed credentials (the device offers its passkeys), UV preferred, 5 minutes; the challenge_id is opaque and nothing is stored", async () => {
      const { passkeys, deps } = await passkeyWorld();
      const { options, challengeId } = await passkeyLoginOptions(deps);
      expect(options.rpId).to.equal("example.com");
      expect(options.allowCredentials ?? []).to.deep.equal([]);
      expect(options.userVerification).to.equal("preferred");
      expect(options.timeout).to.equal(CHALLENGE_SECONDS * 1000);
      expect(options.challenge).to.match(/^[A-Za-z0-9_-]{43}$/);
      expectOpaque(challengeId, options.challenge);
      expect(passkeys.usedChallenges.size).to.equal(0);
      expect((await passkeyLoginOptions(deps)).options.challenge).to.not.equal(options.challenge);
    });
  });

  describe("register, list, sign in", () => {
    it("with user verification: the passkey is stored and listed, a notice is mailed; its sign-in is two factors (passkey, mfa), refreshes as such, and moves lastUsedAt", async () => {
      const { w, uid, deps } = await passkeyWorld();
      const phone = new SoftAuthenticator({ backedUp: true });
      const passkey = await register(deps, uid, phone, { name: "  Ada's phone  " });
      const credentialId = phone.credentials[0]?.id ?? "";
      expect(passkey).to.deep.include({
        id: passkeyIdOf(credentialId),
        credentialId,
        uid,
        counter: 0,
        transports: ["hybrid", "internal"],
        userVerified: true,
        backedUp: true,
        name: "Ada's phone",
        createdAt: NOW,
        lastUsedAt: null,
      });
      expect(passkey.id).to.match(/^[0-9a-f]{64}$/);
      expect(await listPasskeys(uid, deps)).to.deep.equal([passkey]);
      expect(w.mailer.sent.at(-1)).to.deep.equal(renderMail("passkey_added", language, email, { app: "Acme" }));
      expect(w.events.securityEvents).to.deep.include({ event: "passkey_added", uid, passkeyId: passkey.id });

      w.clock.advance(60);
      const minted = w.minter.minted.length;
      const result = session(await signIn(deps, phone, { device: "Ada's Pixel" }));
      expect(result.user).to.include({ id: uid, email, name: "Ada" });
      expect(result.refreshToken).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(w.minter.minted).to.have.length(minted + 1);
      expect(w.minter.minted.at(-1)?.uid).to.equal(uid);
      expect(w.minter.minted.at(-1)?.claims.auth_methods).to.deep.equal(["passkey", "mfa"]);
      expect([...w.store.live.values()].map((record) => record.device)).to.include("Ada's Pixel");
      const used = (await listPasskeys(uid, deps))[0];
      expect(used?.lastUsedAt).to.deep.equal(w.clock.now());

      // The session works, and keeps how it was signed in.
      w.clock.advance(60);
      const refreshed = await refresh({ refreshToken: result.refreshToken }, w.deps);
      expect(refreshed.user.id).to.equal(uid);
      expect(w.minter.minted.at(-1)?.claims.auth_methods).to.deep.equal(["passkey", "mfa"]);

      // The Android app's origin is one of the RP's too.
      w.clock.advance(60);
      session(await signIn(deps, phone, { origin: ANDROID }));
      expect((await listPasskeys(uid, deps))[0]?.lastUsedAt).to.deep.equal(w.clock.now());
      // A platform passkey keeps no counter: 0 at every sign-in, accepted each time.
      expect((await listPasskeys(uid, deps))[0]?.counter).to.equal(0);
      // The password still works.
      await login({ email, password }, w.deps);
    });

    it("without user verification: one factor (passkey); user verification is read at each sign-in, not from the registration", async () => {
      const { w, uid, deps } = await passkeyWorld();
      const key = new SoftAuthenticator({ userVerification: false });
      const passkey = await register(deps, uid, key);
      expect([passkey.userVerified, passkey.backedUp, passkey.name]).to.deep.equal([false, false, "Passkey"]);
      session(await signIn(deps, key));
      expect(w.minter.minted.at(-1)?.claims.auth_methods).to.deep.equal(["passkey"]);

      const phone = new SoftAuthenticator();
      expect((await register(deps, uid, phone)).userVerified).to.equal(true);
      session(await signIn(deps, phone, { overrides: { flags: FLAGS.UP } }));
      expect(w.minter.minted.at(-1)?.claims.auth_methods).to.deep.equal(["passkey"]);
      session(await signIn(deps, phone));
      expect(w.minter.minted.at(-1)?.claims.auth_methods).to.deep.equal(["passkey", "mfa"]);
    });

    it("sign-ins are kept within MAX_SESSIONS_PER_USER: the oldest session ends", async () => {
      const { w, uid, token, deps } = await passkeyWorld();
      const capped: Deps = { ...deps, maxSessions: 2 };
      const phone = new SoftAuthenticator();
      await register(capped, uid, phone);
      const results: AuthResult[] = [];
      for (let i = 0; i < 3; i++) {
        w.clock.advance(60);
        results.push(session(await signIn(capped, phone)));
      }
      const live = [...w.store.live.values()].filter((record) => record.uid === uid);
      expect(live).to.have.length(2);
      expect(w.events.seen).to.include(`sessions_capped:${uid}`);
      // The newest two work; the signup's and the first passkey session are over.
      for (const result of results.slice(1)) await refresh({ refreshToken: result.refreshToken }, capped);
      for (const ended of [token, results[0]?.refreshToken ?? ""]) {
        expect((await failure(refresh({ refreshToken: ended }, capped))).code).to.equal("invalid_refresh_token");
      }
    });

    it("a passkey signs in its own account, among several", async () => {
      const { w, uid, deps } = await passkeyWorld();
      const bob = await signup({ email: "bob@example.com", password, name: "Bob" }, w.deps);
      proveAddress(w, bob.user.id);
      const adas = new SoftAuthenticator();
      const bobs = new SoftAuthenticator();
      await register(deps, uid, adas);
      await register(deps, bob.user.id, bobs);
      expect(session(await signIn(deps, bobs)).user.id).to.equal(bob.user.id);
      expect(session(await signIn(deps, adas)).user.id).to.equal(uid);
      expect((await listPasskeys(uid, deps)).map((passkey) => passkey.credentialId)).to.deep.equal([adas.credentials[0]?.id]);
      expect((await listPasskeys(bob.user.id, deps)).map((passkey) => passkey.credentialId)).to.deep.equal([bobs.credentials[0]?.id]);
    });

    it("a sign-in without a user handle (a server-side credential) is accepted; one naming another account is not", async () => {
      const { w, uid, deps } = await passkeyWorld();
      const bob = await signup({ email: "bob@example.com", password, name: "Bob" }, w.deps);
      proveAddress(w, bob.user.id);
      const phone = new SoftAuthenticator();
      await register(deps, uid, phone);
      expect(session(await signIn(deps, phone, { overrides: { userHandle: null } })).user.id).to.equal(uid);
      const handle = Buffer.from(bob.user.id, "utf8").toString("base64url");
      const minted = w.minter.minted.length;
      expect((await failure(signIn(deps, phone, { overrides: { userHandle: handle } }))).code).to.equal("passkey_invalid");
      expect(rejections(w)).to.deep.equal(["user_handle"]);
      expect(w.minter.minted).to.have.length(minted);
    });
  });

  describe("refusals, each with its code", () => {
    it("another origin: passkey_origin_mismatch, at registration and at sign-in; nothing stored, no mail", async () => {
      const { w, uid, passkeys, deps } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      const mails = w.mailer.sent.length;
      for (const origin of ["https://evil.example", "https://example.com", "http://app.example.com", "android:apk-key-hash:another"]) {
        expect((await failure(register(deps, uid, phone, { origin }))).code, origin).to.equal("passkey_origin_mismatch");
      }
      // Nothing stored and no mail; each refused verify used its challenge up (any verify does).
      expect([passkeys.passkeys.size, passkeys.usedChallenges.size, w.mailer.sent.length]).to.deep.equal([0, 4, mails]);

      await register(deps, uid, phone);
      const minted = w.minter.minted.length;
      for (const origin of ["https://evil.example", "https://app.example.com:8443", `${ANDROID}x`]) {
        expect((await failure(signIn(deps, phone, { origin }))).code, origin).to.equal("passkey_origin_mismatch");
      }
      expect(w.minter.minted).to.have.length(minted);
      expect(rejections(w)).to.deep.equal(Array(7).fill("origin"));
    });

    it("another RP ID: passkey_rp_mismatch, at registration and at sign-in", async () => {
      const { w, uid, passkeys, deps } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      expect((await failure(register(deps, uid, phone, { overrides: { rpId: "evil.com" } }))).code).to.equal("passkey_rp_mismatch");
      expect(passkeys.passkeys.size).to.equal(0);
      await register(deps, uid, phone);
      for (const rpId of ["app.example.com", "evil.com"]) {
        expect((await failure(signIn(deps, phone, { overrides: { rpId } }))).code, rpId).to.equal("passkey_rp_mismatch");
      }
      expect(rejections(w)).to.deep.equal(["rp_id", "rp_id", "rp_id"]);
    });

    it("a challenge used already: passkey_challenge_invalid (a second assertion, a second registration); another challenge than the sealed one too", async () => {
      const { w, uid, passkeys, deps } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      const laptop = new SoftAuthenticator();
      const creation = await passkeyRegistrationOptions(await callerOf(deps, uid), deps);
      await registerPasskey(
        await callerOf(deps, uid),
        { credential: phone.create(creation.options, WEB), challengeId: creation.challengeId, language },
        deps,
      );
      const reused = await failure(
        registerPasskey(
          await callerOf(deps, uid),
          { credential: laptop.create(creation.options, WEB), challengeId: creation.challengeId, language },
          deps,
        ),
      );
      expect(reused.code).to.equal("passkey_challenge_invalid");
      expect(passkeys.passkeys.size).to.equal(1);

      const { options, challengeId } = await passkeyLoginOptions(deps);
      session(await signInWithPasskey({ credential: phone.get(options, WEB), challengeId }, deps));
      const minted = w.minter.minted.length;
      const replay = await failure(signInWithPasskey({ credential: phone.get(options, WEB), challengeId }, deps));
      expect(replay.code).to.equal("passkey_challenge_invalid");
      expect(w.minter.minted).to.have.length(minted);

      // The assertion signs another challenge than the one sealed in the challenge_id.
      const other = (await passkeyLoginOptions(deps)).options.challenge;
      const fresh = await passkeyLoginOptions(deps);
      const mismatch = await failure(
        signInWithPasskey({ credential: phone.get(fresh.options, WEB, { challenge: other }), challengeId: fresh.challengeId }, deps),
      );
      expect(mismatch.code).to.equal("passkey_challenge_invalid");
      // A challenge_id that is not one of ours.
      const forged = await failure(
        signInWithPasskey({ credential: phone.get(fresh.options, WEB), challengeId: "v1.AAAA.BBBB.CCCC" }, deps),
      );
      expect(forged.code).to.equal("passkey_challenge_invalid");
      expect(rejections(w)).to.deep.equal(["challenge_reused", "challenge_reused", "challenge", "challenge"]);
      // The fresh challenge was used up by the refused verify that named it (any verify does); a new one signs in.
      expect(
        (await failure(signInWithPasskey({ credential: phone.get(fresh.options, WEB), challengeId: fresh.challengeId }, deps))).code,
      ).to.equal("passkey_challenge_invalid");
      const again = await passkeyLoginOptions(deps);
      session(await signInWithPasskey({ credential: phone.get(again.options, WEB), challengeId: again.challengeId }, deps));
    });

    it("an expired challenge: passkey_challenge_invalid after 5 minutes, at registration and at sign-in", async () => {
      const { w, uid, passkeys, deps } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      const creation = await passkeyRegistrationOptions(await callerOf(deps, uid), deps);
      w.clock.advance(CHALLENGE_SECONDS);
      const late = await failure(
        registerPasskey(
          await callerOf(deps, uid),
          { credential: phone.create(creation.options, WEB), challengeId: creation.challengeId, language },
          deps,
        ),
      );
      expect(late.code).to.equal("passkey_challenge_invalid");
      expect(passkeys.passkeys.size).to.equal(0);
      await register(deps, uid, phone);

      const inTime = await passkeyLoginOptions(deps);
      const tooLate = await passkeyLoginOptions(deps);
      w.clock.advance(CHALLENGE_SECONDS - 1);
      session(await signInWithPasskey({ credential: phone.get(inTime.options, WEB), challengeId: inTime.challengeId }, deps));
      w.clock.advance(1);
      const expired = await failure(
        signInWithPasskey({ credential: phone.get(tooLate.options, WEB), challengeId: tooLate.challengeId }, deps),
      );
      expect(expired.code).to.equal("passkey_challenge_invalid");
      expect(rejections(w)).to.deep.equal(["challenge", "challenge"]);
    });

    it("a challenge_id of another purpose or account: passkey_challenge_invalid (registration's to sign in, sign-in's to register, Bob's for Ada)", async () => {
      const { w, uid, passkeys, deps } = await passkeyWorld();
      const bob = await signup({ email: "bob@example.com", password, name: "Bob" }, w.deps);
      proveAddress(w, bob.user.id);
      const phone = new SoftAuthenticator();
      await register(deps, uid, phone);

      // Each assertion signs the very challenge the challenge_id seals: only the binding is wrong.
      const creation = await passkeyRegistrationOptions(await callerOf(deps, uid), deps);
      const request = await passkeyLoginOptions(deps);
      const asLogin = phone.get(request.options, WEB, { challenge: creation.options.challenge });
      expect((await failure(signInWithPasskey({ credential: asLogin, challengeId: creation.challengeId }, deps))).code).to.equal(
        "passkey_challenge_invalid",
      );

      const laptop = new SoftAuthenticator();
      const asRegistration = laptop.create(creation.options, WEB, { challenge: request.options.challenge });
      expect(
        (
          await failure(
            registerPasskey(await callerOf(deps, uid), { credential: asRegistration, challengeId: request.challengeId, language }, deps),
          )
        ).code,
      ).to.equal("passkey_challenge_invalid");

      const bobs = await passkeyRegistrationOptions(await callerOf(deps, bob.user.id), deps);
      const forAda = new SoftAuthenticator().create({ ...bobs.options, user: creation.options.user }, WEB);
      expect(
        (await failure(registerPasskey(await callerOf(deps, uid), { credential: forAda, challengeId: bobs.challengeId, language }, deps)))
          .code,
      ).to.equal("passkey_challenge_invalid");
      expect((await listPasskeys(uid, deps)).length).to.equal(1);
      expect(passkeys.passkeys.size).to.equal(1);
      // The right bindings still work.
      await registerPasskey(
        await callerOf(deps, uid),
        { credential: laptop.create(creation.options, WEB), challengeId: creation.challengeId, language },
        deps,
      );
      session(await signInWithPasskey({ credential: phone.get(request.options, WEB), challengeId: request.challengeId }, deps));
    });

    it("a counter going backwards (a cloned authenticator): passkey_counter_regressed; the stored counter stays", async () => {
      const { w, uid, deps } = await passkeyWorld();
      const key = new SoftAuthenticator({ counter: true });
      expect((await register(deps, uid, key)).counter).to.equal(1);
      session(await signIn(deps, key));
      session(await signIn(deps, key));
      const [stored] = await listPasskeys(uid, deps);
      expect(stored?.counter).to.equal(3);
      w.clock.advance(60);
      const minted = w.minter.minted.length;
      for (const counter of [2, 3, 0]) {
        expect((await failure(signIn(deps, key, { overrides: { counter } }))).code, String(counter)).to.equal("passkey_counter_regressed");
      }
      expect(rejections(w)).to.deep.equal(["counter", "counter", "counter"]);
      expect(w.minter.minted).to.have.length(minted);
      expect(await listPasskeys(uid, deps)).to.deep.equal([stored]);
      // The genuine authenticator goes on.
      session(await signIn(deps, key));
      expect((await listPasskeys(uid, deps))[0]?.counter).to.equal(4);
    });

    it("two sign-ins at once with one counting credential: one signs in, the other is passkey_counter_regressed", async () => {
      const { uid, deps } = await passkeyWorld();
      const key = new SoftAuthenticator({ counter: true });
      await register(deps, uid, key);
      const first = await passkeyLoginOptions(deps);
      const second = await passkeyLoginOptions(deps);
      const outcomes = await Promise.allSettled([
        signInWithPasskey({ credential: key.get(first.options, WEB), challengeId: first.challengeId }, deps),
        signInWithPasskey({ credential: key.get(second.options, WEB), challengeId: second.challengeId }, deps),
      ]);
      expect(outcomes.map((outcome) => outcome.status).sort()).to.deep.equal(["fulfilled", "rejected"]);
      const refused = outcomes.find((outcome) => outcome.status === "rejected");
      expect(refused?.status === "rejected" && refused.reason instanceof AppError && refused.reason.code).to.equal(
        "passkey_counter_regressed",
      );
    });

    it("an unknown credential, a removed passkey, a disabled account: passkey_unknown", async () => {
      const { w, uid, deps } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      await register(deps, uid, phone);
      // Made by an authenticator, never registered.
      const stranger = new SoftAuthenticator();
      stranger.create((await passkeyRegistrationOptions(await callerOf(deps, uid), deps)).options, WEB);
      expect((await failure(signIn(deps, stranger))).code).to.equal("passkey_unknown");
      // A made-up credential id.
      expect((await failure(signIn(deps, phone, { overrides: { credentialId: "bm90LWEtY3JlZGVudGlhbA" } }))).code).to.equal(
        "passkey_unknown",
      );

      const laptop = new SoftAuthenticator();
      const removed = await register(deps, uid, laptop);
      await removePasskey(uid, removed.id, { language }, deps);
      expect((await failure(signIn(deps, laptop))).code).to.equal("passkey_unknown");

      await w.store.setDisabled(w.keys.email(email), true);
      const minted = w.minter.minted.length;
      const sessions = w.store.live.size;
      expect((await failure(signIn(deps, phone))).code).to.equal("passkey_unknown");
      expect([w.minter.minted.length, w.store.live.size]).to.deep.equal([minted, sessions]);
      // A disabled account is refused as an unknown credential, before its signature is checked or its counter moved.
      expect(rejections(w)).to.deep.equal(["unknown", "unknown", "unknown", "unknown"]);
    });

    it("a signature by another key, or an assertion that is not one: passkey_invalid", async () => {
      const { w, uid, deps } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      await register(deps, uid, phone);
      const thief = new SoftAuthenticator();
      thief.create((await passkeyRegistrationOptions(await callerOf(deps, uid), deps)).options, WEB);
      const minted = w.minter.minted.length;
      expect((await failure(signIn(deps, phone, { overrides: { signWith: thief } }))).code).to.equal("passkey_invalid");
      // The thief's own key presenting the phone's credential id.
      const phoneId = phone.credentials[0]?.id ?? "";
      expect((await failure(signIn(deps, thief, { overrides: { credentialId: phoneId, userHandle: null } }))).code).to.equal(
        "passkey_invalid",
      );
      // No user presence; a registration's client data.
      expect((await failure(signIn(deps, phone, { overrides: { flags: 0 } }))).code).to.equal("passkey_invalid");
      expect((await failure(signIn(deps, phone, { overrides: { type: "webauthn.create" } }))).code).to.equal("passkey_invalid");
      expect(rejections(w)).to.deep.equal(["invalid", "invalid", "invalid", "invalid"]);
      expect(w.minter.minted).to.have.length(minted);
      expect((await listPasskeys(uid, deps))[0]?.lastUsedAt).to.equal(null);
    });

    it("a registration that is not one (no user presence, a sign-in's client data): passkey_invalid", async () => {
      const { uid, passkeys, deps } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      expect((await failure(register(deps, uid, phone, { overrides: { flags: FLAGS.UV | FLAGS.AT } }))).code).to.equal("passkey_invalid");
      expect((await failure(register(deps, uid, phone, { overrides: { type: "webauthn.get" } }))).code).to.equal("passkey_invalid");
      expect(passkeys.passkeys.size).to.equal(0);
    });

    it("the same credential registered twice (a client ignoring excludeCredentials): passkey_exists, once stored; for another account too", async () => {
      const { w, uid, passkeys, deps } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      const first = await register(deps, uid, phone);
      const mails = w.mailer.sent.length;
      const again = await failure(register(deps, uid, phone, { overrides: { credentialId: first.credentialId } }));
      expect(again.code).to.equal("passkey_exists");
      expect(await listPasskeys(uid, deps)).to.deep.equal([first]);

      const bob = await signup({ email: "bob@example.com", password, name: "Bob" }, w.deps);

      proveAddress(w, bob.user.id);
      const forBob = await failure(register(deps, bob.user.id, phone, { overrides: { credentialId: first.credentialId } }));
      expect(forBob.code).to.equal("passkey_exists");
      expect(await listPasskeys(bob.user.id, deps)).to.deep.equal([]);
      expect([...passkeys.passkeys.values()]).to.deep.equal([first]);
      expect(w.mailer.sent).to.have.length(mails);
    });
  });

  describe("throttle", () => {
    it("refused sign-ins count on the account's login throttle: after 6 from one network, too_many_requests, even for the right passkey", async () => {
      const { w, uid, deps } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      await register(deps, uid, phone);
      const thief = new SoftAuthenticator();
      thief.create((await passkeyRegistrationOptions(await callerOf(deps, uid), deps)).options, WEB);
      const clientNetwork = NETWORK;
      const refusals: [GetOverrides, string, string][] = [
        [{ signWith: thief }, WEB, "passkey_invalid"],
        [{}, "https://evil.example", "passkey_origin_mismatch"],
        [{ rpId: "evil.com" }, WEB, "passkey_rp_mismatch"],
        [{ challenge: "c29tZSBvdGhlciBjaGFsbGVuZ2U" }, WEB, "passkey_challenge_invalid"],
        [{ flags: 0 }, WEB, "passkey_invalid"],
        [{ userHandle: "Ym9i" }, WEB, "passkey_invalid"],
      ];
      for (const [overrides, origin, code] of refusals) {
        expect((await failure(signIn(deps, phone, { overrides, origin, clientNetwork }))).code).to.equal(code);
      }
      const locked = await failure(signIn(deps, phone, { clientNetwork }));
      expect([locked.code, locked.details.retryAfterSeconds]).to.deep.equal(["too_many_requests", 2]);
      // The lock is the throttle's: once it is over, the owner signs in.
      w.clock.advance(2);
      session(await signIn(deps, phone, { clientNetwork }));
    });

    it("a success settles the counters as a password login does: refusals before it are not held against the next ones", async () => {
      const { uid, deps } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      await register(deps, uid, phone);
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 5; i++) {
          expect((await failure(signIn(deps, phone, { origin: "https://evil.example", clientNetwork: NETWORK }))).code).to.equal(
            "passkey_origin_mismatch",
          );
        }
        session(await signIn(deps, phone, { clientNetwork: NETWORK }));
      }
    });

    it("an unknown credential is counted on its own counters: its guesses end in too_many_requests, the account's passkey still signs in", async () => {
      const { uid, deps } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      await register(deps, uid, phone);
      const stranger = new SoftAuthenticator();
      stranger.create((await passkeyRegistrationOptions(await callerOf(deps, uid), deps)).options, WEB);
      for (let i = 0; i < 6; i++) {
        expect((await failure(signIn(deps, stranger, { clientNetwork: NETWORK }))).code).to.equal("passkey_unknown");
      }
      expect((await failure(signIn(deps, stranger, { clientNetwork: NETWORK }))).code).to.equal("too_many_requests");
      session(await signIn(deps, phone, { clientNetwork: NETWORK }));
    });
  });

  describe("second factor", () => {
    it("an account with an authenticator app: a passkey without user verification gets mfa_required; the code then makes the session (passkey, otp, mfa)", async () => {
      const { w, uid, deps, secret, step } = await enrolled();
      const key = new SoftAuthenticator({ userVerification: false });
      await register(deps, uid, key);
      const minted = w.minter.minted.length;
      const sessions = w.store.live.size;
      const first = await signIn(deps, key, { clientNetwork: NETWORK });
      if (!isMfaRequired(first)) throw new Error("expected mfa_required");
      expect(first.methods).to.deep.equal(["totp", "recovery_code"]);
      expect([w.minter.minted.length, w.store.live.size, w.store.challenges.size]).to.deep.equal([minted, sessions, 1]);
      expect((await listPasskeys(uid, deps))[0]?.lastUsedAt).to.deep.equal(w.clock.now());

      const result = await verifyMfa({ mfaToken: first.mfaToken, code: codeAt(secret, step + 1), language, clientNetwork: NETWORK }, deps);
      expect(result.user).to.include({ id: uid, mfaEnabled: true });
      expect(w.minter.minted.at(-1)?.claims.auth_methods).to.deep.equal(["passkey", "otp", "mfa"]);
    });

    it("the passkey step of a two-step sign-in gives its count back but settles nothing: earlier refusals stay counted", async () => {
      const { uid, deps } = await enrolled();
      const key = new SoftAuthenticator({ userVerification: false });
      await register(deps, uid, key);
      const refuse = async () =>
        expect((await failure(signIn(deps, key, { origin: "https://evil.example", clientNetwork: NETWORK }))).code).to.equal(
          "passkey_origin_mismatch",
        );
      for (let i = 0; i < 4; i++) await refuse();
      // Not a guess: its count is given back (two more refusals are checked), and not a success:
      // the four before it are not cleared (the third is refused by the throttle).
      expect(isMfaRequired(await signIn(deps, key, { clientNetwork: NETWORK }))).to.equal(true);
      await refuse();
      await refuse();
      expect((await failure(signIn(deps, key, { clientNetwork: NETWORK }))).code).to.equal("too_many_requests");
    });

    it("an account with an authenticator app: a passkey with user verification signs in at once (passkey, mfa)", async () => {
      const { w, uid, deps } = await enrolled();
      const phone = new SoftAuthenticator();
      await register(deps, uid, phone);
      const result = session(await signIn(deps, phone));
      expect(result.user).to.include({ id: uid, mfaEnabled: true });
      expect(w.minter.minted.at(-1)?.claims.auth_methods).to.deep.equal(["passkey", "mfa"]);
      expect(w.store.challenges.size).to.equal(0);
      // The same passkey without user verification this time: the code is asked.
      expect(isMfaRequired(await signIn(deps, phone, { overrides: { flags: FLAGS.UP } }))).to.equal(true);
    });
  });

  describe("the list and removal", () => {
    it("remove: the passkey no longer listed, a notice mailed; another user's id or a made-up one is not_found and changes nothing", async () => {
      const { w, uid, passkeys, deps } = await passkeyWorld();
      const bob = await signup({ email: "bob@example.com", password, name: "Bob" }, w.deps);
      proveAddress(w, bob.user.id);
      const adas = await register(deps, uid, new SoftAuthenticator());
      w.clock.advance(1);
      const second = await register(deps, uid, new SoftAuthenticator());
      const bobs = await register(deps, bob.user.id, new SoftAuthenticator());
      expect((await listPasskeys(uid, deps)).map((passkey) => passkey.id)).to.deep.equal([adas.id, second.id]);

      const mails = w.mailer.sent.length;
      for (const id of [bobs.id, "0".repeat(64)]) {
        expect((await failure(removePasskey(uid, id, { language }, deps))).code).to.equal("not_found");
      }
      expect(await passkeys.find(bobs.id)).to.deep.equal(bobs);
      expect(await listPasskeys(bob.user.id, deps)).to.deep.equal([bobs]);
      expect(w.mailer.sent).to.have.length(mails);

      await removePasskey(uid, adas.id, { language: "fr" }, deps);
      expect(await listPasskeys(uid, deps)).to.deep.equal([second]);
      expect(w.mailer.sent.at(-1)).to.deep.equal(renderMail("passkey_removed", "fr", email, { app: "Acme" }));
      expect(w.events.securityEvents).to.deep.include({ event: "passkey_removed", uid, passkeyId: adas.id });
      expect((await failure(removePasskey(uid, adas.id, { language }, deps))).code).to.equal("not_found");
    });

    it("name: 'Passkey' by default, trimmed; over 64 characters, control, invisible or direction characters, broken text: invalid_request naming it", async () => {
      const { uid, deps } = await passkeyWorld();
      expect((await register(deps, uid, new SoftAuthenticator())).name).to.equal("Passkey");
      expect((await register(deps, uid, new SoftAuthenticator(), { name: "" })).name).to.equal("Passkey");
      expect((await register(deps, uid, new SoftAuthenticator(), { name: " \t " })).name).to.equal("Passkey");
      expect((await register(deps, uid, new SoftAuthenticator(), { name: "  Work laptop " })).name).to.equal("Work laptop");
      // 64 characters, counted as characters (each key is two UTF-16 units).
      expect((await register(deps, uid, new SoftAuthenticator(), { name: "🔑".repeat(64) })).name).to.equal("🔑".repeat(64));
      expect((await register(deps, uid, new SoftAuthenticator(), { name: "x".repeat(64) })).name).to.have.length(64);
      const listed = (await listPasskeys(uid, deps)).length;
      for (const name of [
        "x".repeat(65),
        "🔑".repeat(65),
        "a\u0007b",
        "line\nbreak",
        "tab\tinside",
        "zero\u200bwidth",
        "\u202eevil",
        "del\u007f",
        "\ud800",
      ]) {
        const refused = await failure(register(deps, uid, new SoftAuthenticator(), { name }));
        expect([refused.code, refused.details.field], JSON.stringify(name)).to.deep.equal(["invalid_request", "name"]);
      }
      expect(await listPasskeys(uid, deps)).to.have.length(listed);
    });
  });

  describe("the association files", () => {
    it("assetlinks.json: one statement per Android app, with the passkey relation only (App Links are the builder's own grant)", () => {
      expect(assetLinks({ passkeySettings: SETTINGS })).to.deep.equal([
        {
          relation: ["delegate_permission/common.get_login_creds"],
          target: { namespace: "android_app", package_name: "com.example.app", sha256_cert_fingerprints: [FINGERPRINT] },
        },
        {
          relation: ["delegate_permission/common.get_login_creds"],
          target: { namespace: "android_app", package_name: "com.example.app.beta", sha256_cert_fingerprints: [] },
        },
      ]);
      expect(assetLinks({ passkeySettings: { ...SETTINGS, androidApps: [] } })).to.deep.equal([]);
    });

    it("apple-app-site-association: webcredentials naming the iOS apps", () => {
      expect(appleAppSiteAssociation({ passkeySettings: SETTINGS })).to.deep.equal({
        webcredentials: { apps: ["ABCDE12345.com.example.app", "ABCDE12345.com.example.app.beta"] },
      });
      expect(appleAppSiteAssociation({ passkeySettings: { ...SETTINGS, appleAppIds: [] } })).to.deep.equal({
        webcredentials: { apps: [] },
      });
    });
  });

  it("passkeys not set up (PASSKEY_RP_ID unset): every use case is not_found, and nothing is counted or stored", async () => {
    const { w, uid, deps } = await passkeyWorld();
    const phone = new SoftAuthenticator();
    const passkey = await register(deps, uid, phone);
    const creation = await passkeyRegistrationOptions(await callerOf(deps, uid), deps);
    const request = await passkeyLoginOptions(deps);
    const off: Deps = { ...deps, passkeySettings: null };
    const writes = w.throttle.writes;
    const mails = w.mailer.sent.length;
    const codes = [
      (await failure(passkeyRegistrationOptions(await callerOf(deps, uid), off))).code,
      (
        await failure(
          registerPasskey(
            await callerOf(deps, uid),
            { credential: new SoftAuthenticator().create(creation.options, WEB), challengeId: creation.challengeId, language },
            off,
          ),
        )
      ).code,
      (await failure(passkeyLoginOptions(off))).code,
      (await failure(signInWithPasskey({ credential: phone.get(request.options, WEB), challengeId: request.challengeId }, off))).code,
      (await failure(listPasskeys(uid, off))).code,
      (await failure(removePasskey(uid, passkey.id, { language }, off))).code,
      thrown(() => assetLinks(off)).code,
      thrown(() => appleAppSiteAssociation(off)).code,
    ];
    expect(codes).to.deep.equal(Array(8).fill("not_found"));
    expect([w.throttle.writes, w.mailer.sent.length]).to.deep.equal([writes, mails]);
    expect(await listPasskeys(uid, deps)).to.deep.equal([passkey]);
    // The same challenges still work once set up (nothing was spent).
    session(await signInWithPasskey({ credential: phone.get(request.options, WEB), challengeId: request.challengeId }, deps));
  });

  describe("review fixes", () => {
    it("a body sent again is a replay (passkey_challenge_invalid), also for an authenticator that counts", async () => {
      const { uid, deps } = await passkeyWorld();
      const key = new SoftAuthenticator({ counter: true });
      await register(deps, uid, key);
      const { options: request, challengeId } = await passkeyLoginOptions(deps);
      const credential = key.get(request, WEB);
      session(await signInWithPasskey({ credential, challengeId }, deps));
      expect((await failure(signInWithPasskey({ credential, challengeId }, deps))).code).to.equal("passkey_challenge_invalid");
    });

    it("a counter going back with a signature by another key is passkey_invalid, not a copied passkey", async () => {
      const { uid, deps, w } = await passkeyWorld();
      const key = new SoftAuthenticator({ counter: true });
      await register(deps, uid, key);
      session(await signIn(deps, key));
      session(await signIn(deps, key));
      const thief = new SoftAuthenticator();
      thief.create(
        (await passkeyRegistrationOptions(await callerOf(deps, uid), { ...deps, passkeys: new MemoryPasskeyStore() })).options,
        WEB,
      );
      const forged = await failure(signIn(deps, key, { overrides: { counter: 0, signWith: thief } }));
      expect(forged.code).to.equal("passkey_invalid");
      expect(rejections(w).at(-1)).to.equal("invalid");
      // The key itself, sending a lower counter: a copy.
      expect((await failure(signIn(deps, key, { overrides: { counter: 1 } }))).code).to.equal("passkey_counter_regressed");
    });

    it("a refused name costs nothing: the same new credential registers once the name is fixed", async () => {
      const { uid, deps, passkeys } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      const { options: creation, challengeId } = await passkeyRegistrationOptions(await callerOf(deps, uid), deps);
      const credential = phone.create(creation, WEB);
      const refused = await failure(
        registerPasskey(await callerOf(deps, uid), { credential, challengeId, name: "x".repeat(65), language }, deps),
      );
      expect([refused.code, refused.details.field]).to.deep.equal(["invalid_request", "name"]);
      const stored = await registerPasskey(await callerOf(deps, uid), { credential, challengeId, name: "Phone", language }, deps);
      expect(stored.name).to.equal("Phone");
      expect(passkeys.passkeys.size).to.equal(1);
    });

    it("REQUIRE_VERIFIED_EMAIL holds for passkeys: an unverified account's passkey answers email_not_verified, no session", async () => {
      const { uid, deps, w } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      await register(deps, uid, phone);
      // The address unproved since (REQUIRE_VERIFIED_EMAIL turned on for an account of before, say).
      const account = w.store.accounts.get(uid);
      if (account !== undefined) w.store.accounts.set(uid, { ...account, emailVerified: false });
      const required = { ...deps, verification: { sendOnSignup: false, required: true } };
      const minted = w.minter.minted.length;
      expect((await failure(signIn(required, phone))).code).to.equal("email_not_verified");
      expect(w.minter.minted).to.have.length(minted);
    });

    it("at most MAX_PASSKEYS (20) per account: the 21st is forbidden until one is deleted", async () => {
      const { uid, deps } = await passkeyWorld();
      const made: Passkey[] = [];
      for (let i = 0; i < 20; i++) made.push(await register(deps, uid, new SoftAuthenticator()));
      expect((await failure(register(deps, uid, new SoftAuthenticator()))).code).to.equal("forbidden");
      await removePasskey(uid, made[0]?.id ?? "", { language }, deps);
      await register(deps, uid, new SoftAuthenticator());
    });

    it("a password reset removes every passkey of the account (a stolen session may have added one)", async () => {
      const { requestPasswordReset } = await import("../../src/domain/password-reset.js");
      const { confirmPasswordReset } = await import("./sign-in.js");
      const { uid, deps, w, passkeys } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      await register(deps, uid, phone);
      await requestPasswordReset({ email, language }, deps);
      await confirmPasswordReset({ email, code: w.mailer.codeFor(email), newPassword: "a brand new passphrase", language }, deps);
      expect(passkeys.passkeys.size).to.equal(0);
      expect((await failure(signIn(deps, phone))).code).to.equal("passkey_unknown");
    });

    it("adding a passkey needs a proved address, a sign-in of the last 10 minutes (not a refreshed old one), and the second factor where the account has one", async () => {
      const { uid, deps, w } = await passkeyWorld();
      const account = w.store.accounts.get(uid);
      if (account === undefined) throw new Error("no account");
      w.store.accounts.set(uid, { ...account, emailVerified: false });
      expect((await failure(passkeyRegistrationOptions(await callerOf(deps, uid), deps))).code).to.equal("email_not_verified");
      w.store.accounts.set(uid, { ...account, emailVerified: true });
      // A session of 10 minutes and a second: a refresh does not make it recent.
      const caller = await callerOf(deps, uid);
      const creation = await passkeyRegistrationOptions(caller, deps);
      w.clock.advance(RECENT_SIGN_IN_SECONDS + 1);
      const credential = new SoftAuthenticator().create(creation.options, WEB);
      const stale = await failure(registerPasskey(caller, { credential, challengeId: creation.challengeId, language }, deps));
      expect(stale.code).to.equal("recent_sign_in_required");
      expect((await failure(passkeyRegistrationOptions(caller, deps))).code).to.equal("recent_sign_in_required");
      // A fresh sign-in may.
      await login({ email, password }, deps);
      await register(deps, uid, new SoftAuthenticator());

      const factor = await enrolled();
      const onePassword = await callerOf(factor.deps, factor.uid, ["pwd"]);
      expect((await failure(passkeyRegistrationOptions(onePassword, factor.deps))).code).to.equal("second_factor_required");
      const mailbox = await callerOf(factor.deps, factor.uid, ["email"]);
      expect((await failure(passkeyRegistrationOptions(mailbox, factor.deps))).code).to.equal("second_factor_required");
      await register(factor.deps, factor.uid, new SoftAuthenticator());
    });

    it("a password change ends the account's passkeys as it ends its sessions: they sign nothing in, nor are listed", async () => {
      const { changePassword } = await import("../../src/domain/account.js");
      const { uid, deps, passkeys } = await passkeyWorld();
      const phone = new SoftAuthenticator();
      await register(deps, uid, phone);
      await changePassword(uid, { currentPassword: password, newPassword: "a brand new passphrase" }, deps);
      expect((await failure(signIn(deps, phone))).code).to.equal("passkey_unknown");
      expect(await listPasskeys(uid, deps)).to.deep.equal([]);
      expect(passkeys.passkeys.size, "the record stays until the account goes (dead)").to.equal(1);
      // A new one, after a fresh sign-in, works.
      await login({ email, password: "a brand new passphrase" }, deps);
      const laptop = new SoftAuthenticator();
      await register(deps, uid, laptop);
      session(await signIn(deps, laptop));
    });
  });
});
