import type { RouteTable } from "./handler.js";

/**
 * Every endpoint under the `auth` function. Route modules (and through them firebase-admin)
 * are loaded when first called, so a 404, 405 or 415 costs no SDK start-up.
 */
const account = () => import("./routes/account.js");

export const ROUTES: RouteTable = {
  "/signup": { POST: async (req) => (await import("./routes/signup.js")).signupRoute(req) },
  "/login": { POST: async (req) => (await import("./routes/login.js")).loginRoute(req) },
  "/refresh": { POST: async (req) => (await import("./routes/refresh.js")).refreshRoute(req.body) },
  "/logout": { POST: async (req) => (await import("./routes/logout.js")).logoutRoute(req.body) },
  "/me": {
    GET: async (req) => (await account()).getMeRoute(req),
    PATCH: async (req) => (await account()).updateMeRoute(req),
    POST: async (req) => (await account()).updateMeRoute(req),
    DELETE: async (req) => (await account()).deleteAccountRoute(req),
  },
  "/password/change": { POST: async (req) => (await account()).changePasswordRoute(req) },
  "/account/delete": { POST: async (req) => (await account()).deleteAccountRoute(req) },
  "/admin/users/:uid/role": { POST: async (req) => (await import("./routes/admin.js")).setRoleRoute(req) },
  "/admin/users/:uid/disable": { POST: async (req) => (await import("./routes/admin.js")).setDisabledRoute(req) },
};
