// Progressive enhancement only: every form on the site works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // A photo over the limit is refused here, before a long upload ends in a 413.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || input.type !== "file" || !input.hasAttribute("data-max-bytes")) { return; }
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var note = input.parentNode.querySelector(".js-size-error");
    if (note) { note.parentNode.removeChild(note); }
    input.classList.remove("is-invalid");
    var files = input.files || [];
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > max) {
        note = document.createElement("div");
        note.className = "invalid-feedback d-block js-size-error";
        note.setAttribute("role", "alert");
        note.textContent = input.getAttribute("data-too-large") || "";
        input.insertAdjacentElement("afterend", note);
        input.classList.add("is-invalid");
        input.value = "";
        return;
      }
    }
  });
  if (!window.jQuery || !jQuery.fn.modal) { return; }
  jQuery(function ($) {
    // A form that came back with errors is rendered open; turn it into a real modal.
    $(".modal.is-open").each(function () {
      $(this).removeClass("is-open").modal("show");
    });
    // Opened by its address (a link followed without JavaScript, or a bookmark).
    if (location.hash && /^#[\w-]+$/.test(location.hash)) {
      var target = $(location.hash);
      if (target.hasClass("modal")) { target.modal("show"); }
    }
    // Focus the first field when a form modal opens, so keyboard users land in it.
    $(".modal").on("shown.bs.modal", function () {
      // The field in error if there is one, else the first field.
      var first = $(this).find(".is-invalid").first();
      if (!first.length) { first = $(this).find("input:not([type=hidden]), textarea, select, button").first(); }
      if (first.length) { first.trigger("focus"); }
    });
  });
})();
