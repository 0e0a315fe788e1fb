import { expect } from "chai";
import { parseConfig, smtpUrl } from "../../src/config.js";

describe("config", () => {
  it("has documented defaults", () => {
    const cfg = parseConfig({});
    expect(cfg).to.deep.include({
      DEFAULT_ROLE_ID: 1,
      PASSWORD_MIN_LENGTH: 8,
      PASSWORD_MAX_LENGTH: 128,
      ARGON2_MEMORY_KIB: 19456,
      ARGON2_ITERATIONS: 2,
      ARGON2_PARALLELISM: 1,
    });
    expect(cfg.CORS_ORIGINS).to.include("https://app.flutterflow.io");
  });

  it("reads and validates values, naming the bad variable", () => {
    expect(parseConfig({ PASSWORD_MIN_LENGTH: "15", CORS_ORIGINS: " https://a.example , https://b.example" })).to.deep.include({
      PASSWORD_MIN_LENGTH: 15,
      CORS_ORIGINS: ["https://a.example", "https://b.example"],
    });
    expect(() => parseConfig({ PASSWORD_MIN_LENGTH: "6" })).to.throw(/PASSWORD_MIN_LENGTH/);
    expect(() => parseConfig({ ARGON2_MEMORY_KIB: "1024" })).to.throw(/ARGON2_MEMORY_KIB/);
    expect(() => parseConfig({ DEFAULT_ROLE_ID: "admin" })).to.throw(/DEFAULT_ROLE_ID/);
    expect(() => parseConfig({ DEFAULT_ROLE_ID: "9" })).to.throw(/ADMIN_ROLE_ID must differ/);
    expect(() => parseConfig({ REFRESH_IDLE_TTL_SECONDS: "7200", SESSION_ABSOLUTE_TTL_SECONDS: "3600" })).to.throw(
      /SESSION_ABSOLUTE_TTL_SECONDS/,
    );
  });

  it("mail settings: the transport, the two verification switches as true/false words, SMTP_URL read apart", () => {
    const defaults = parseConfig({});
    expect([defaults.MAIL_TRANSPORT, defaults.SEND_VERIFICATION_ON_SIGNUP, defaults.REQUIRE_VERIFIED_EMAIL]).to.deep.equal([
      "firestore",
      true,
      false,
    ]);
    const set = parseConfig({ MAIL_TRANSPORT: "smtp", SEND_VERIFICATION_ON_SIGNUP: "false", REQUIRE_VERIFIED_EMAIL: "true" });
    expect([set.MAIL_TRANSPORT, set.SEND_VERIFICATION_ON_SIGNUP, set.REQUIRE_VERIFIED_EMAIL]).to.deep.equal(["smtp", false, true]);
    expect(() => parseConfig({ REQUIRE_VERIFIED_EMAIL: "yes" })).to.throw(/REQUIRE_VERIFIED_EMAIL: must be "true" or "false"/);
    expect(() => parseConfig({ MAIL_TRANSPORT: "sendgrid" })).to.throw(/MAIL_TRANSPORT/);
    expect(smtpUrl({ SMTP_URL: "smtps://u:p@smtp.example.com:465" })).to.equal("smtps://u:p@smtp.example.com:465");
    expect(() => smtpUrl({})).to.throw(/SMTP_URL is missing/);
    expect(() => smtpUrl({ SMTP_URL: "https://example.com" })).to.throw(/SMTP_URL/);
  });

  it("App Check settings: the mode, consumption only with a mode on, the project number's digits, a local key set as JSON and never when deployed", () => {
    const defaults = parseConfig({});
    expect([
      defaults.APP_CHECK,
      defaults.APP_CHECK_CONSUME,
      defaults.APP_CHECK_PROJECT_NUMBER,
      defaults.APP_CHECK_LOCAL_JWKS,
    ]).to.deep.equal(["off", false, undefined, undefined]);
    const set = parseConfig({
      GCLOUD_PROJECT: "demo-project",
      APP_CHECK: "enforce",
      APP_CHECK_CONSUME: "true",
      APP_CHECK_PROJECT_NUMBER: "123456789012",
      APP_CHECK_LOCAL_JWKS: '{"keys":[{"kty":"RSA","kid":"k","n":"AQAB","e":"AQAB"}]}',
    });
    expect([set.APP_CHECK, set.APP_CHECK_CONSUME, set.APP_CHECK_PROJECT_NUMBER, set.APP_CHECK_LOCAL_JWKS?.keys.length]).to.deep.equal([
      "enforce",
      true,
      "123456789012",
      1,
    ]);
    expect(parseConfig({ APP_CHECK_PROJECT_NUMBER: "" }).APP_CHECK_PROJECT_NUMBER).to.equal(undefined);
    expect(() => parseConfig({ APP_CHECK: "on" })).to.throw(/APP_CHECK/);
    expect(() => parseConfig({ APP_CHECK: "monitor" })).to.throw(/APP_CHECK needs the project's id/);
    expect(() => parseConfig({ LOGIN_CODE_SIGNUP: "true" })).to.throw(/LOGIN_CODE_SIGNUP needs LOGIN_CODE=true/);
    expect(parseConfig({ LOGIN_CODE: "true", LOGIN_CODE_SIGNUP: "true" }).LOGIN_CODE).to.equal(true);
    expect(() => parseConfig({ APP_CHECK_CONSUME: "true" })).to.throw(/APP_CHECK_CONSUME needs APP_CHECK=monitor or enforce/);
    expect(() => parseConfig({ APP_CHECK_PROJECT_NUMBER: "my-project" })).to.throw(/APP_CHECK_PROJECT_NUMBER/);
    expect(() => parseConfig({ APP_CHECK_LOCAL_JWKS: "{not json" })).to.throw(/APP_CHECK_LOCAL_JWKS/);
    expect(() => parseConfig({ APP_CHECK_LOCAL_JWKS: '{"kty":"RSA"}' })).to.throw(/APP_CHECK_LOCAL_JWKS/);
    expect(() => parseConfig({ K_SERVICE: "auth", APP_CHECK_LOCAL_JWKS: '{"keys":[]}' })).to.throw(
      /Refusing to start: APP_CHECK_LOCAL_JWKS/,
    );
  });

  it("passkey settings: the RP id a domain, origins exactly as browsers write them, Android and Apple ids; localhost never when deployed", () => {
    const set = parseConfig({
      PASSKEY_RP_ID: "Example.com",
      PASSKEY_ORIGINS: `https://app.example.com, https://example.com:8443, android:apk-key-hash:${"A".repeat(43)}`,
      PASSKEY_ANDROID_PACKAGES: `com.example.app@${Array(32).fill("AB").join(":")}`,
      PASSKEY_APPLE_APP_IDS: "ABCDE12345.com.example.app",
    });
    expect([set.PASSKEY_RP_ID, set.PASSKEY_ORIGINS.length, set.PASSKEY_ANDROID_PACKAGES.length, set.PASSKEY_APPLE_APP_IDS]).to.deep.equal([
      "example.com",
      3,
      1,
      ["ABCDE12345.com.example.app"],
    ]);
    for (const origin of [
      "https://app.example.com:443",
      "https://app.example.com:99999",
      "https://app.example.com/",
      "ftp://x.example",
      "http://app.example.com",
    ]) {
      expect(() => parseConfig({ PASSKEY_RP_ID: "example.com", PASSKEY_ORIGINS: origin }), origin).to.throw(/PASSKEY_ORIGINS/);
    }
    expect(() => parseConfig({ PASSKEY_RP_ID: "https://example.com" })).to.throw(/PASSKEY_RP_ID/);
    expect(() => parseConfig({ PASSKEY_ANDROID_PACKAGES: "com.example.app@AB:CD" })).to.throw(/PASSKEY_ANDROID_PACKAGES/);
    expect(() => parseConfig({ PASSKEY_APPLE_APP_IDS: "com.example.app" })).to.throw(/PASSKEY_APPLE_APP_IDS/);
    expect(parseConfig({ PASSKEY_RP_ID: "localhost", PASSKEY_ORIGINS: "http://localhost:8321" }).PASSKEY_RP_ID).to.equal("localhost");
    expect(() => parseConfig({ K_SERVICE: "auth", PASSKEY_RP_ID: "localhost" })).to.throw(/Refusing to start: PASSKEY_RP_ID/);
  });

  it("refuses to start on Cloud Functions with an emulator host set (unsigned tokens would be accepted)", () => {
    const deployed = { K_SERVICE: "auth" };
    for (const name of ["FIREBASE_AUTH_EMULATOR_HOST", "FIRESTORE_EMULATOR_HOST", "FIREBASE_STORAGE_EMULATOR_HOST"]) {
      expect(() => parseConfig({ ...deployed, [name]: "127.0.0.1:9099" })).to.throw(new RegExp(`Refusing to start: ${name}`));
    }
    expect(parseConfig(deployed).DEFAULT_ROLE_ID).to.equal(1);
    // The Functions emulator sets K_SERVICE too, with FUNCTIONS_EMULATOR=true and FIREBASE_DEBUG_MODE=true.
    const emulator = { ...deployed, FUNCTIONS_EMULATOR: "true", FIREBASE_DEBUG_MODE: "true" };
    expect(() => parseConfig({ ...emulator, FIREBASE_AUTH_EMULATOR_HOST: "127.0.0.1:9099" })).to.not.throw();
    // Local runs (tests, Functions Framework without K_SERVICE) are not deployed.
    expect(() => parseConfig({ FIREBASE_AUTH_EMULATOR_HOST: "127.0.0.1:9099" })).to.not.throw();
    expect(() => parseConfig({ ...deployed, FIREBASE_AUTH_EMULATOR_HOST: "" })).to.not.throw();
  });

  it("the guard rests on what a deployed .env cannot set: FUNCTIONS_EMULATOR=true there does not switch it off", () => {
    // firebase deploy refuses FIREBASE_-prefixed keys in functions/.env (firebase-tools
    // lib/functions/env.js), so FIREBASE_DEBUG_MODE comes only from the Functions emulator;
    // FUNCTIONS_EMULATOR is not reserved.
    const fromDotEnv = { K_SERVICE: "auth", FUNCTIONS_EMULATOR: "true", FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080" };
    expect(() => parseConfig(fromDotEnv)).to.throw(/Refusing to start: FIRESTORE_EMULATOR_HOST/);
    expect(() => parseConfig({ ...fromDotEnv, FIREBASE_DEBUG_MODE: "false" })).to.throw(/Refusing to start/);
    // Either marker alone is not the emulator.
    expect(() => parseConfig({ K_SERVICE: "auth", FIREBASE_DEBUG_MODE: "true", FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080" })).to.throw(
      /Refusing to start/,
    );
  });
});
