// Every endpoint under the `auth` function: path, method, who may call it, the body it takes, and
// the route function (http/routes/, one file per area) that calls the use case (domain/).
import type { RouteTable } from "./handler.js";
import { route } from "./route.js";
import { changePasswordRoute, deleteAccountRoute, getMeRoute, updateMeRoute } from "./routes/account.js";
import { setDisabledRoute, setRoleRoute } from "./routes/admin.js";
import { changeConfirmRoute, changeRequestRoute } from "./routes/email-change.js";
import { verifyConfirmRoute, verifyRequestRoute } from "./routes/email-verification.js";
import { resetConfirmRoute, resetRequestRoute } from "./routes/password-reset.js";
import { loginRoute, logoutRoute, refreshRoute, signupRoute } from "./routes/sessions.js";
import {
  ChangePasswordBody,
  CodeBody,
  DeleteAccountBody,
  DisableBody,
  EmailChangeRequestBody,
  LoginBody,
  LogoutBody,
  NoBody,
  RefreshBody,
  ResetConfirmBody,
  ResetRequestBody,
  RoleBody,
  SignupBody,
  UpdateMeBody,
} from "./schemas.js";

const updateMe = route({ auth: "token", body: UpdateMeBody, run: updateMeRoute });
// A retry after a lost answer comes with the token the act itself ended (domain/account.ts).
const deleteAccount = route({ auth: "token", acceptEnded: ["user_deleted"], body: DeleteAccountBody, run: deleteAccountRoute });

export const ROUTES: RouteTable = {
  "/signup": { POST: route({ auth: "none", body: SignupBody, run: signupRoute }) },
  "/login": { POST: route({ auth: "none", body: LoginBody, run: loginRoute }) },
  "/refresh": { POST: route({ auth: "none", body: RefreshBody, run: refreshRoute }) },
  "/logout": { POST: route({ auth: "none", body: LogoutBody, run: logoutRoute }) },
  "/me": {
    GET: route({ auth: "token", body: NoBody, run: getMeRoute }),
    PATCH: updateMe,
    POST: updateMe,
    DELETE: deleteAccount,
  },
  "/password/reset/request": { POST: route({ auth: "none", body: ResetRequestBody, run: resetRequestRoute }) },
  "/password/reset/confirm": { POST: route({ auth: "none", body: ResetConfirmBody, run: resetConfirmRoute }) },
  "/email/verify/request": { POST: route({ auth: "token", body: NoBody, run: verifyRequestRoute }) },
  "/email/verify/confirm": { POST: route({ auth: "token", body: CodeBody, run: verifyConfirmRoute }) },
  "/email/change/request": { POST: route({ auth: "token", body: EmailChangeRequestBody, run: changeRequestRoute }) },
  "/email/change/confirm": { POST: route({ auth: "token", body: CodeBody, run: changeConfirmRoute }) },
  "/password/change": { POST: route({ auth: "token", acceptEnded: ["revoked"], body: ChangePasswordBody, run: changePasswordRoute }) },
  "/account/delete": { POST: deleteAccount },
  "/admin/users/:uid/role": { POST: route({ auth: "admin", body: RoleBody, run: setRoleRoute }) },
  "/admin/users/:uid/disable": { POST: route({ auth: "admin", body: DisableBody, run: setDisabledRoute }) },
};
