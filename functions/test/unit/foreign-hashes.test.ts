import { expect } from "chai";
import { Argon2Hasher } from "../../src/adapters/argon2-hasher.js";
import { firebaseScryptString, foreignScheme, verifyForeign } from "../../src/adapters/foreign-hashes.js";
import { MigratingHasher } from "../../src/adapters/migrating-hasher.js";

// Hashes made by each encoding's reference implementation (test/fixtures/import/README.md names
// them), verified by the libraries this backend uses; and the caps on costs a stored string may ask.
const pw = "correct horse battery staple";
const VECTORS: readonly (readonly [string, string, string])[] = [
  ["bcrypt", "$2y$10$qfqPYqpbsGRsip.zwABqc.oO4FRTpvC.fBS6yXlRcLKDX30lZ8pHW", pw],
  ["bcrypt", "$2a$10$Av47N6S9qBB4FGQDmGmAsu0nhuwub8aI0JdL9poHSilSIcqltEO8q", pw],
  ["bcrypt", "$2b$10$lbi.8ibgn0.JlmuEPYU/5uKcvDQnj3Xl1lB55iidvMG.m8ywmrUKa", pw],
  ["argon2", "$argon2i$v=19$m=4096,t=2,p=1$c29tZXNhbHQxMjM0NTY$XTYGxUEK8/acJEhdVASnHGsyOu4JM4JYkR4T1X4GNww", pw],
  ["argon2", "$argon2id$v=16$m=256,t=1,p=1$c29tZXNhbHQxMjM0NTY$KlA0dc0OrY7DDupcC+in8i1j9huF7Ls3R+jL4b8NRBs", pw],
  ["scrypt", "$scrypt$ln=14,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$PJAV4qWLTjSe3lT4xOIAexIMw5uL3hBCiM6HFiXcgrY", pw],
  ["pbkdf2", "pbkdf2_sha256$260000$Zb0mK3yRAtjqAnnB7lDpQx$KccOlnkeeLMGXWcPUScyAc8bVEVqcbu+mep1U+RU4xM=", pw],
  ["pbkdf2", "pbkdf2_sha1$1000$seasalt$ljleU4wBmTtz/MoG5YTwxpM0d7I=", "lètmein"],
  ["pbkdf2", "$pbkdf2-sha256$29000$....AAECAwQFBgcICQoLDA$VmgAFdvRcStvxpeSjb/skgG.dUK8p/dhB71J20N5RYg", pw],
  [
    "firebase-scrypt",
    firebaseScryptString({
      signerKey: "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
      saltSeparator: "Bw==",
      rounds: 8,
      memCost: 14,
      salt: "42xEC+ixf3L2lw==",
      passwordHash: "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
    }),
    "user1password",
  ],
  [
    "firebase-scrypt",
    "$fbscrypt$v=1,n=14,r=8,p=1,ss=Bw==,sk=ou9tdYTGyYm8kuR6Dt0Bp0kDuAYoXrK16mbZO4yGwAn3oLspjnN0/c41v8xZnO1n14J3MjKj1b2g6AUCAlFwMw==$C0sHCg9ek77hsg==$zKVTMvnWVw5BBOZNUdnsalx4c4c7y/w7IS5p6Ut2+CfEFFlz37J9huyQfov4iizN8dbjvEJlM5tQaJP84+hfTw==",
    "mytestpassword",
  ],
  // RFC 7914's own test vector (N = 1024, r = 8, p = 16): a high p is fine while N * r * p stays small.
  [
    "scrypt",
    "$scrypt$ln=10,r=8,p=16$TmFDbA$/bq+HJ00cgB4VucZDQHp/nxq18vII3gw53N2Y0s3MWIurzDZLiKjiG/xCSedmDDaxyevuUqD7m2DYMvfoswGQA",
    "password",
  ],
];

describe("foreign password hashes (reference vectors)", () => {
  for (const [scheme, stored, password] of VECTORS) {
    it(`${scheme}: ${stored.slice(0, 24)}... verifies its password and refuses another`, async () => {
      expect(foreignScheme(stored)).to.equal(scheme);
      expect(await verifyForeign(stored, password)).to.equal(true);
      expect(await verifyForeign(stored, `${password}x`)).to.equal(false);
    });
  }

  it("costs beyond the caps, malformed strings and unknown encodings are not recognized (and never verify)", async () => {
    const refused = [
      "$2b$16$lbi.8ibgn0.JlmuEPYU/5uKcvDQnj3Xl1lB55iidvMG.m8ywmrUKa", // bcrypt cost 16
      "$2b$10$short",
      "$argon2id$v=19$m=2097152,t=2,p=1$c29tZXNhbHQxMjM0NTY$KlA0dc0OrY7DDupcC+in8i1j9huF7Ls3R+jL4b8NRBs", // 2 GiB
      "$argon2id$v=19$m=256,t=101,p=1$c29tZXNhbHQxMjM0NTY$KlA0dc0OrY7DDupcC+in8i1j9huF7Ls3R+jL4b8NRBs",
      "$scrypt$ln=21,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$PJAV4qWLTjSe3lT4xOIAexIMw5uL3hBCiM6HFiXcgrY", // 2^21
      "pbkdf2_sha256$10000001$salt$KccOlnkeeLMGXWcPUScyAc8bVEVqcbu+mep1U+RU4xM=",
      "pbkdf2_md5$1000$salt$KccOlnkeeLMGXWcPUScyAc8bVEVqcbu+mep1U+RU4xM=",
      "$fbscrypt$v=1,n=21,r=8,p=1,ss=Bw==,sk=a2V5$c2FsdA==$aGFzaA==",
      "5f4dcc3b5aa765d61d8327deb882cf99", // unsalted MD5
      "",
    ];
    for (const stored of refused) {
      expect(foreignScheme(stored), stored).to.equal(null);
      expect(await verifyForeign(stored, pw), stored).to.equal(false);
    }
  });
});

describe("MigratingHasher (Argon2id, plus foreign hashes until the first login)", () => {
  const own = new Argon2Hasher({ memoryKiB: 19_456, iterations: 2, parallelism: 1 });
  const params = { memoryKiB: 19_456, iterations: 2, parallelism: 1 };
  const hasher = new MigratingHasher(own, params);

  it("new hashes are this backend's Argon2id; foreign ones always ask for a re-hash, its own only when weaker", async () => {
    const mine = await hasher.hash(pw);
    expect(mine).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(mine, pw)).to.equal(true);
    expect(hasher.needsRehash(mine)).to.equal(false);
    expect(hasher.needsRehash(VECTORS[0]?.[1] ?? "")).to.equal(true);
    expect(hasher.needsRehash("$argon2i$v=19$m=65536,t=3,p=4$c29tZXNhbHQxMjM0NTY$XTYGxUEK8/acJEhdVASnHGsyOu4JM4JYkR4T1X4GNww")).to.equal(
      true,
    );
    expect(await hasher.scheme(mine)).to.equal("argon2id");
    expect(await hasher.scheme(VECTORS[5]?.[1] ?? "")).to.equal("scrypt");
    expect(await hasher.scheme("plain text")).to.equal(null);
  });

  it("a foreign hash is verified beside a dummy Argon2id verification: never faster than an Argon2id account", async () => {
    let dummies = 0;
    const counting = new MigratingHasher(
      {
        hash: (p) => own.hash(p),
        verify: (s, p) => own.verify(s, p),
        verifyDummy: async (p) => {
          dummies++;
          await own.verifyDummy(p);
        },
        needsRehash: (s) => own.needsRehash(s),
        scheme: (s) => own.scheme(s),
      },
      params,
    );
    expect(await counting.verify(VECTORS[6]?.[1] ?? "", "wrong")).to.equal(false);
    expect(await counting.verify(VECTORS[6]?.[1] ?? "", pw)).to.equal(true);
    expect(await counting.verify(await own.hash(pw), pw)).to.equal(true);
    expect(dummies, "one dummy per foreign verification, none for an Argon2id hash").to.equal(2);
  });

  it("caps sized to the instance: an Argon2id string beyond them is never computed (false, and refused at import), unless the current parameters are that high", async () => {
    const huge = "$argon2id$v=19$m=4194304,t=1000,p=255$c29tZXNhbHQxMjM0NTY$KlA0dc0OrY7DDupcC+in8i1j9huF7Ls3R+jL4b8NRBs";
    expect(await hasher.scheme(huge)).to.equal(null);
    expect(await hasher.verify(huge, pw)).to.equal(false);
    const strongOwn = new Argon2Hasher({ memoryKiB: 131_072, iterations: 2, parallelism: 1 });
    const strong = new MigratingHasher(strongOwn, { memoryKiB: 131_072, iterations: 2, parallelism: 1 });
    const mine = await strong.hash(pw);
    expect(await strong.scheme(mine), "128 MiB: above the caps, but the current parameters").to.equal("argon2id");
    expect(await strong.verify(mine, pw)).to.equal(true);
    expect(foreignScheme("$2b$14$lbi.8ibgn0.JlmuEPYU/5uKcvDQnj3Xl1lB55iidvMG.m8ywmrUKa"), "bcrypt cost 14").to.equal(null);
    expect(foreignScheme("$2b$13$lbi.8ibgn0.JlmuEPYU/5uKcvDQnj3Xl1lB55iidvMG.m8ywmrUKa"), "bcrypt cost 13").to.equal("bcrypt");
    expect(foreignScheme("$scrypt$ln=16,r=8,p=1$PGfMWetdq/UeA0CIkVIKoQ$Ta9t0AtYy3pdTnHEBVxYj0/nWKz1NXP2X0r7nTI95ZA"), "64 MiB").to.equal(
      "scrypt",
    );
    expect(foreignScheme("$scrypt$ln=17,r=8,p=1$PGfMWetdq/UeA0CIkVIKoQ$Ta9t0AtYy3pdTnHEBVxYj0/nWKz1NXP2X0r7nTI95ZA"), "128 MiB").to.equal(
      null,
    );
    expect(
      foreignScheme("$fbscrypt$v=1,n=15,r=8,p=1,ss=Bw==,sk=a2V5$c2FsdA==$aGFzaA=="),
      "Firebase mem_cost 15: over firebase-scrypt's 32 MiB",
    ).to.equal(null);
  });

  it("scrypt's total work N * r * p is capped at 2^21 (about a second), not only its memory: p = 16 at N * r = 2^19 is refused", async () => {
    const scrypt = (ln: number, r: number, p: number) =>
      `$scrypt$ln=${ln},r=${r},p=${p}$Y2Fwc2FsdGNhcHNhbHQxNg$9SZB/EasVoaDtbjMvSLqvSGtau/3oTtYh/tMik0MOBY`;
    const refused: [string, string][] = [
      [scrypt(16, 8, 16), "p = 16 at N * r = 2^19: 2^23, 4.6 s here"],
      [scrypt(16, 8, 5), "p = 5 at N * r = 2^19: just over 2^21"],
      [scrypt(17, 4, 8), "2^22 with another N and r"],
      [scrypt(10, 8, 17), "p over 16"],
      [scrypt(16, 1, 1), "N = 2^(16 r): Node's scrypt (OpenSSL) refuses it, so it could never verify"],
      ["$fbscrypt$v=1,n=17,r=1,p=1,ss=Bw==,sk=a2V5$c2FsdA==$aGFzaA==", "Firebase's mem_cost 17, rounds 1: the same OpenSSL refusal"],
    ];
    for (const [stored, why] of refused) {
      expect(foreignScheme(stored), why).to.equal(null);
      expect(await hasher.scheme(stored), `${why}: refused at import`).to.equal(null);
    }
    expect(foreignScheme(scrypt(14, 8, 16)), "p = 16 at N * r = 2^17: 2^21").to.equal("scrypt");
    expect(foreignScheme(scrypt(15, 1, 1)), "N = 2^15, r = 1").to.equal("scrypt");
    // The largest allowed, made by Python's hashlib.scrypt (N = 2^16, r = 8, p = 4): accepted, and verified.
    const largest = scrypt(16, 8, 4);
    expect(await hasher.scheme(largest)).to.equal("scrypt");
    expect(await verifyForeign(largest, pw)).to.equal(true);
  });
});
