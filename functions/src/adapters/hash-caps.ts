// The costs a stored password hash may ask for (foreign-hashes.ts, migrating-hasher.ts). Every
// cost comes from the stored string, so an imported string with absurd costs would otherwise
// cost the instance its memory or its CPU at every login attempt on that email.
/**
 * Upper bounds of the costs a stored string may ask for, sized to the auth function (512 MiB, one
 * CPU, 80 requests at once): 64 MiB of memory per verification at most, and about a second of CPU.
 * A bound on memory alone is not one on time: scrypt's p multiplies the work, not the memory.
 */
export const CAPS = {
  bcryptCost: 13,
  argon2MemoryKiB: 65_536,
  argon2Passes: 10,
  argon2Lanes: 8,
  scryptLogN: 20,
  /** scrypt's memory is 128 * N * r bytes: N * r at most 2^19 is 64 MiB. */
  scryptNr: 2 ** 19,
  scryptP: 16,
  /**
   * scrypt's CPU work is N * r * p (the memory-hard core runs p times): at most 2^21, which took
   * 0.7-1.2 s here (N = 2^16, r = 8, p = 4; 2-core development machine under varying load,
   * Node 22). p = 16 at N * r = 2^19, which the bounds above allow on their own, took 2.7-5.4 s.
   */
  scryptWork: 2 ** 21,
  pbkdf2Iterations: 2_000_000,
  /**
   * firebase-scrypt passes Node's default maxmem (32 MiB): 128 * 2^mem_cost * rounds must stay
   * under it. Its p is always 1, so its work (2^mem_cost * rounds) is bounded by scryptWork too.
   */
  firebaseNr: 2 ** 17,
} as const;

export const within = (value: number, min: number, max: number): boolean => Number.isInteger(value) && value >= min && value <= max;

/**
 * scrypt costs this backend will compute (N = 2^ln, as integers checked by the caller): memory
 * N * r at most `maxNr`, work N * r * p at most CAPS.scryptWork, and N below 2^(16 r), which
 * OpenSSL (Node's scrypt) refuses otherwise: such a hash could never be verified at login.
 */
export const scryptWithinCaps = (N: number, r: number, p: number, maxNr: number): boolean =>
  N * r <= maxNr && N * r * p <= CAPS.scryptWork && N < 2 ** (16 * r);

/** Argon2 costs (memory KiB, passes, lanes) this backend will verify in a foreign hash. */
export const argon2WithinCaps = (m: number, t: number, p: number): boolean =>
  within(m, 8, CAPS.argon2MemoryKiB) && within(t, 1, CAPS.argon2Passes) && within(p, 1, CAPS.argon2Lanes);

/** The costs of an Argon2 PHC string, when it has them in the usual `m=..,t=..,p=..` form. */
export function argon2Costs(stored: string): { m: number; t: number; p: number } | null {
  const match = /^\$argon2(?:id|i|d)\$(?:v=[0-9]+\$)?m=([0-9]{1,10}),t=([0-9]{1,10}),p=([0-9]{1,10})\$/.exec(stored);
  return match === null ? null : { m: Number(match[1]), t: Number(match[2]), p: Number(match[3]) };
}
