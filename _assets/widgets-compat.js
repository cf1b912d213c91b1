/*
 * Glue between the embedded ipywidgets manager and sphinx-book-theme.
 * Loaded on widget pages only, after require.js and before embed-amd.js
 * (see nb_ipywidgets_js in _config.yml). It fixes three problems:
 *
 * 1. embed-amd.js loads its icon fonts relative to the AMD module path, which
 *    would resolve next to the page; point those module ids at the vendored
 *    folder _static/widgets instead.
 * 2. @jupyter-widgets/controls typesets labels through the MathJax 2 API
 *    (MathJax.Hub.Queue); the book loads MathJax 3, so provide that entry point
 *    and forward it to MathJax 3's typesetPromise.
 * 3. The theme's FontAwesome script swaps <i class="fa"> for <svg>, and the Play
 *    widget then fails to update its icon; rebuild the <i> on every change.
 */
(function () {
  "use strict";

  var contentRoot = document.documentElement.dataset.content_root || "./";
  var widgetsDir = contentRoot + "_static/widgets";

  if (window.require && window.require.config) {
    window.require.config({
      paths: {
        "@jupyter-widgets/html-manager/dist": widgetsDir,
        "@jupyter-widgets": widgetsDir,
      },
    });
  }

  function installMathJax2Shim() {
    var mj = window.MathJax;
    if (!mj || mj.Hub) return;
    mj.Hub = {
      Queue: function (job) {
        var element = job && job[2];
        if (typeof window.MathJax.typesetPromise === "function") {
          window.MathJax.typesetPromise(element ? [element] : undefined).catch(function () {});
        }
      },
    };
  }
  installMathJax2Shim();
  document.addEventListener("DOMContentLoaded", installMathJax2Shim);
  window.addEventListener("load", installMathJax2Shim);

  window.addEventListener("load", function () {
    if (!window.require) return;
    window.require(["@jupyter-widgets/controls"], function (controls) {
      var play = controls && controls.PlayView && controls.PlayView.prototype;
      if (!play) return;
      play.updatePlaying = function () {
        var icon = this.model.get("playing") ? "fa-pause" : "fa-play";
        this.playPauseButton.innerHTML = '<i class="fa ' + icon + '"></i>';
      };
    });
  });
})();
