import type { RouteTable } from "./handler.js";

/**
 * Every endpoint under the `auth` function. Route modules (and through them firebase-admin)
 * are loaded when first called, so a 404, 405 or 415 costs no SDK start-up.
 */
export const ROUTES: RouteTable = {
  "/signup": {
    method: "POST",
    run: async (body) => (await import("./routes/signup.js")).signupRoute(body),
  },
  "/login": {
    method: "POST",
    run: async (body) => (await import("./routes/login.js")).loginRoute(body),
  },
  "/refresh": {
    method: "POST",
    run: async (body) => (await import("./routes/refresh.js")).refreshRoute(body),
  },
  "/logout": {
    method: "POST",
    run: async (body) => (await import("./routes/logout.js")).logoutRoute(body),
  },
};
