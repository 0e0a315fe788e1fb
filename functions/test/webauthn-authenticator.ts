// A software WebAuthn authenticator for tests: what a browser (or Android's / iOS's credential
// manager) hands the app after navigator.credentials.create() / get(), serialized as
// SimpleWebAuthn's browser helpers (and the Flutter `passkeys` package) send it. ES256 keys
// (P-256) from node:crypto; CBOR by @simplewebauthn/server's own encoder, so the bytes are what
// its verifiers decode.
//
// - create(): clientDataJSON {type "webauthn.create", challenge, origin, crossOrigin false};
//   authenticatorData = SHA-256(rpId) | flags (UP, UV, BE/BS, AT) | signCount (u32, big-endian) |
//   aaguid (16) | credential id length (u16) | credential id | COSE key {1: 2, 3: -7, -1: 1, -2: x, -3: y};
//   attestationObject = CBOR {fmt: "none", attStmt: {}, authData}.
// - get(): authenticatorData = SHA-256(rpId) | flags (UP, UV, BE/BS) | signCount; signature =
//   ECDSA-SHA256 (DER) over authenticatorData || SHA-256(clientDataJSON); userHandle = the
//   user.id the credential was made for (a discoverable credential: a passkey).
//
// The authenticator keeps its credentials (id, key, RP, user handle, counter), so get() answers
// with the one made for the RP the options name. Overrides make the responses a test needs to see
// refused: another origin (a parameter), RP ID, challenge, type, flags, counter, credential id,
// user handle, or another authenticator's key.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { isoCBOR } from "@simplewebauthn/server/helpers";

/** The authenticator data's flag bits (WebAuthn §6.1). */
export const FLAGS = {
  /** User present. */
  UP: 0x01,
  /** User verified (biometrics, PIN). */
  UV: 0x04,
  /** Backup eligible (a synced, multi-device passkey). */
  BE: 0x08,
  /** Backed up. */
  BS: 0x10,
  /** Attested credential data included (registration). */
  AT: 0x40,
  /** Extension data included. */
  ED: 0x80,
} as const;

/** One credential the authenticator holds. */
export interface SoftCredential {
  /** The credential id, base64url. */
  readonly id: string;
  /** The RP it was made for (options.rp.id). */
  readonly rpId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** options.user.id (base64url) for a discoverable credential; null for a server-side one (residentKey "discouraged"). */
  readonly userHandle: string | null;
  /** The signature counter: the last value signed (0 while the authenticator keeps none). */
  counter: number;
}

export interface SoftAuthenticatorOptions {
  /** Reports user verification (the UV flag). Default true, as a phone's or a laptop's passkey does after biometrics. */
  readonly userVerification?: boolean;
  /** Keeps a signature counter (a security key does). Default false: platform passkeys always sign 0. */
  readonly counter?: boolean;
  /** Sets BE and BS (a synced passkey). Default false. */
  readonly backedUp?: boolean;
  /** The model's AAGUID (UUID form). Default all zeros, as Apple's passkeys send. */
  readonly aaguid?: string;
  /** Transports reported at registration. Default ["hybrid", "internal"]. */
  readonly transports?: readonly string[];
}

/** How a create() answer departs from what the options asked for. */
export interface CreateOverrides {
  /** The RP ID hashed into authenticatorData (default: options.rp.id). */
  readonly rpId?: string;
  /** clientDataJSON's challenge (default: options.challenge). */
  readonly challenge?: string;
  /** clientDataJSON's type (default "webauthn.create"). */
  readonly type?: string;
  /** The flags byte, exactly (default: UP, UV as configured, BE|BS as configured, AT). */
  readonly flags?: number;
  /**
   * Answer with this credential of the authenticator again (same id and key) instead of making a
   * new one, ignoring options.excludeCredentials - a client that does not honour it.
   */
  readonly credentialId?: string;
}

/** How a get() answer departs from what the options and the stored credential say. */
export interface GetOverrides {
  /** The RP ID hashed into authenticatorData (default: options.rpId). */
  readonly rpId?: string;
  /** clientDataJSON's challenge (default: options.challenge). */
  readonly challenge?: string;
  /** clientDataJSON's type (default "webauthn.get"). */
  readonly type?: string;
  /** The signCount to sign, as is (the stored counter does not move): a replayed or cloned authenticator. */
  readonly counter?: number;
  /** The credential id the response names (id and rawId); the key is still the stored credential's. */
  readonly credentialId?: string;
  /** The user handle sent (base64url); null: none. Default: the credential's. */
  readonly userHandle?: string | null;
  /** Sign with another authenticator's credential for the same RP (a key that is not the registered one). */
  readonly signWith?: SoftAuthenticator;
  /** The flags byte, exactly (default: UP, UV as configured, BE|BS as configured). */
  readonly flags?: number;
}

const sha256 = (data: Uint8Array | string): Buffer => createHash("sha256").update(data).digest();
const b64url = (data: Uint8Array): string => Buffer.from(data).toString("base64url");

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(value >>> 0);
  return buffer;
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

function aaguidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not an AAGUID: ${uuid}`);
  return Buffer.from(hex, "hex");
}

/** The COSE_Key of a P-256 public key: {kty: EC2, alg: ES256, crv: P-256, x, y}. */
function coseKeyOf(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: "jwk" });
  if (jwk.x === undefined || jwk.y === undefined) throw new Error("not an EC public key");
  return isoCBOR.encode(
    new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, new Uint8Array(Buffer.from(jwk.x, "base64url"))],
      [-3, new Uint8Array(Buffer.from(jwk.y, "base64url"))],
    ]),
  );
}

function clientDataJSON(type: string, challenge: string, origin: string): Buffer {
  // The members in the order browsers serialize them.
  return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }), "utf8");
}

export class SoftAuthenticator {
  private readonly stored: SoftCredential[] = [];
  private readonly userVerification: boolean;
  private readonly keepsCounter: boolean;
  private readonly backedUp: boolean;
  private readonly aaguid: Buffer;
  private readonly transports: readonly string[];

  constructor(options: SoftAuthenticatorOptions = {}) {
    this.userVerification = options.userVerification ?? true;
    this.keepsCounter = options.counter ?? false;
    this.backedUp = options.backedUp ?? false;
    this.aaguid = aaguidBytes(options.aaguid ?? "00000000-0000-0000-0000-000000000000");
    this.transports = options.transports ?? ["hybrid", "internal"];
  }

  /** The credentials made so far, oldest first. */
  get credentials(): readonly SoftCredential[] {
    return this.stored;
  }

  /** The newest credential for `rpId`; throws when there is none (the browser would show "no passkeys"). */
  credentialFor(rpId: string, allowed: readonly string[] = []): SoftCredential {
    const found = this.stored.filter((credential) => credential.rpId === rpId && (allowed.length === 0 || allowed.includes(credential.id)));
    const credential = found.at(-1);
    if (credential === undefined) throw new Error(`NotAllowedError: no credential for ${rpId}`);
    return credential;
  }

  private flags(extra: number): number {
    return FLAGS.UP | (this.userVerification ? FLAGS.UV : 0) | (this.backedUp ? FLAGS.BE | FLAGS.BS : 0) | extra;
  }

  /** The next signCount of `credential` (and the stored counter moves), or 0 when the authenticator keeps none. */
  private nextCount(credential: SoftCredential): number {
    if (!this.keepsCounter) return 0;
    credential.counter += 1;
    return credential.counter;
  }

  /** navigator.credentials.create({publicKey: options}) from `origin`, as the RegistrationResponseJSON sent to the server. */
  create(options: PublicKeyCredentialCreationOptionsJSON, origin: string, overrides: CreateOverrides = {}): RegistrationResponseJSON {
    const rpId = options.rp.id;
    if (rpId === undefined) throw new Error("the options name no RP ID");
    if (!options.pubKeyCredParams.some((param) => param.alg === -7)) throw new Error("NotSupportedError: ES256 not offered");
    let credential: SoftCredential;
    if (overrides.credentialId !== undefined) {
      const again = this.stored.find((stored) => stored.id === overrides.credentialId);
      if (again === undefined) throw new Error(`no credential ${overrides.credentialId} to answer with again`);
      credential = again;
    } else {
      const excluded = new Set((options.excludeCredentials ?? []).map((descriptor) => descriptor.id));
      if (this.stored.some((stored) => stored.rpId === rpId && excluded.has(stored.id))) {
        throw new Error("InvalidStateError: a credential of this authenticator is excluded");
      }
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const resident = options.authenticatorSelection?.residentKey !== "discouraged";
      credential = {
        id: b64url(randomBytes(16)),
        rpId,
        privateKey,
        publicKey,
        userHandle: resident ? options.user.id : null,
        counter: 0,
      };
      this.stored.push(credential);
    }
    const rawId = Buffer.from(credential.id, "base64url");
    const authData = Buffer.concat([
      sha256(overrides.rpId ?? rpId),
      Buffer.from([overrides.flags ?? this.flags(FLAGS.AT)]),
      u32(this.nextCount(credential)),
      this.aaguid,
      u16(rawId.length),
      rawId,
      coseKeyOf(credential.publicKey),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ["fmt", "none"],
        ["attStmt", new Map<string, string>()],
        ["authData", new Uint8Array(authData)],
      ]),
    );
    const clientData = clientDataJSON(overrides.type ?? "webauthn.create", overrides.challenge ?? options.challenge, origin);
    return {
      id: credential.id,
      rawId: credential.id,
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientData),
        attestationObject: b64url(attestationObject),
        authenticatorData: b64url(authData),
        transports: [...this.transports],
        publicKeyAlgorithm: -7,
        publicKey: b64url(credential.publicKey.export({ format: "der", type: "spki" })),
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: { credProps: { rk: credential.userHandle !== null } },
    };
  }

  /** navigator.credentials.get({publicKey: options}) from `origin`, as the AuthenticationResponseJSON sent to the server. */
  get(options: PublicKeyCredentialRequestOptionsJSON, origin: string, overrides: GetOverrides = {}): AuthenticationResponseJSON {
    const rpId = options.rpId;
    if (rpId === undefined) throw new Error("the options name no RP ID");
    const credential = this.credentialFor(
      rpId,
      (options.allowCredentials ?? []).map((descriptor) => descriptor.id),
    );
    const signer = overrides.signWith?.credentialFor(rpId) ?? credential;
    const authData = Buffer.concat([
      sha256(overrides.rpId ?? rpId),
      Buffer.from([overrides.flags ?? this.flags(0)]),
      u32(overrides.counter ?? this.nextCount(credential)),
    ]);
    const clientData = clientDataJSON(overrides.type ?? "webauthn.get", overrides.challenge ?? options.challenge, origin);
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientData)]), signer.privateKey);
    const userHandle = overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle;
    const id = overrides.credentialId ?? credential.id;
    return {
      id,
      rawId: id,
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle !== null && { userHandle }),
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
  }
}
