// Mail over SMTP with nodemailer, to the relay named by SMTP_URL (a secret:
// `smtps://user:password@smtp.example.com:465`). Every failure - the relay out of reach, a
// refused login, a refused recipient - carries MAIL_UNAVAILABLE: the request answers 503 and
// changes nothing else.
import { createTransport, type Transporter } from "nodemailer";
import { withDeadline } from "../deadlines.js";
import type { MailMessage } from "../domain/model.js";
import type { Mailer } from "../domain/ports.js";
import { MAIL_UNAVAILABLE } from "../errors.js";

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(
    url: string,
    private readonly from: string | undefined,
  ) {
    // Short timeouts: the request's own deadline (deadlines.ts) is the outer bound.
    this.transport = createTransport({ url, connectionTimeout: 5000, greetingTimeout: 5000, socketTimeout: 5000 });
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await withDeadline(() => this.transport.sendMail({ ...(this.from !== undefined && { from: this.from }), ...message }));
    } catch (error) {
      // Only the SMTP command and reply codes are kept: the relay's reply text often quotes the
      // recipient's address, and logs carry no email address.
      const { code, responseCode, command } = (error ?? {}) as { code?: unknown; responseCode?: unknown; command?: unknown };
      const cause = { code, responseCode, command };
      throw Object.assign(new Error(`the mail could not be handed to the SMTP relay (${JSON.stringify(cause)})`), {
        code: MAIL_UNAVAILABLE,
      });
    }
  }

  close(): void {
    this.transport.close();
  }
}
