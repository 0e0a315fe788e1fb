import type { Firestore } from "firebase-admin/firestore";
import type { LoginLookup } from "../domain/login.js";
import { COLLECTIONS } from "./collections.js";
import { accountFromDoc } from "./firestore-account-store.js";
import { countersFromDocs, type FirestoreThrottleStore } from "./firestore-throttle-store.js";
import { translateStoreError, withDeadline } from "./store-errors.js";

/**
 * What a login reads - the credential and the throttle counters - in ONE round trip
 * (`getAll`), so a login costs one read RPC and one commit.
 */
export function firestoreLoginLookup(db: Firestore, throttle: FirestoreThrottleStore): LoginLookup {
  return async (emailKey, keys, now) => {
    try {
      const [credential, ...counters] = await withDeadline(
        db.getAll(db.collection(COLLECTIONS.credentials).doc(emailKey), ...keys.map((key) => throttle.ref(key))),
      );
      return {
        account: credential === undefined ? null : accountFromDoc(emailKey, credential),
        counters: countersFromDocs(counters, now),
      };
    } catch (error) {
      throw translateStoreError(error);
    }
  };
}
