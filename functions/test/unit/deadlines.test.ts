import { expect } from "chai";
import { DeadlineExceeded, withDeadline, withinBudget } from "../../src/deadlines.js";
import { AppError, toAppError } from "../../src/errors.js";

// The timers here are tens of milliseconds: these tests check what happens at a deadline, not
// how fast anything is.
const never = () => new Promise<never>(() => undefined);
const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );
}

describe("deadlines (deadlines.ts)", () => {
  it("a call that does not answer in time fails with DEADLINE_EXCEEDED, which the edge answers as 503", async () => {
    const error = await rejection(withDeadline(never, 20));
    expect(error).to.be.instanceOf(DeadlineExceeded).and.include({ code: 4 });
    const answer = toAppError(error);
    expect([answer.status, answer.code, answer.details.retryAfterSeconds]).to.deep.equal([503, "unavailable", 1]);
  });

  it("a call that answers in time passes its value and its own failure through unchanged", async () => {
    expect(await withDeadline(() => later(5, "ok"), 1000)).to.equal("ok");
    const own = Object.assign(new Error("already exists"), { code: 6 });
    expect(await rejection(withDeadline(() => Promise.reject(own), 1000))).to.equal(own);
  });

  it("inside a request, a call gets at most what is left of the budget; once it is spent no call starts", async () => {
    let started = 0;
    const start = () => {
      started++;
      return never();
    };
    const seen: unknown[] = [];
    const work = withinBudget(async () => {
      seen.push(await rejection(withDeadline(start, 10_000))); // cut at the 40 ms budget, not at 10 s
      seen.push(await rejection(withDeadline(start, 10_000))); // the budget is spent: not started
      return "done";
    }, 40);
    // Whichever timer fires first, the answer comes at the budget: a 503 or the route's own end.
    const outcome = await work.then(
      (value) => value,
      (error: unknown) => (error instanceof AppError ? error.code : error),
    );
    expect(["done", "unavailable"]).to.include(outcome);
    await later(20, null);
    expect(started).to.equal(1);
    expect(seen).to.have.length(2);
    for (const error of seen) expect(error).to.be.instanceOf(DeadlineExceeded);
  });

  it("a request whose work hangs is answered 503 at its budget", async () => {
    const error = await rejection(withinBudget(never, 30));
    expect(error).to.be.instanceOf(AppError).and.include({ code: "unavailable" });
  });

  it("outside a request (triggers, the scheduler) only each call's own deadline applies", async () => {
    expect(await withDeadline(() => later(30, "ok"), 1000)).to.equal("ok");
  });
});
