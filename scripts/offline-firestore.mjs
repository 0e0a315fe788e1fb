// The offline stand-in for the Firestore emulator (whose Java archive cannot be downloaded
// here): @firestore-emulator/server, a Node.js gRPC implementation, with one patch.
//
// The patch: the package applies a commit's writes one by one, so a batch whose second
// write fails its precondition keeps the first (measured: see ../shared/reference/emulators.md).
// Real Firestore commits all or nothing. Before the package's Commit runs, this checks every
// write's exists/not-exists precondition against the current state (and against the earlier
// writes of the same commit); if one fails, the whole commit fails with the code real
// Firestore uses and nothing is applied. Commit handlers run synchronously on one thread,
// so the check and the apply cannot interleave with another commit.
//
// Known remaining gaps (README, "The offline Firestore"): no transaction isolation, no
// updateTime preconditions, no collection-group queries, no security rules.
//
// Usage: node scripts/offline-firestore.mjs [port]    (prints "ready" when listening)
import { FirestoreServer } from "@firestore-emulator/server";
import { ServerCredentials } from "@grpc/grpc-js";

const COMMIT = "/google.firestore.v1.Firestore/Commit";
const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;

export function startOfflineFirestore(port, host = "127.0.0.1") {
  const emulator = new FirestoreServer();
  const grpcServer = emulator.server;
  const handler = grpcServer?.handlers?.get(COMMIT);
  if (typeof handler?.func !== "function") {
    throw new Error("offline Firestore: cannot find the Commit handler to make batches atomic; was the package upgraded?");
  }
  const applyCommit = handler.func;
  handler.func = (call, callback) => {
    const failure = firstFailedPrecondition(emulator.state, call.request.writes);
    if (failure) {
      callback({ code: failure.code, message: failure.message, name: "Error" }, null);
      return;
    }
    applyCommit(call, callback);
  };
  return new Promise((resolve, reject) => {
    grpcServer.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error) => {
      if (error) reject(error);
      else resolve({ stop: () => grpcServer.forceShutdown(), state: emulator.state });
    });
  });
}

function firstFailedPrecondition(state, writes) {
  const existsAfter = new Map(); // document name -> exists, after the earlier writes of this commit
  for (const write of writes) {
    const name = write.has_delete ? write.delete : write.has_update ? write.update.name : undefined;
    if (name === undefined) continue; // transforms-only writes: left to the package
    const exists = existsAfter.has(name) ? existsAfter.get(name) : state.getDocument(name).metadata.hasExist;
    if (write.has_current_document && write.current_document.has_exists) {
      if (write.current_document.exists && !exists) {
        return { code: NOT_FOUND, message: `no entity to update: ${name}` };
      }
      if (!write.current_document.exists && exists) {
        return { code: ALREADY_EXISTS, message: `entity already exists: ${name}` };
      }
    }
    existsAfter.set(name, !write.has_delete);
  }
  return undefined;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 8080);
  const server = await startOfflineFirestore(port);
  console.log(`offline Firestore listening on 127.0.0.1:${port} (atomic batches patch on)`);
  console.log("ready");
  const stop = () => {
    server.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
