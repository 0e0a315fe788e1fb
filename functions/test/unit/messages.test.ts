import { expect } from "chai";
import firebaseFunctionsTest from "firebase-functions-test";
import { AppError, ERROR_STATUS, type ErrorCode } from "../../src/errors.js";
import { localizedMessage, translations } from "../../src/http/messages.js";
import { FakeResponse, fakeRequest } from "./http-fakes.js";

// Every error code has a message in Spanish, German, French and Portuguese; the answer's language
// follows Accept-Language (quality values honoured, English otherwise) and is named in
// Content-Language; the code never changes.
const CODES = Object.keys(ERROR_STATUS) as ErrorCode[];
const fft = firebaseFunctionsTest();
after(() => fft.cleanup());

describe("error messages in the user's language", () => {
  it("every code has a sentence in es, de, fr and pt, each its own (none falls back to English or to another language)", () => {
    for (const code of CODES) {
      const english = new AppError(code, "English sentence.", { field: "email", reason: "common", retryAfterSeconds: 30 });
      const t = translations(code, english.details);
      for (const [language, sentence] of Object.entries(t)) {
        expect(sentence, `${code}/${language}`).to.be.a("string").with.length.above(10);
        expect(sentence, `${code}/${language}`).to.not.equal(english.message);
      }
      expect(new Set(Object.values(t)).size, code).to.equal(4);
    }
  });

  it("details are filled in: the field, the seconds to wait, the password rule", () => {
    expect(translations("invalid_request", { field: "email" }).es).to.equal("Revisa el campo «email».");
    expect(translations("too_many_requests", { retryAfterSeconds: 42 }).de).to.equal(
      "Zu viele Versuche. Bitte versuchen Sie es in 42 Sekunden erneut.",
    );
    expect(translations("weak_password", { reason: "matches_email" }).fr).to.equal(
      "Le mot de passe ne peut pas être votre adresse e-mail.",
    );
    expect(translations("weak_password", { reason: "too_short" }).pt).to.equal("A senha é muito curta.");
    const error = new AppError("invalid_credentials", "The email or password is incorrect.");
    expect(localizedMessage(error, "en")).to.equal("The email or password is incorrect.");
    expect(localizedMessage(error, "es")).to.equal("El correo o la contraseña no son correctos.");
  });

  it("the second-factor codes are worded for what the user must do next", () => {
    const required = translations("second_factor_required");
    expect(required.es).to.include("código de recuperación");
    expect(required.de).to.include("Wiederherstellungscode");
    expect(required.fr).to.include("code de récupération");
    expect(required.pt).to.include("código de recuperação");
    const expired = translations("invalid_mfa_token");
    expect(expired.es).to.include("Vuelve a iniciar sesión.");
    expect(expired.de).to.include("Bitte melden Sie sich erneut an.");
    expect(expired.fr).to.include("Reconnectez-vous.");
    expect(expired.pt).to.include("Entre novamente.");
    const error = new AppError("mfa_already_enabled", "A second factor is already turned on for this account.");
    expect(localizedMessage(error, "en")).to.equal("A second factor is already turned on for this account.");
    expect(localizedMessage(error, "de")).to.equal("Für dieses Konto ist bereits ein zweiter Faktor aktiviert.");
  });

  it("the exported function answers in the Accept-Language it was asked, with Content-Language, and the same code", async () => {
    const { auth } = await import("../../src/index.js");
    const ask = async (acceptLanguage: string | undefined) => {
      const res = new FakeResponse();
      const headers = acceptLanguage === undefined ? {} : { "accept-language": acceptLanguage };
      await (auth as unknown as (req: unknown, res: unknown) => Promise<void>)(fakeRequest({ path: "/nope", json: {}, headers }), res);
      return { language: res.getHeader("content-language"), error: (res.json() as { error: { code: string; message: string } }).error };
    };
    expect(await ask("es")).to.deep.equal({ language: "es", error: { code: "not_found", message: "No se ha encontrado lo que buscas." } });
    expect(await ask("fr-CA, en;q=0.5")).to.deep.include({ language: "fr" });
    expect(await ask("ja, pt;q=0.8, de;q=0.9")).to.deep.include({ language: "de" });
    expect(await ask("ja")).to.deep.equal({ language: "en", error: { code: "not_found", message: "There is no such endpoint." } });
    expect((await ask(undefined)).language).to.equal("en");
  });
});
