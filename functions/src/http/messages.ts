// The `error.message` an app shows (a FlutterFlow snack bar with `$.error.message`), in the
// request's language (Accept-Language, http/language.ts): English as the code wrote it, and
// Spanish, German, French and Portuguese from this table - one sentence per error code, with the
// field, the password rule or the wait filled in. Codes never change with the language. The
// table is typed Record<ErrorCode, ...>: a code without a translation does not compile, and
// test/unit/messages.test.ts checks each sentence.
import type { Language } from "../domain/model.js";
import type { AppError, ErrorCode, ErrorDetails, WeakPasswordReason } from "../errors.js";

type Sentence = (details: ErrorDetails) => string;
type Table = Readonly<Record<ErrorCode, Sentence>>;
type Reasons = Readonly<Record<WeakPasswordReason, string>>;

const seconds = (d: ErrorDetails): number => d.retryAfterSeconds ?? 1;

const WEAK: Readonly<Record<Exclude<Language, "en">, Reasons>> = {
  es: {
    too_short: "La contraseña es demasiado corta.",
    too_long: "La contraseña es demasiado larga.",
    invalid_characters: "La contraseña contiene caracteres no admitidos.",
    common: "Esta contraseña es demasiado común. Elige otra.",
    matches_email: "La contraseña no puede ser tu dirección de correo.",
  },
  de: {
    too_short: "Das Passwort ist zu kurz.",
    too_long: "Das Passwort ist zu lang.",
    invalid_characters: "Das Passwort enthält unzulässige Zeichen.",
    common: "Dieses Passwort ist zu verbreitet. Wählen Sie ein anderes.",
    matches_email: "Das Passwort darf nicht Ihre E-Mail-Adresse sein.",
  },
  fr: {
    too_short: "Le mot de passe est trop court.",
    too_long: "Le mot de passe est trop long.",
    invalid_characters: "Le mot de passe contient des caractères non autorisés.",
    common: "Ce mot de passe est trop courant. Choisissez-en un autre.",
    matches_email: "Le mot de passe ne peut pas être votre adresse e-mail.",
  },
  pt: {
    too_short: "A senha é muito curta.",
    too_long: "A senha é muito longa.",
    invalid_characters: "A senha contém caracteres não permitidos.",
    common: "Esta senha é muito comum. Escolha outra.",
    matches_email: "A senha não pode ser o seu endereço de e-mail.",
  },
};

const weak =
  (language: Exclude<Language, "en">): Sentence =>
  (d) =>
    WEAK[language][d.reason ?? "too_short"];

const TABLES: Readonly<Record<Exclude<Language, "en">, Table>> = {
  es: {
    invalid_request: (d) => (d.field === undefined ? "La solicitud no es válida." : `Revisa el campo «${d.field}».`),
    invalid_json: () => "El cuerpo de la solicitud no es un objeto JSON.",
    weak_password: weak("es"),
    invalid_code: () => "El código es incorrecto, ha caducado o ya se ha usado. Pide uno nuevo.",
    invalid_credentials: () => "El correo o la contraseña no son correctos.",
    invalid_mfa_token: () => "Este inicio de sesión ha caducado o ya se ha completado. Vuelve a iniciar sesión.",
    app_check_required: () => "Esta versión de la app no pudo demostrar que es auténtica. Actualízala o vuelve a intentarlo.",
    app_check_invalid: () => "La comprobación de autenticidad de la app ha fallado. Vuelve a intentarlo.",
    passkey_challenge_invalid: () => "Esta solicitud de llave de acceso ha caducado o ya se ha usado. Vuelve a intentarlo.",
    passkey_origin_mismatch: () => "Esta llave de acceso no se puede usar desde esta app o sitio.",
    passkey_rp_mismatch: () => "Esta llave de acceso pertenece a otra app o sitio.",
    passkey_counter_regressed: () => "Esta llave de acceso parece copiada y se ha rechazado. Usa otro método para iniciar sesión.",
    passkey_unknown: () => "Esta llave de acceso no está registrada aquí. Inicia sesión de otra forma.",
    passkey_invalid: () => "No se pudo verificar la llave de acceso. Vuelve a intentarlo.",
    recent_sign_in_required: () => "Vuelve a iniciar sesión para hacer esto (tu inicio de sesión tiene más de 10 minutos).",
    passkey_exists: () => "Esta llave de acceso ya está registrada.",
    invalid_refresh_token: () => "La sesión ha caducado o ha terminado. Vuelve a iniciar sesión.",
    refresh_token_reused: () => "Esta sesión ya no es válida. Vuelve a iniciar sesión.",
    unauthenticated: () => "Inicia sesión para continuar.",
    forbidden: () => "No tienes permiso para hacer esto.",
    email_not_verified: () => "Confirma tu dirección de correo: escribe el código que te hemos enviado.",
    second_factor_required: () =>
      "Esta cuenta está protegida con un segundo factor: escribe un código de tu app de autenticación o un código de recuperación.",
    not_found: () => "No se ha encontrado lo que buscas.",
    method_not_allowed: () => "Este método no se admite aquí.",
    email_exists: () => "Ya existe una cuenta con este correo.",
    mfa_already_enabled: () => "Ya hay un segundo factor activado en esta cuenta.",
    mfa_not_enabled: () => "Esta cuenta no tiene ningún segundo factor activado.",
    mfa_enrollment_expired: () =>
      "No hay ninguna configuración del autenticador que confirmar, o ha caducado. Vuelve a empezar la configuración.",
    payload_too_large: () => "La solicitud es demasiado grande.",
    too_many_requests: (d) => `Demasiados intentos. Vuelve a intentarlo dentro de ${seconds(d)} segundos.`,
    unsupported_media_type: () => "Envía la solicitud como JSON (Content-Type: application/json).",
    internal: () => "Algo ha fallado por nuestra parte. Inténtalo de nuevo más tarde.",
    unavailable: () => "El servicio no está disponible en este momento. Inténtalo de nuevo.",
  },
  de: {
    invalid_request: (d) => (d.field === undefined ? "Die Anfrage ist ungültig." : `Bitte prüfen Sie das Feld „${d.field}“.`),
    invalid_json: () => "Der Inhalt der Anfrage ist kein JSON-Objekt.",
    weak_password: weak("de"),
    invalid_code: () => "Der Code ist falsch, abgelaufen oder wurde schon verwendet. Fordern Sie einen neuen an.",
    invalid_credentials: () => "E-Mail-Adresse oder Passwort ist falsch.",
    invalid_mfa_token: () => "Diese Anmeldung ist abgelaufen oder wurde bereits abgeschlossen. Bitte melden Sie sich erneut an.",
    app_check_required: () =>
      "Diese App-Version konnte nicht nachweisen, dass sie echt ist. Aktualisieren Sie sie oder versuchen Sie es erneut.",
    app_check_invalid: () => "Die Echtheitsprüfung der App ist fehlgeschlagen. Bitte versuchen Sie es erneut.",
    passkey_challenge_invalid: () => "Diese Passkey-Anfrage ist abgelaufen oder wurde bereits verwendet. Bitte versuchen Sie es erneut.",
    passkey_origin_mismatch: () => "Dieser Passkey kann in dieser App oder auf dieser Website nicht verwendet werden.",
    passkey_rp_mismatch: () => "Dieser Passkey gehört zu einer anderen App oder Website.",
    passkey_counter_regressed: () => "Dieser Passkey scheint kopiert zu sein und wurde abgelehnt. Melden Sie sich auf andere Weise an.",
    passkey_unknown: () => "Dieser Passkey ist hier nicht registriert. Melden Sie sich auf andere Weise an.",
    passkey_invalid: () => "Der Passkey konnte nicht geprüft werden. Bitte versuchen Sie es erneut.",
    recent_sign_in_required: () => "Melden Sie sich dafür erneut an (Ihre Anmeldung ist älter als 10 Minuten).",
    passkey_exists: () => "Dieser Passkey ist bereits registriert.",
    invalid_refresh_token: () => "Die Sitzung ist abgelaufen oder beendet. Bitte melden Sie sich erneut an.",
    refresh_token_reused: () => "Diese Sitzung ist nicht mehr gültig. Bitte melden Sie sich erneut an.",
    unauthenticated: () => "Bitte melden Sie sich an, um fortzufahren.",
    forbidden: () => "Dazu sind Sie nicht berechtigt.",
    email_not_verified: () => "Bestätigen Sie Ihre E-Mail-Adresse: Geben Sie den Code ein, den wir Ihnen geschickt haben.",
    second_factor_required: () =>
      "Dieses Konto ist durch einen zweiten Faktor geschützt: Geben Sie einen Code aus Ihrer Authenticator-App oder einen Wiederherstellungscode ein.",
    not_found: () => "Das Gesuchte wurde nicht gefunden.",
    method_not_allowed: () => "Diese Methode wird hier nicht unterstützt.",
    email_exists: () => "Mit dieser E-Mail-Adresse gibt es bereits ein Konto.",
    mfa_already_enabled: () => "Für dieses Konto ist bereits ein zweiter Faktor aktiviert.",
    mfa_not_enabled: () => "Für dieses Konto ist kein zweiter Faktor aktiviert.",
    mfa_enrollment_expired: () =>
      "Es gibt keine Authenticator-Einrichtung zu bestätigen, oder sie ist abgelaufen. Bitte starten Sie die Einrichtung erneut.",
    payload_too_large: () => "Die Anfrage ist zu groß.",
    too_many_requests: (d) => `Zu viele Versuche. Bitte versuchen Sie es in ${seconds(d)} Sekunden erneut.`,
    unsupported_media_type: () => "Bitte senden Sie die Anfrage als JSON (Content-Type: application/json).",
    internal: () => "Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es später erneut.",
    unavailable: () => "Der Dienst ist gerade nicht erreichbar. Bitte versuchen Sie es erneut.",
  },
  fr: {
    invalid_request: (d) => (d.field === undefined ? "La requête n'est pas valide." : `Vérifiez le champ « ${d.field} ».`),
    invalid_json: () => "Le corps de la requête n'est pas un objet JSON.",
    weak_password: weak("fr"),
    invalid_code: () => "Le code est erroné, expiré ou déjà utilisé. Demandez-en un nouveau.",
    invalid_credentials: () => "L'adresse e-mail ou le mot de passe est incorrect.",
    invalid_mfa_token: () => "Cette connexion a expiré ou a déjà été effectuée. Reconnectez-vous.",
    app_check_required: () => "Cette version de l'app n'a pas pu prouver qu'elle est authentique. Mettez-la à jour ou réessayez.",
    app_check_invalid: () => "La vérification d'authenticité de l'app a échoué. Réessayez.",
    passkey_challenge_invalid: () => "Cette demande de clé d'accès a expiré ou a déjà été utilisée. Réessayez.",
    passkey_origin_mismatch: () => "Cette clé d'accès ne peut pas être utilisée depuis cette app ou ce site.",
    passkey_rp_mismatch: () => "Cette clé d'accès appartient à une autre app ou un autre site.",
    passkey_counter_regressed: () => "Cette clé d'accès semble copiée et a été refusée. Connectez-vous autrement.",
    passkey_unknown: () => "Cette clé d'accès n'est pas enregistrée ici. Connectez-vous autrement.",
    passkey_invalid: () => "La clé d'accès n'a pas pu être vérifiée. Réessayez.",
    recent_sign_in_required: () => "Reconnectez-vous pour faire ceci (votre connexion date de plus de 10 minutes).",
    passkey_exists: () => "Cette clé d'accès est déjà enregistrée.",
    invalid_refresh_token: () => "La session a expiré ou pris fin. Reconnectez-vous.",
    refresh_token_reused: () => "Cette session n'est plus valide. Reconnectez-vous.",
    unauthenticated: () => "Connectez-vous pour continuer.",
    forbidden: () => "Vous n'avez pas le droit de faire cela.",
    email_not_verified: () => "Confirmez votre adresse e-mail : saisissez le code que nous vous avons envoyé.",
    second_factor_required: () =>
      "Ce compte est protégé par un second facteur : saisissez un code de votre application d'authentification ou un code de récupération.",
    not_found: () => "L'élément demandé est introuvable.",
    method_not_allowed: () => "Cette méthode n'est pas acceptée ici.",
    email_exists: () => "Un compte existe déjà avec cette adresse e-mail.",
    mfa_already_enabled: () => "Un second facteur est déjà activé pour ce compte.",
    mfa_not_enabled: () => "Aucun second facteur n'est activé pour ce compte.",
    mfa_enrollment_expired: () =>
      "Il n'y a aucune configuration d'authentificateur à confirmer, ou elle a expiré. Recommencez la configuration.",
    payload_too_large: () => "La requête est trop volumineuse.",
    too_many_requests: (d) => `Trop de tentatives. Réessayez dans ${seconds(d)} secondes.`,
    unsupported_media_type: () => "Envoyez la requête en JSON (Content-Type: application/json).",
    internal: () => "Une erreur s'est produite de notre côté. Réessayez plus tard.",
    unavailable: () => "Le service est momentanément indisponible. Réessayez.",
  },
  pt: {
    invalid_request: (d) => (d.field === undefined ? "A solicitação não é válida." : `Verifique o campo "${d.field}".`),
    invalid_json: () => "O corpo da solicitação não é um objeto JSON.",
    weak_password: weak("pt"),
    invalid_code: () => "O código está errado, expirou ou já foi usado. Peça um novo.",
    invalid_credentials: () => "O e-mail ou a senha estão incorretos.",
    invalid_mfa_token: () => "Este acesso expirou ou já foi concluído. Entre novamente.",
    app_check_required: () => "Esta versão do app não conseguiu provar que é autêntica. Atualize-a ou tente novamente.",
    app_check_invalid: () => "A verificação de autenticidade do app falhou. Tente novamente.",
    passkey_challenge_invalid: () => "Este pedido de chave de acesso expirou ou já foi usado. Tente novamente.",
    passkey_origin_mismatch: () => "Esta chave de acesso não pode ser usada neste app ou site.",
    passkey_rp_mismatch: () => "Esta chave de acesso pertence a outro app ou site.",
    passkey_counter_regressed: () => "Esta chave de acesso parece copiada e foi recusada. Entre de outra forma.",
    passkey_unknown: () => "Esta chave de acesso não está registrada aqui. Entre de outra forma.",
    passkey_invalid: () => "Não foi possível verificar a chave de acesso. Tente novamente.",
    recent_sign_in_required: () => "Entre novamente para fazer isto (o seu acesso tem mais de 10 minutos).",
    passkey_exists: () => "Esta chave de acesso já está registrada.",
    invalid_refresh_token: () => "A sessão expirou ou foi encerrada. Entre novamente.",
    refresh_token_reused: () => "Esta sessão não é mais válida. Entre novamente.",
    unauthenticated: () => "Entre na sua conta para continuar.",
    forbidden: () => "Você não tem permissão para fazer isso.",
    email_not_verified: () => "Confirme o seu endereço de e-mail: digite o código que enviamos.",
    second_factor_required: () =>
      "Esta conta está protegida por um segundo fator: digite um código do seu aplicativo autenticador ou um código de recuperação.",
    not_found: () => "O que você procura não foi encontrado.",
    method_not_allowed: () => "Este método não é aceito aqui.",
    email_exists: () => "Já existe uma conta com este e-mail.",
    mfa_already_enabled: () => "Já existe um segundo fator ativado nesta conta.",
    mfa_not_enabled: () => "Esta conta não tem nenhum segundo fator ativado.",
    mfa_enrollment_expired: () => "Não há configuração do autenticador para confirmar, ou ela expirou. Comece a configuração novamente.",
    payload_too_large: () => "A solicitação é grande demais.",
    too_many_requests: (d) => `Muitas tentativas. Tente novamente em ${seconds(d)} segundos.`,
    unsupported_media_type: () => "Envie a solicitação como JSON (Content-Type: application/json).",
    internal: () => "Algo deu errado do nosso lado. Tente novamente mais tarde.",
    unavailable: () => "O serviço está indisponível no momento. Tente novamente.",
  },
};

/** The error's message in `language`: the code's own English sentence, or the table's. */
export function localizedMessage(error: AppError, language: Language): string {
  return language === "en" ? error.message : TABLES[language][error.code](error.details);
}

/** Every translated sentence of `code` (tests). */
export function translations(code: ErrorCode, details: ErrorDetails = {}): Readonly<Record<Exclude<Language, "en">, string>> {
  return { es: TABLES.es[code](details), de: TABLES.de[code](details), fr: TABLES.fr[code](details), pt: TABLES.pt[code](details) };
}
