// The offline stand-in for the Firestore emulator, for machines without the Cloud CLI's
// emulator (docs/testing.md, "The offline Firestore (fallback)"): @firestore-emulator/server, a Node.js
// gRPC implementation, with two patches.
//
// The patch: the package applies a commit's writes one by one, so a batch whose second
// write fails its precondition keeps the first (measured, and tested by "all or nothing" in
// functions/test/emulator/integrity.emulator.test.ts).
// Real Firestore commits all or nothing. Before the package's Commit runs, this checks every
// write's exists/not-exists precondition against the current state (and against the earlier
// writes of the same commit); if one fails, the whole commit fails with the code real
// Firestore uses and nothing is applied. Commit handlers run synchronously on one thread,
// so the check and the apply cannot interleave with another commit.
//
// Second patch (speed, same behaviour): the package finds a document through immer's
// produce(), which copies and freezes the collection's whole document map each time a document
// is first touched - reads of missing documents included, and a login reads three missing
// throttle counters - so every operation cost O(documents in the collection): measured 8 ms of
// CPU per login-shaped operation at 500 documents and 58 ms at 5,000, which made the stand-in
// the bottleneck of long test and benchmark runs. The patched lookup inserts into a plain map.
//
// Known remaining gaps (docs/testing.md, "The offline Firestore"): no transaction isolation, no
// updateTime preconditions, no collection-group queries, no security rules.
//
// Fault injection (tests only): an HTTP control endpoint on port+1 (loopback) makes chosen
// RPCs fail the way a real outage does, with a gRPC status code:
//   POST /faults {"method": "Commit" | "BatchGetDocuments" | "RunQuery" | "*",
//                 "code": 14, "times": 1, "match": "auth_refresh_tokens"}   add a fault
//   POST /faults {..., "delayMs": 1500}       a slow call instead: answered normally, that much later
//   DELETE /faults                                                        remove them all
// `match` (optional) is a substring of a document or collection name the call must touch;
// `times` is how many matching calls fail (-1: until removed).
//
// Usage: node scripts/offline-firestore.mjs [port]    (prints "ready" when listening)

import { createServer } from "node:http";
import { FirestoreServer } from "@firestore-emulator/server";
import { ServerCredentials } from "@grpc/grpc-js";

const COMMIT = "/google.firestore.v1.Firestore/Commit";
const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;

/** Names of the documents or collections a call touches, for a fault's `match`. */
function touched(request) {
  const names = [];
  for (const write of request.writes ?? []) {
    names.push(write.has_delete ? write.delete : (write.update?.name ?? ""));
    // The fields a write sets, as "field:<name>", so a fault can pick one kind of write (the
    // request is a generated message class, whose map of fields is a Map).
    const fields = write.update?.fields;
    for (const field of fields instanceof Map ? fields.keys() : Object.keys(fields ?? {})) names.push(`field:${field}`);
  }
  for (const document of request.documents ?? []) names.push(document);
  for (const from of request.structured_query?.from ?? []) names.push(`${request.parent ?? ""}/${from.collection_id}`);
  return names;
}

function withFaults(grpcServer, faults) {
  for (const [path, handler] of grpcServer.handlers) {
    const method = path.split("/").pop();
    const original = handler.func;
    handler.func = (call, callback) => {
      const names = touched(call.request ?? {});
      const fault = faults.find(
        (f) => (f.method === "*" || f.method === method) && (f.match === undefined || names.some((n) => n.includes(f.match))),
      );
      if (fault === undefined) return original(call, callback);
      if (fault.times > 0 && --fault.times === 0) faults.splice(faults.indexOf(fault), 1);
      if (fault.delayMs !== undefined) {
        setTimeout(() => original(call, callback), fault.delayMs);
        return;
      }
      const error = { code: fault.code, details: `injected fault (${method})`, message: `injected fault (${method})` };
      if (typeof callback === "function") callback(error, null);
      else call.emit("error", error); // server-streaming calls
    };
  }
}

function controlServer(faults) {
  return createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (req.url === "/faults" && req.method === "DELETE") faults.splice(0, faults.length);
      else if (req.url === "/faults" && req.method === "POST") {
        const f = JSON.parse(body || "{}");
        faults.push({ method: f.method ?? "*", code: f.code ?? 14, times: f.times ?? 1, match: f.match, delayMs: f.delayMs });
      } else {
        res.statusCode = 404;
      }
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ faults: faults.length }));
    });
  });
}

export function startOfflineFirestore(port, host = "127.0.0.1") {
  const emulator = new FirestoreServer();
  withConstantTimeLookups(emulator.state);
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
  const faults = [];
  withFaults(grpcServer, faults); // after the atomic-commit patch: a fault wins over the commit
  const control = controlServer(faults);
  return new Promise((resolve, reject) => {
    grpcServer.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error) => {
      if (error) return reject(error);
      control.once("error", reject);
      control.listen(port + 1, host, () =>
        resolve({
          stop: () => {
            grpcServer.forceShutdown();
            control.close();
          },
          state: emulator.state,
        }),
      );
    });
  });
}

function withConstantTimeLookups(state) {
  const probe = state.getDocument("projects/offline-probe/databases/(default)/documents/probe/probe");
  const Document = probe.constructor;
  const Collection = probe.parent.constructor;
  state.clear(); // forget the probe
  if (typeof Collection.prototype.getDocument !== "function" || !(probe.parent.documents?.probe === probe)) {
    throw new Error("offline Firestore: the collection class changed; was the package upgraded?");
  }
  Collection.prototype.getDocument = function getDocument(name) {
    if (Object.hasOwn(this.documents, name)) return this.documents[name];
    // The package's maps come frozen from immer: copy once into a prototype-less map (so an id
    // like "constructor" is just a key), then insert in place.
    if (Object.isFrozen(this.documents) || Object.getPrototypeOf(this.documents) !== null) {
      this.documents = Object.assign(Object.create(null), this.documents);
    }
    const document = new Document(this.emitter, this.database, this, name, {}, {});
    this.documents[name] = document;
    return document;
  };
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
  console.log(`offline Firestore listening on 127.0.0.1:${port} (atomic batches patch on; fault control on :${port + 1})`);
  console.log("ready");
  const stop = () => {
    server.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
