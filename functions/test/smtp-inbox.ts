import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

// A real SMTP server on loopback (smtp-server, nodemailer's sibling) that keeps what it receives:
// the SMTP transport is tested against it, never against a mock of nodemailer. It asks for the
// login `app` / `secret`; `refuse` makes it refuse every recipient.
export interface Received {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

export interface Inbox {
  readonly port: number;
  /** `smtp://app:secret@127.0.0.1:<port>`: what SMTP_URL holds. */
  readonly url: string;
  readonly received: Received[];
  /** The 6-digit code in the text part of the latest mail to `to`. */
  codeFor(to: string): string;
  close(): Promise<void>;
}

export function startInbox(options: { readonly refuse?: boolean } = {}): Promise<Inbox> {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: false,
    disabledCommands: ["STARTTLS"],
    onAuth(auth, _session, callback) {
      if (auth.username === "app" && auth.password === "secret") callback(null, { user: "app" });
      else callback(new Error("bad login"));
    },
    onRcptTo(_address, _session, callback) {
      if (options.refuse === true) callback(new Error("mailbox unavailable"));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  const codeFor = (to: string): string => {
    const mail = received.filter((m) => m.to.includes(to.toLowerCase()) || m.to.includes(to)).at(-1);
    const text = mail?.raw.split(/Content-Type: text\/plain/i)[1] ?? "";
    const code = /\b([0-9]{6})\b/.exec(text)?.[1];
    if (code === undefined) throw new Error(`no code mailed to ${to}`);
    return code;
  };
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.server.address() as AddressInfo;
      resolve({
        port,
        url: `smtp://app:secret@127.0.0.1:${port}`,
        received,
        codeFor,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
