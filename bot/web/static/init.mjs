// Starts GOV.UK Frontend's components. A static module file, not an inline script, so the
// Content-Security-Policy can forbid inline script entirely.
import { initAll } from "./govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
