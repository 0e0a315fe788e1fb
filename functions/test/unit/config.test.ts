import { expect } from "chai";
import { parseConfig } from "../../src/config.js";

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
});
