/* Accessibility repairs to the theme's own buttons (pydata-sphinx-theme 0.17), found by axe-core
 * (tests/browser/test_accessibility.py).  WCAG 2.5.3 "label in name": a control's accessible
 * name must contain the text it shows, so that a speech-input user can say what they see.
 *
 * - The search button shows "Search Ctrl+K" but is named "Search": its name now includes the
 *   shortcut (and aria-keyshortcuts announces it).
 * - The colour-mode button's icons carry titles ("Light", "Dark", "System Settings") that
 *   FontAwesome turns into SVG titles, so the button "shows" a text its name "Color mode"
 *   lacks: the icons are decoration, the name says what the button does.
 * - myst-nb's "Show code cell source" toggles are named "Toggle hidden content": the label is
 *   dropped, so the name is the text the reader sees.
 *
 * And one structural repair: Sphinx marks each bibliography entry with the ARIA role
 * doc-biblioentry, deprecated since DPUB-ARIA 1.1, inside a role="list"; a list must hold list
 * items (axe: aria-required-children, critical), so the entries become role="listitem".
 */
(function () {
  "use strict";
  function repair() {
    document.querySelectorAll(".search-button__button").forEach(function (button) {
      var shown = button.textContent.replace(/\s+/g, " ").trim();   // "Search Ctrl+K"
      if (shown) button.setAttribute("aria-label", shown);
      if (button.querySelector("kbd")) button.setAttribute("aria-keyshortcuts", "Control+K");
    });
    document.querySelectorAll('summary[aria-label="Toggle hidden content"]').forEach(function (summary) {
      if (summary.textContent.trim()) summary.removeAttribute("aria-label");
    });
    document.querySelectorAll('[role="doc-biblioentry"]').forEach(function (entry) {
      entry.setAttribute("role", "listitem");
    });
    document.querySelectorAll(".theme-switch-button").forEach(function (button) {
      button.querySelectorAll("[title]").forEach(function (el) { el.removeAttribute("title"); });
      button.querySelectorAll("svg").forEach(function (svg) {
        svg.querySelectorAll("title").forEach(function (t) { t.remove(); });
        svg.removeAttribute("aria-labelledby");
        svg.removeAttribute("role");
        svg.setAttribute("aria-hidden", "true");
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", repair);
  else repair();
  // FontAwesome may replace the <i> icons with <svg> after this ran: repair again then.
  window.addEventListener("load", repair);
  if (window.MutationObserver) {
    var pending = false;
    new MutationObserver(function () {
      if (pending) return;
      pending = true;
      setTimeout(function () { pending = false; repair(); }, 50);
    }).observe(document.documentElement, { childList: true, subtree: true });
  }
})();
