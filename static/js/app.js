// Progressive enhancement only: every form on the site works without this file.
// Small vanilla replacements for what Bootstrap's JavaScript did (modals, tabs, the
// navbar toggler), so the public pages load no jQuery, Popper or bootstrap.min.js.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

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

  function byHash(hash) {
    if (!hash || !/^#[\w-]+$/.test(hash)) { return null; }
    return document.getElementById(hash.slice(1));
  }

  // ------------------------------------------------------------------ modals
  var FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
  var openModal = null;
  var opener = null;
  var backdrop = null;

  function focusables(modal) {
    return Array.prototype.filter.call(modal.querySelectorAll(FOCUSABLE), function (el) {
      return el.offsetWidth || el.offsetHeight || el.getClientRects().length;
    });
  }

  function showModal(modal, from) {
    if (openModal && openModal !== modal) { hideModal(openModal, true); }
    opener = from || document.activeElement;
    modal.classList.remove("is-open");
    modal.style.display = "block";
    modal.removeAttribute("aria-hidden");
    document.body.classList.add("modal-open");
    if (!backdrop) {
      backdrop = document.createElement("div");
      backdrop.className = "modal-backdrop fade show";
      document.body.appendChild(backdrop);
    }
    openModal = modal;
    modal.scrollTop = 0;
    void modal.offsetWidth; // start the fade from the hidden state
    modal.classList.add("show");
    var first = modal.querySelector(".is-invalid") || focusables(modal.querySelector(".modal-body") || modal)[0];
    if (first) { first.focus(); }
  }

  function hideModal(modal, keepBackdrop) {
    modal.classList.remove("show", "is-open");
    modal.style.display = "none";
    modal.setAttribute("aria-hidden", "true");
    if (openModal === modal) { openModal = null; }
    if (!keepBackdrop) {
      document.body.classList.remove("modal-open");
      if (backdrop) { backdrop.parentNode.removeChild(backdrop); backdrop = null; }
      if (opener && opener.focus) { opener.focus(); }
      opener = null;
    }
  }

  document.addEventListener("click", function (event) {
    var trigger = event.target.closest && event.target.closest('[data-toggle="modal"]');
    if (trigger) {
      var modal = document.querySelector(trigger.getAttribute("data-target") || trigger.getAttribute("href"));
      if (modal) { event.preventDefault(); showModal(modal, trigger); }
      return;
    }
    var dismiss = event.target.closest && event.target.closest('[data-dismiss="modal"]');
    if (dismiss && openModal) { event.preventDefault(); hideModal(openModal); return; }
    // A click on the dimmed area around the dialog closes it.
    if (openModal && event.target === openModal) { hideModal(openModal); }
  });

  document.addEventListener("keydown", function (event) {
    if (!openModal) { return; }
    if (event.key === "Escape") { event.preventDefault(); hideModal(openModal); return; }
    if (event.key !== "Tab") { return; }
    // The focus stays inside the open dialog.
    var items = focusables(openModal);
    if (!items.length) { return; }
    var first = items[0];
    var last = items[items.length - 1];
    if (event.shiftKey && (document.activeElement === first || !openModal.contains(document.activeElement))) {
      event.preventDefault(); last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !openModal.contains(document.activeElement))) {
      event.preventDefault(); first.focus();
    }
  });
  document.addEventListener("focusin", function (event) {
    if (openModal && !openModal.contains(event.target)) {
      var items = focusables(openModal);
      if (items.length) { items[0].focus(); }
    }
  });

  // ------------------------------------------------------------------ tabs
  function showTab(link, remember) {
    var list = link.closest('[role="tablist"]');
    var pane = byHash(link.getAttribute("href"));
    if (!list || !pane) { return; }
    list.querySelectorAll('[data-toggle="tab"]').forEach(function (other) {
      var otherPane = byHash(other.getAttribute("href"));
      var on = other === link;
      other.classList.toggle("active", on);
      other.setAttribute("aria-selected", on ? "true" : "false");
      other.setAttribute("tabindex", on ? "0" : "-1");
      if (otherPane) { otherPane.classList.toggle("active", on); otherPane.classList.toggle("show", on); }
    });
    if (remember && history.replaceState) { history.replaceState(null, "", link.getAttribute("href")); }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('[data-toggle="tab"]');
    if (!link) { return; }
    event.preventDefault();
    showTab(link, true);
  });
  // Arrow keys move between the tabs of one list (the WAI-ARIA tabs pattern).
  document.addEventListener("keydown", function (event) {
    var link = event.target.closest && event.target.closest('[data-toggle="tab"]');
    if (!link || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) { return; }
    var tabs = Array.prototype.slice.call(link.closest('[role="tablist"]').querySelectorAll('[data-toggle="tab"]'));
    var next = tabs[(tabs.indexOf(link) + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
    event.preventDefault();
    next.focus();
    showTab(next, true);
  });

  // ------------------------------------------------------------------ navbar toggler
  document.addEventListener("click", function (event) {
    var toggler = event.target.closest && event.target.closest('[data-toggle="collapse"]');
    if (!toggler) { return; }
    var target = document.querySelector(toggler.getAttribute("data-target"));
    if (!target) { return; }
    var open = !target.classList.contains("show");
    target.classList.toggle("show", open);
    toggler.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // ------------------------------------------------------------------ menus (<details>)
  // A menu closes on a click elsewhere or on Escape (it opens and works without this file).
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var menu = event.target.closest && event.target.closest("details.menu[open]");
    if (menu) { menu.removeAttribute("open"); menu.querySelector("summary").focus(); }
  });

  // ------------------------------------------------------------------ on load
  function start() {
    // Without JavaScript every tab pane is shown; with it, only the active one.
    document.querySelectorAll('[role="tablist"]').forEach(function (list) {
      var active = list.querySelector('[data-toggle="tab"].active') || list.querySelector('[data-toggle="tab"]');
      if (active) { showTab(active, false); }
    });
    // A form that came back with errors is rendered open: make it a real dialog.
    var rendered = document.querySelector(".modal.is-open");
    var target = byHash(location.hash);
    if (rendered) {
      showModal(rendered, null);
    } else if (target && target.classList.contains("modal")) {
      // Opened by its address (a link followed without JavaScript, or a bookmark).
      showModal(target, null);
    } else if (target) {
      // The tab named by the address (#reviews, #comment-12).
      var pane = target.classList.contains("tab-pane") ? target : target.closest(".tab-pane");
      if (pane) {
        var link = document.querySelector('[data-toggle="tab"][href="#' + pane.id + '"]');
        if (link) { showTab(link, false); }
        if (pane !== target) { target.scrollIntoView(); }
      }
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
