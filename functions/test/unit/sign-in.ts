// login() and confirmPasswordReset() for tests of accounts without a second factor: the session
// they answer, and a failure (not a silent pass) when they answer `mfa_required` instead.
// second-factor.test.ts tests the `mfa_required` branch with the use cases themselves.
import { type AuthResult, isMfaRequired, type MfaRequired } from "../../src/domain/auth-result.js";
import { type LoginDeps, type LoginInput, login as loginOrChallenge } from "../../src/domain/login.js";
import { confirmPasswordReset as confirmOrChallenge, type PasswordResetDeps } from "../../src/domain/password-reset.js";

function session(result: AuthResult | MfaRequired): AuthResult {
  if (isMfaRequired(result)) throw new Error("expected a session, got mfa_required");
  return result;
}

export const login = async (input: LoginInput, deps: LoginDeps): Promise<AuthResult> => session(await loginOrChallenge(input, deps));

export const confirmPasswordReset = async (input: Parameters<typeof confirmOrChallenge>[0], deps: PasswordResetDeps): Promise<AuthResult> =>
  session(await confirmOrChallenge(input, deps));
