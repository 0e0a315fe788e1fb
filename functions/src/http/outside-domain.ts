// The Functions Framework (what Cloud Functions 2nd gen runs, in production as under the bench)
// runs every request inside a `domain` of Node's deprecated domain module
// (function_wrappers.js: `domain.create()`, then `d.run(...)`), only so that an exception thrown
// asynchronously by the request's code becomes that request's 500 instead of the instance's
// crash. Inside a domain every async resource - each promise, timer, socket write, gRPC call -
// is tracked by the domain's async hooks (entered and left around each callback, a destroy hook
// each): in a CPU profile of logins, about 17 % of the main thread's time. Leaving it made a
// login's CPU 0.81 times what it was (`npm run bench -- --compare`, the same build with and
// without this; docs/benchmark.md).
//
// This backend's requests leave the domain as they start. Nothing of theirs needs it: every
// handler is async, every await is caught by the handler (http/handler.ts turns any error into
// a JSON answer), and the libraries it calls report errors through promises. What changes is
// the rare exception that nobody could catch - a bug throwing from a bare callback: without the
// domain it reaches the Functions Framework's `uncaughtException` handler, which answers the
// latest request 500 and ends the instance (exit code 16; Cloud Run starts another), Node's own
// advice for a process whose state is unknown, instead of letting the instance serve on. (A
// promise rejected with nobody to catch it ends the instance in both cases: the framework's
// `unhandledRejection` handler.)
// The hooks stay installed (the framework made a domain), so part of the cost remains.

/** The active domain as `process.domain` holds it (Node's domain module sets it; undefined when none). */
type DomainHolder = { readonly domain?: { exit(): void } | null | undefined };

/** `handler`, run outside the request's domain (see above). */
export function outsideRequestDomain<A extends unknown[], R>(handler: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    (process as NodeJS.Process & DomainHolder).domain?.exit();
    return handler(...args);
  };
}
