import { expect } from "chai";
import { SmtpMailer } from "../../src/adapters/smtp-mailer.js";
import { renderMail } from "../../src/domain/mail.js";
import { toAppError } from "../../src/errors.js";
import { startInbox } from "../smtp-inbox.js";

// The SMTP transport against a real SMTP server on loopback, reading what it received.
const startServer = startInbox;

const mail = renderMail("password_reset_code", "de", "ada@example.com", { app: "Acme", code: "048213", minutes: 15 });

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("SmtpMailer (a real SMTP server on loopback)", () => {
  it("delivers subject, text and HTML from MAIL_FROM to the recipient, logged in with the URL's credentials", async () => {
    const server = await startServer();
    const mailer = new SmtpMailer(`smtp://app:secret@127.0.0.1:${server.port}`, "Acme <no-reply@acme.example>");
    try {
      await mailer.send(mail);
    } finally {
      mailer.close();
      await server.close();
    }
    expect(server.received).to.have.length(1);
    const [got] = server.received;
    expect(got?.from).to.equal("no-reply@acme.example");
    expect(got?.to).to.deep.equal(["ada@example.com"]);
    expect(got?.raw).to.include("048213").and.include("multipart/alternative").and.include("text/html");
  });

  for (const [label, url, refuse] of [
    ["a refused login", (port: number) => `smtp://app:wrong@127.0.0.1:${port}`, false],
    ["a refused recipient", (port: number) => `smtp://app:secret@127.0.0.1:${port}`, true],
    ["a relay out of reach", () => "smtp://app:secret@127.0.0.1:1", false],
  ] as const) {
    it(`${label}: a 503 at the edge, nothing delivered`, async () => {
      const server = await startServer({ refuse });
      const mailer = new SmtpMailer(url(server.port), "no-reply@acme.example");
      const error = await failure(mailer.send(mail));
      mailer.close();
      await server.close();
      expect(toAppError(error).status).to.equal(503);
      expect(server.received).to.have.length(0);
    });
  }
});
