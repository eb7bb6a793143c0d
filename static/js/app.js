/* Small behaviours of every page, without inline script (the pages run
 * under a strict Content-Security-Policy):
 *   <select data-autosubmit>      submits its form when changed;
 *   <button data-confirm="…">     asks before its form is submitted;
 *   <button data-print>           prints the page. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest ? event.target.closest("[data-confirm], [data-print]") : null;
    if (!el) {
      return;
    }
    if (el.hasAttribute("data-print")) {
      window.print();
      return;
    }
    if (!window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
