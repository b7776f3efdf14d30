// The public pages' small enhancements; every page works without this file.
(function () {
  "use strict";
  // The showcase's sort menu applies at once.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.submit(); }
    });
  });
  // Buttons that ask before they act (delete a comment).
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // Open the tab named by the address (#reviews, #comment-12) and keep the address in step.
  if (!window.jQuery || !jQuery.fn.tab) { return; }
  jQuery(function ($) {
    var hash = location.hash;
    if (hash && /^#[\w-]+$/.test(hash)) {
      var target = $(hash);
      var pane = target.hasClass("tab-pane") ? target : target.closest(".tab-pane");
      if (pane.length) {
        $('a[data-toggle="tab"][href="#' + pane.attr("id") + '"]').tab("show");
        if (!target.hasClass("tab-pane")) { target[0].scrollIntoView(); }
      }
    }
    $('a[data-toggle="tab"]').on("shown.bs.tab", function (event) {
      if (history.replaceState) { history.replaceState(null, "", event.target.getAttribute("href")); }
    });
  });
})();
