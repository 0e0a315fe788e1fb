// The language of the mails a request causes, from its Accept-Language header: quality values
// honoured (`pt-BR;q=0.9, en;q=0.5`), a region falling back to its language (`de-AT` -> `de`),
// English when none of the supported languages is asked for. Negotiator is the parser Express's
// own `req.acceptsLanguages()` uses.
import Negotiator from "negotiator";
import { LANGUAGES, type Language } from "../domain/model.js";

const isLanguage = (value: string | undefined): value is Language => (LANGUAGES as readonly string[]).includes(value ?? "");

export function preferredLanguage(acceptLanguage: string | undefined): Language {
  if (acceptLanguage === undefined || acceptLanguage.length > 512) return "en";
  const ranked = new Negotiator({ headers: { "accept-language": acceptLanguage } }).languages();
  for (const tag of ranked) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLanguage(base)) return base;
  }
  return "en";
}
