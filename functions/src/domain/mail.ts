// The mails this backend sends, in the user's language: a code to reset a password, to verify an
// address or to confirm a new one, and the notices that go with them. Each is a subject and a few
// paragraphs; the text and HTML bodies are made from the same paragraphs, so they never differ.
// The app's name (APP_NAME) is in every one. Delivery is the Mailer port's job (ports.ts).
import type { Language, MailMessage } from "./model.js";

export type MailKind =
  | "password_reset_code"
  | "password_reset_done"
  | "email_verification_code"
  | "email_change_code"
  | "email_change_notice";

export interface MailValues {
  readonly app: string;
  /** The 6-digit code (the *_code kinds). */
  readonly code?: string;
  /** How long the code works. */
  readonly minutes?: number;
  /** The address the account is moving to (email_change_notice). */
  readonly newEmail?: string;
}

interface Template {
  readonly subject: string;
  readonly paragraphs: readonly string[];
}

type Templates = Readonly<Record<MailKind, Template>>;

// {app}, {code}, {minutes} and {newEmail} are filled in; {code} is set apart in the HTML.
const TEMPLATES: Readonly<Record<Language, Templates>> = {
  en: {
    password_reset_code: {
      subject: "{app}: your password reset code",
      paragraphs: [
        "Your code to reset your {app} password is {code}",
        "It works once, for {minutes} minutes. If you did not ask for it, ignore this email: your password stays as it is.",
      ],
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
  },
  es: {
    password_reset_code: {
      subject: "{app}: tu código para restablecer la contraseña",
      paragraphs: [
        "Tu código para restablecer la contraseña de {app} es {code}",
        "Sirve una sola vez, durante {minutes} minutos. Si no lo has pedido, ignora este correo: tu contraseña no cambia.",
      ],
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
  },
  de: {
    password_reset_code: {
      subject: "{app}: Ihr Code zum Zurücksetzen des Passworts",
      paragraphs: [
        "Ihr Code zum Zurücksetzen Ihres {app}-Passworts lautet {code}",
        "Er gilt einmal und {minutes} Minuten lang. Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail: Ihr Passwort bleibt unverändert.",
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
  },
  fr: {
    password_reset_code: {
      subject: "{app} : votre code de réinitialisation du mot de passe",
      paragraphs: [
        "Votre code pour réinitialiser votre mot de passe {app} est {code}",
        "Il ne sert qu'une fois, pendant {minutes} minutes. Si vous ne l'avez pas demandé, ignorez cet e-mail : votre mot de passe ne change pas.",
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
  },
  pt: {
    password_reset_code: {
      subject: "{app}: o seu código para redefinir a palavra-passe",
      paragraphs: [
        "O seu código para redefinir a palavra-passe de {app} é {code}",
        "Funciona uma única vez, durante {minutes} minutos. Se não o pediu, ignore este e-mail: a sua palavra-passe não muda.",
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
  },
};

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

function fill(text: string, values: MailValues, code: (code: string) => string): string {
  return text.replace(/\{(app|code|minutes|newEmail)\}/g, (_, name: string) => {
    if (name === "code") return code(values.code ?? "");
    if (name === "minutes") return String(values.minutes ?? "");
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
