// The mails this backend sends, in the user's language: a code to reset a password, to verify an
// address or to confirm a new one, the notices that go with them, and the second factor's notices
// (turned on, turned off, a recovery code used). Each is a subject and a few paragraphs; the
// text and HTML bodies are made from the same paragraphs, so they never differ.
// The app's name (APP_NAME) is in every one. Delivery is the Mailer port's job (ports.ts).
import type { Language, MailMessage } from "./model.js";

export type MailKind =
  | "password_reset_code"
  | "login_code"
  | "password_reset_done"
  | "email_verification_code"
  | "email_change_code"
  | "email_change_notice"
  | "mfa_enabled"
  | "mfa_disabled"
  | "recovery_code_used"
  | "recovery_codes_renewed"
  | "passkey_added"
  | "passkey_removed";

export interface MailValues {
  readonly app: string;
  /** The 6-digit code (the *_code kinds). */
  readonly code?: string;
  /** How long the code works. */
  readonly minutes?: number;
  /** The address the account is moving to (email_change_notice). */
  readonly newEmail?: string;
  /** Recovery codes left (recovery_code_used). */
  readonly remaining?: number;
}

interface Template {
  readonly subject: string;
  readonly paragraphs: readonly string[];
}

type Templates = Readonly<Record<MailKind, Template>>;

// {app}, {code}, {minutes}, {newEmail} and {remaining} are filled in; {code} is set apart in the HTML.
const TEMPLATES: Readonly<Record<Language, Templates>> = {
  en: {
    password_reset_code: {
      subject: "{app}: your password reset code",
      paragraphs: [
        "Your code to reset your {app} password is {code}",
        "It works once, for {minutes} minutes. If you did not ask for it, ignore this email: your password stays as it is.",
      ],
    },
    login_code: {
      subject: "{app}: your sign-in code",
      paragraphs: [
        "Your code to sign in to {app} is {code}",
        "It works once, for {minutes} minutes. If you did not ask for it, ignore this email: no one can sign in without it.",
      ],
    },
    passkey_added: {
      subject: "{app}: a passkey was added to your account",
      paragraphs: [
        "A passkey was just added to your {app} account: it signs in without a password.",
        "If this was not you, reset your password now: a reset removes every passkey of the account.",
      ],
    },
    passkey_removed: {
      subject: "{app}: a passkey was removed from your account",
      paragraphs: ["A passkey was just removed from your {app} account.", "If this was not you, reset your password now."],
    },
    password_reset_done: {
      subject: "{app}: your password was reset",
      paragraphs: [
        "The password of your {app} account was just reset, and every device was signed out.",
        "If this was not you, reset your password again now.",
      ],
    },
    email_verification_code: {
      subject: "{app}: your verification code",
      paragraphs: ["Your code to verify this email address for {app} is {code}", "It works once, for {minutes} minutes."],
    },
    email_change_code: {
      subject: "{app}: confirm your new email address",
      paragraphs: [
        "Your code to make this the email address of your {app} account is {code}",
        "It works once, for {minutes} minutes. If you did not ask for it, ignore this email.",
      ],
    },
    email_change_notice: {
      subject: "{app}: your email address is being changed",
      paragraphs: [
        "Someone signed in to your {app} account asked to change its email address to {newEmail}.",
        "If this was you, there is nothing else to do. If it was not, change your password now.",
      ],
    },
    mfa_enabled: {
      subject: "{app}: two-step sign-in was turned on",
      paragraphs: [
        "Two-step sign-in with an authenticator app was just turned on for your {app} account.",
        "If this was you, there is nothing else to do. If it was not, change your password now.",
      ],
    },
    mfa_disabled: {
      subject: "{app}: two-step sign-in was turned off",
      paragraphs: [
        "Two-step sign-in was just turned off for your {app} account, by you or by an administrator at your request.",
        "If this was not you, reset your password now and contact {app} support.",
      ],
    },
    recovery_code_used: {
      subject: "{app}: a recovery code was used",
      paragraphs: [
        "A recovery code was just used to sign in to your {app} account or to confirm a change to it. Recovery codes left: {remaining}.",
        "If only a few are left, make new ones in the app's settings. If this was not you, reset your password now, then turn two-step sign-in off and on again.",
      ],
    },
    recovery_codes_renewed: {
      subject: "{app}: your recovery codes were replaced",
      paragraphs: [
        "New recovery codes were just made for your {app} account; the ones you saved before no longer work.",
        "If this was not you, reset your password now, then turn two-step sign-in off and on again.",
      ],
    },
  },
  es: {
    password_reset_code: {
      subject: "{app}: tu código para restablecer la contraseña",
      paragraphs: [
        "Tu código para restablecer la contraseña de {app} es {code}",
        "Sirve una sola vez, durante {minutes} minutos. Si no lo has pedido, ignora este correo: tu contraseña no cambia.",
      ],
    },
    login_code: {
      subject: "{app}: tu código para iniciar sesión",
      paragraphs: [
        "Tu código para iniciar sesión en {app} es {code}",
        "Sirve una sola vez, durante {minutes} minutos. Si no lo has pedido, ignora este correo: nadie puede iniciar sesión sin él.",
      ],
    },
    passkey_added: {
      subject: "{app}: se añadió una llave de acceso a tu cuenta",
      paragraphs: [
        "Se acaba de añadir una llave de acceso a tu cuenta de {app}: permite iniciar sesión sin contraseña.",
        "Si no has sido tú, restablece tu contraseña ahora: el restablecimiento elimina todas las llaves de acceso de la cuenta.",
      ],
    },
    passkey_removed: {
      subject: "{app}: se eliminó una llave de acceso de tu cuenta",
      paragraphs: ["Se acaba de eliminar una llave de acceso de tu cuenta de {app}.", "Si no has sido tú, restablece tu contraseña ahora."],
    },
    password_reset_done: {
      subject: "{app}: se ha restablecido tu contraseña",
      paragraphs: [
        "Se acaba de restablecer la contraseña de tu cuenta de {app} y se ha cerrado la sesión en todos los dispositivos.",
        "Si no has sido tú, restablece tu contraseña de nuevo ahora.",
      ],
    },
    email_verification_code: {
      subject: "{app}: tu código de verificación",
      paragraphs: [
        "Tu código para verificar esta dirección de correo en {app} es {code}",
        "Sirve una sola vez, durante {minutes} minutos.",
      ],
    },
    email_change_code: {
      subject: "{app}: confirma tu nueva dirección de correo",
      paragraphs: [
        "Tu código para que esta sea la dirección de correo de tu cuenta de {app} es {code}",
        "Sirve una sola vez, durante {minutes} minutos. Si no lo has pedido, ignora este correo.",
      ],
    },
    email_change_notice: {
      subject: "{app}: se está cambiando tu dirección de correo",
      paragraphs: [
        "Alguien con sesión iniciada en tu cuenta de {app} ha pedido cambiar su dirección de correo a {newEmail}.",
        "Si has sido tú, no tienes que hacer nada más. Si no, cambia tu contraseña ahora.",
      ],
    },
    mfa_enabled: {
      subject: "{app}: se ha activado el inicio de sesión en dos pasos",
      paragraphs: [
        "Se acaba de activar el inicio de sesión en dos pasos con una app de autenticación en tu cuenta de {app}.",
        "Si has sido tú, no tienes que hacer nada más. Si no, cambia tu contraseña ahora.",
      ],
    },
    mfa_disabled: {
      subject: "{app}: se ha desactivado el inicio de sesión en dos pasos",
      paragraphs: [
        "Se acaba de desactivar el inicio de sesión en dos pasos en tu cuenta de {app}, por ti o por un administrador a petición tuya.",
        "Si no has sido tú, restablece tu contraseña ahora y ponte en contacto con el soporte de {app}.",
      ],
    },
    recovery_code_used: {
      subject: "{app}: se ha usado un código de recuperación",
      paragraphs: [
        "Se acaba de usar un código de recuperación para iniciar sesión en tu cuenta de {app} o para confirmar un cambio en ella. Códigos de recuperación restantes: {remaining}.",
        "Si te quedan pocos, crea otros nuevos en los ajustes de la app. Si no has sido tú, restablece tu contraseña ahora y después desactiva y vuelve a activar el inicio de sesión en dos pasos.",
      ],
    },
    recovery_codes_renewed: {
      subject: "{app}: se han sustituido tus códigos de recuperación",
      paragraphs: [
        "Se acaban de crear nuevos códigos de recuperación para tu cuenta de {app}; los que guardaste antes ya no sirven.",
        "Si no has sido tú, restablece tu contraseña ahora y después desactiva y vuelve a activar el inicio de sesión en dos pasos.",
      ],
    },
  },
  de: {
    password_reset_code: {
      subject: "{app}: Ihr Code zum Zurücksetzen des Passworts",
      paragraphs: [
        "Ihr Code zum Zurücksetzen Ihres {app}-Passworts lautet {code}",
        "Er gilt einmal und {minutes} Minuten lang. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.",
      ],
    },
    login_code: {
      subject: "{app}: Ihr Anmeldecode",
      paragraphs: [
        "Ihr Code für die Anmeldung bei {app} lautet {code}",
        "Er gilt einmal und {minutes} Minuten lang. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail: Ohne ihn kann sich niemand anmelden.",
      ],
    },
    passkey_added: {
      subject: "{app}: Ihrem Konto wurde ein Passkey hinzugefügt",
      paragraphs: [
        "Ihrem {app}-Konto wurde soeben ein Passkey hinzugefügt: Er meldet ohne Passwort an.",
        "Wenn Sie das nicht waren, setzen Sie jetzt Ihr Passwort zurück: Das entfernt alle Passkeys des Kontos.",
      ],
    },
    passkey_removed: {
      subject: "{app}: ein Passkey wurde aus Ihrem Konto entfernt",
      paragraphs: [
        "Aus Ihrem {app}-Konto wurde soeben ein Passkey entfernt.",
        "Wenn Sie das nicht waren, setzen Sie jetzt Ihr Passwort zurück.",
      ],
    },
    password_reset_done: {
      subject: "{app}: Ihr Passwort wurde zurückgesetzt",
      paragraphs: [
        "Das Passwort Ihres {app}-Kontos wurde soeben zurückgesetzt, und alle Geräte wurden abgemeldet.",
        "Wenn Sie das nicht waren, setzen Sie Ihr Passwort jetzt erneut zurück.",
      ],
    },
    email_verification_code: {
      subject: "{app}: Ihr Bestätigungscode",
      paragraphs: ["Ihr Code zur Bestätigung dieser E-Mail-Adresse für {app} lautet {code}", "Er gilt einmal und {minutes} Minuten lang."],
    },
    email_change_code: {
      subject: "{app}: Bestätigen Sie Ihre neue E-Mail-Adresse",
      paragraphs: [
        "Ihr Code, um diese Adresse zur E-Mail-Adresse Ihres {app}-Kontos zu machen, lautet {code}",
        "Er gilt einmal und {minutes} Minuten lang. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail.",
      ],
    },
    email_change_notice: {
      subject: "{app}: Ihre E-Mail-Adresse wird geändert",
      paragraphs: [
        "Jemand, der in Ihrem {app}-Konto angemeldet ist, hat die Änderung der E-Mail-Adresse zu {newEmail} angefordert.",
        "Wenn Sie das waren, ist nichts weiter zu tun. Wenn nicht, ändern Sie jetzt Ihr Passwort.",
      ],
    },
    mfa_enabled: {
      subject: "{app}: Die Anmeldung in zwei Schritten wurde aktiviert",
      paragraphs: [
        "Für Ihr {app}-Konto wurde soeben die Anmeldung in zwei Schritten mit einer Authenticator-App aktiviert.",
        "Wenn Sie das waren, ist nichts weiter zu tun. Wenn nicht, ändern Sie jetzt Ihr Passwort.",
      ],
    },
    mfa_disabled: {
      subject: "{app}: Die Anmeldung in zwei Schritten wurde deaktiviert",
      paragraphs: [
        "Für Ihr {app}-Konto wurde soeben die Anmeldung in zwei Schritten deaktiviert, von Ihnen selbst oder auf Ihren Wunsch von einem Administrator.",
        "Wenn Sie das nicht waren, setzen Sie Ihr Passwort jetzt zurück und wenden Sie sich an den Support von {app}.",
      ],
    },
    recovery_code_used: {
      subject: "{app}: Ein Wiederherstellungscode wurde verwendet",
      paragraphs: [
        "Soeben wurde ein Wiederherstellungscode verwendet, um sich bei Ihrem {app}-Konto anzumelden oder eine Änderung daran zu bestätigen. Verbleibende Wiederherstellungscodes: {remaining}.",
        "Wenn nur noch wenige übrig sind, erstellen Sie in den Einstellungen der App neue. Wenn Sie das nicht waren, setzen Sie Ihr Passwort jetzt zurück und deaktivieren Sie dann die Anmeldung in zwei Schritten und aktivieren Sie sie erneut.",
      ],
    },
    recovery_codes_renewed: {
      subject: "{app}: Ihre Wiederherstellungscodes wurden ersetzt",
      paragraphs: [
        "Für Ihr {app}-Konto wurden soeben neue Wiederherstellungscodes erstellt; die zuvor gespeicherten gelten nicht mehr.",
        "Wenn Sie das nicht waren, setzen Sie Ihr Passwort jetzt zurück und deaktivieren Sie dann die Anmeldung in zwei Schritten und aktivieren Sie sie erneut.",
      ],
    },
  },
  fr: {
    password_reset_code: {
      subject: "{app} : votre code de réinitialisation du mot de passe",
      paragraphs: [
        "Votre code pour réinitialiser votre mot de passe {app} est {code}",
        "Il ne sert qu'une fois, pendant {minutes} minutes. Si vous ne l'avez pas demandé, ignorez cet e-mail : votre mot de passe ne change pas.",
      ],
    },
    login_code: {
      subject: "{app} : votre code de connexion",
      paragraphs: [
        "Votre code pour vous connecter à {app} est {code}",
        "Il ne sert qu'une fois, pendant {minutes} minutes. Si vous ne l'avez pas demandé, ignorez cet e-mail : personne ne peut se connecter sans lui.",
      ],
    },
    passkey_added: {
      subject: "{app} : une clé d'accès a été ajoutée à votre compte",
      paragraphs: [
        "Une clé d'accès vient d'être ajoutée à votre compte {app} : elle permet de se connecter sans mot de passe.",
        "Si ce n'était pas vous, réinitialisez votre mot de passe maintenant : la réinitialisation supprime toutes les clés d'accès du compte.",
      ],
    },
    passkey_removed: {
      subject: "{app} : une clé d'accès a été supprimée de votre compte",
      paragraphs: [
        "Une clé d'accès vient d'être supprimée de votre compte {app}.",
        "Si ce n'était pas vous, réinitialisez votre mot de passe maintenant.",
      ],
    },
    password_reset_done: {
      subject: "{app} : votre mot de passe a été réinitialisé",
      paragraphs: [
        "Le mot de passe de votre compte {app} vient d'être réinitialisé, et tous les appareils ont été déconnectés.",
        "Si ce n'était pas vous, réinitialisez à nouveau votre mot de passe dès maintenant.",
      ],
    },
    email_verification_code: {
      subject: "{app} : votre code de vérification",
      paragraphs: [
        "Votre code pour vérifier cette adresse e-mail pour {app} est {code}",
        "Il ne sert qu'une fois, pendant {minutes} minutes.",
      ],
    },
    email_change_code: {
      subject: "{app} : confirmez votre nouvelle adresse e-mail",
      paragraphs: [
        "Votre code pour faire de cette adresse l'adresse e-mail de votre compte {app} est {code}",
        "Il ne sert qu'une fois, pendant {minutes} minutes. Si vous ne l'avez pas demandé, ignorez cet e-mail.",
      ],
    },
    email_change_notice: {
      subject: "{app} : votre adresse e-mail est en cours de modification",
      paragraphs: [
        "Une personne connectée à votre compte {app} a demandé à remplacer son adresse e-mail par {newEmail}.",
        "Si c'était vous, vous n'avez rien d'autre à faire. Sinon, changez votre mot de passe dès maintenant.",
      ],
    },
    mfa_enabled: {
      subject: "{app} : la connexion en deux étapes a été activée",
      paragraphs: [
        "La connexion en deux étapes avec une application d'authentification vient d'être activée sur votre compte {app}.",
        "Si c'était vous, vous n'avez rien d'autre à faire. Sinon, changez votre mot de passe dès maintenant.",
      ],
    },
    mfa_disabled: {
      subject: "{app} : la connexion en deux étapes a été désactivée",
      paragraphs: [
        "La connexion en deux étapes vient d'être désactivée sur votre compte {app}, par vous ou par un administrateur à votre demande.",
        "Si ce n'était pas vous, réinitialisez votre mot de passe dès maintenant et contactez le support de {app}.",
      ],
    },
    recovery_code_used: {
      subject: "{app} : un code de récupération a été utilisé",
      paragraphs: [
        "Un code de récupération vient d'être utilisé pour vous connecter à votre compte {app} ou pour y confirmer une modification. Codes de récupération restants : {remaining}.",
        "S'il vous en reste peu, créez-en de nouveaux dans les réglages de l'application. Si ce n'était pas vous, réinitialisez votre mot de passe dès maintenant, puis désactivez et réactivez la connexion en deux étapes.",
      ],
    },
    recovery_codes_renewed: {
      subject: "{app} : vos codes de récupération ont été remplacés",
      paragraphs: [
        "De nouveaux codes de récupération viennent d'être créés pour votre compte {app} ; ceux que vous aviez enregistrés ne fonctionnent plus.",
        "Si ce n'était pas vous, réinitialisez votre mot de passe dès maintenant, puis désactivez et réactivez la connexion en deux étapes.",
      ],
    },
  },
  pt: {
    password_reset_code: {
      subject: "{app}: o seu código para redefinir a palavra-passe",
      paragraphs: [
        "O seu código para redefinir a palavra-passe de {app} é {code}",
        "Funciona uma única vez, durante {minutes} minutos. Se não o pediu, ignore este e-mail: a sua palavra-passe não muda.",
      ],
    },
    login_code: {
      subject: "{app}: o seu código de acesso",
      paragraphs: [
        "O seu código para entrar em {app} é {code}",
        "Funciona uma única vez, durante {minutes} minutos. Se não o pediu, ignore este e-mail: ninguém pode entrar sem ele.",
      ],
    },
    passkey_added: {
      subject: "{app}: foi adicionada uma chave de acesso à sua conta",
      paragraphs: [
        "Acabou de ser adicionada uma chave de acesso à sua conta {app}: permite entrar sem palavra-passe.",
        "Se não foi você, redefina a sua palavra-passe agora: a redefinição remove todas as chaves de acesso da conta.",
      ],
    },
    passkey_removed: {
      subject: "{app}: foi removida uma chave de acesso da sua conta",
      paragraphs: [
        "Acabou de ser removida uma chave de acesso da sua conta {app}.",
        "Se não foi você, redefina a sua palavra-passe agora.",
      ],
    },
    password_reset_done: {
      subject: "{app}: a sua palavra-passe foi redefinida",
      paragraphs: [
        "A palavra-passe da sua conta de {app} acabou de ser redefinida, e todos os dispositivos foram desligados da sessão.",
        "Se não foi você, redefina a palavra-passe novamente agora.",
      ],
    },
    email_verification_code: {
      subject: "{app}: o seu código de verificação",
      paragraphs: [
        "O seu código para verificar este endereço de e-mail em {app} é {code}",
        "Funciona uma única vez, durante {minutes} minutos.",
      ],
    },
    email_change_code: {
      subject: "{app}: confirme o seu novo endereço de e-mail",
      paragraphs: [
        "O seu código para tornar este o endereço de e-mail da sua conta de {app} é {code}",
        "Funciona uma única vez, durante {minutes} minutos. Se não o pediu, ignore este e-mail.",
      ],
    },
    email_change_notice: {
      subject: "{app}: o seu endereço de e-mail está a ser alterado",
      paragraphs: [
        "Alguém com sessão iniciada na sua conta de {app} pediu para alterar o endereço de e-mail para {newEmail}.",
        "Se foi você, não precisa de fazer mais nada. Caso contrário, altere a sua palavra-passe agora.",
      ],
    },
    mfa_enabled: {
      subject: "{app}: o início de sessão em dois passos foi ativado",
      paragraphs: [
        "O início de sessão em dois passos com uma aplicação de autenticação acabou de ser ativado na sua conta de {app}.",
        "Se foi você, não precisa de fazer mais nada. Caso contrário, altere a sua palavra-passe agora.",
      ],
    },
    mfa_disabled: {
      subject: "{app}: o início de sessão em dois passos foi desativado",
      paragraphs: [
        "O início de sessão em dois passos acabou de ser desativado na sua conta de {app}, por si ou por um administrador a seu pedido.",
        "Se não foi você, redefina a palavra-passe agora e contacte o suporte de {app}.",
      ],
    },
    recovery_code_used: {
      subject: "{app}: foi usado um código de recuperação",
      paragraphs: [
        "Acabou de ser usado um código de recuperação para iniciar sessão na sua conta de {app} ou para confirmar uma alteração nela. Códigos de recuperação restantes: {remaining}.",
        "Se restarem poucos, crie novos nas definições da aplicação. Se não foi você, redefina a palavra-passe agora e, depois, desative e volte a ativar o início de sessão em dois passos.",
      ],
    },
    recovery_codes_renewed: {
      subject: "{app}: os seus códigos de recuperação foram substituídos",
      paragraphs: [
        "Acabaram de ser criados novos códigos de recuperação para a sua conta de {app}; os que guardou antes deixaram de funcionar.",
        "Se não foi você, redefina a palavra-passe agora e, depois, desative e volte a ativar o início de sessão em dois passos.",
      ],
    },
  },
};

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

function fill(text: string, values: MailValues, code: (code: string) => string): string {
  return text.replace(/\{(app|code|minutes|newEmail|remaining)\}/g, (_, name: string) => {
    if (name === "code") return code(values.code ?? "");
    if (name === "minutes") return String(values.minutes ?? "");
    if (name === "remaining") return String(values.remaining ?? "");
    return name === "app" ? values.app : (values.newEmail ?? "");
  });
}

/** The mail of `kind` to `to`, in `language`: subject, plain text, and HTML made from the same words. */
export function renderMail(kind: MailKind, language: Language, to: string, values: MailValues): MailMessage {
  const template = TEMPLATES[language][kind];
  const subject = fill(template.subject, values, (c) => c);
  const text = template.paragraphs.map((p) => fill(p, values, (c) => c)).join("\n\n");
  const html = template.paragraphs
    .map(
      (p) =>
        `<p>${fill(escapeHtml(p), { ...values, app: escapeHtml(values.app), newEmail: escapeHtml(values.newEmail ?? "") }, (c) => `<strong style="font-size:1.5em;letter-spacing:0.2em">${escapeHtml(c)}</strong>`)}</p>`,
    )
    .join("\n");
  return { to, subject, text, html: `<!doctype html>\n<html lang="${language}"><body>\n${html}\n</body></html>` };
}
