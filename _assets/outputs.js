/* Printed outputs: a table keeps its lines, other printed text wraps.
 *
 * book.css wraps printed output so that no number hides past the right edge of its box.  A
 * printed table (two or more lines whose words are aligned in columns by runs of spaces)
 * must not wrap, or its columns fall apart: it gets the class `lstm-edu-table`, which keeps
 * each line whole and lets the box scroll sideways on a narrow screen (the page itself never
 * scrolls sideways; the theme makes such a box reachable with the keyboard).  The same rule
 * is checked by tests/browser/test_legibility.py.
 */
(function () {
  "use strict";
  function isTable(text) {
    var aligned = text.split("\n").filter(function (line) { return /\S {2,}\S/.test(line); });
    return aligned.length >= 2;
  }
  function mark() {
    document.querySelectorAll("div.cell_output pre").forEach(function (pre) {
      if (isTable(pre.textContent)) pre.classList.add("lstm-edu-table");
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark);
  else mark();
})();
