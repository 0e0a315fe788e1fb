import { expect } from "chai";
import { type MailKind, renderMail } from "../../src/domain/mail.js";
import { LANGUAGES } from "../../src/domain/model.js";
import { preferredLanguage } from "../../src/http/language.js";

const KINDS: readonly MailKind[] = [
  "password_reset_code",
  "password_reset_done",
  "email_verification_code",
  "email_change_code",
  "email_change_notice",
  "mfa_enabled",
  "mfa_disabled",
  "recovery_code_used",
  "recovery_codes_renewed",
];

describe("mails: every kind in every language", () => {
  for (const language of LANGUAGES) {
    for (const kind of KINDS) {
      it(`${language} ${kind}: subject, text and HTML carry the app name and the values, nothing left unfilled`, () => {
        const mail = renderMail(kind, language, "ada@example.com", {
          app: "Acme <Shop>",
          code: "048213",
          minutes: 15,
          newEmail: "new@example.com",
          remaining: 7,
        });
        expect(mail.to).to.equal("ada@example.com");
        expect(mail.subject).to.include("Acme <Shop>");
        for (const part of [mail.subject, mail.text, mail.html]) expect(part).to.not.match(/\{[A-Za-z]+\}/);
        expect(mail.subject).to.match(/^Acme <Shop> ?: /);
        expect(mail.text.split("\n\n")).to.have.length(2);
        expect(mail.html).to.include("Acme &lt;Shop&gt;").and.not.include("<Shop>");
        expect(mail.html).to.include(`<html lang="${language}">`);
        if (kind.endsWith("_code")) {
          expect(mail.text).to.include("048213").and.include("15");
          expect(mail.html).to.match(/<strong[^>]*>048213<\/strong>/);
        }
        if (kind === "email_change_notice") expect(mail.text).to.include("new@example.com");
        if (kind === "recovery_code_used") {
          expect(mail.text).to.include(": 7.");
          expect(mail.html).to.include(": 7.");
        }
      });
    }
  }

  it("the languages really differ (no language silently falls back to English)", () => {
    for (const kind of KINDS) {
      const mails = LANGUAGES.map((l) => renderMail(kind, l, "a@example.com", { app: "A", code: "1", minutes: 1, remaining: 3 }));
      expect(new Set(mails.map((m) => m.subject)).size, kind).to.equal(LANGUAGES.length);
      expect(new Set(mails.map((m) => m.text)).size, kind).to.equal(LANGUAGES.length);
    }
  });

  it("the remaining recovery codes are filled in as a number, 0 included", () => {
    for (const language of LANGUAGES) {
      const mail = renderMail("recovery_code_used", language, "a@example.com", { app: "A", remaining: 0 });
      expect(mail.text, language).to.include(": 0.").and.not.include("{remaining}");
      expect(mail.html, language).to.include(": 0.").and.not.include("{remaining}");
    }
  });

  it("values are HTML-escaped", () => {
    const mail = renderMail("email_change_notice", "en", "a@example.com", { app: "A", newEmail: '"><script>x</script>@example.com' });
    expect(mail.html).to.not.include("<script>");
    expect(mail.html).to.include("&lt;script&gt;");
  });
});

describe("preferredLanguage (Accept-Language)", () => {
  const cases: [string | undefined, string][] = [
    [undefined, "en"],
    ["", "en"],
    ["*", "en"],
    ["de", "de"],
    ["de-AT", "de"],
    ["pt-BR,pt;q=0.9,en;q=0.8", "pt"],
    ["fr-CA;q=0.5, es;q=0.9", "es"],
    ["en;q=0.1, de", "de"],
    ["ja, zh-CN;q=0.8", "en"],
    ["ja, fr;q=0.2", "fr"],
    ["es;q=0, fr;q=0.1", "fr"],
    ["ES", "es"],
    ["x".repeat(600), "en"],
  ];
  for (const [header, expected] of cases) {
    it(`${JSON.stringify(header?.slice(0, 40))} -> ${expected}`, () => {
      expect(preferredLanguage(header)).to.equal(expected);
    });
  }
});
