// The moderator's pages: confirmations, select-all, the User filter's autocomplete
// and the decline reason templates. No inline scripts: the pages carry data-* hooks.
(function () {
  "use strict";

  // A submit button with data-confirm asks first; bulk buttons need a selection.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button) return;
    if (button.dataset.needsSelection !== undefined) {
      var form = button.form;
      var picked = document.querySelectorAll('input.action-checkbox[form="' + form.id + '"]:checked');
      if (picked.length === 0) {
        event.preventDefault();
        window.alert(button.dataset.needsSelection);
        return;
      }
    }
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // The header checkbox selects every row of the page.
  document.addEventListener("change", function (event) {
    if (event.target.classList.contains("action-rowtoggle")) {
      document.querySelectorAll("input.action-checkbox").forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
  });

  // User filter: logins and emails starting with what was typed, as a datalist.
  var config = document.getElementById("user-filter-config");
  var options = document.getElementById("user-filter-options");
  if (config && options) {
    var pattern = new RegExp("^flt\\d+_" + config.dataset.arg + "$");
    var timer = null;
    var lastQuery = null;
    document.addEventListener("input", function (event) {
      var input = event.target;
      if (!input.name || !pattern.test(input.name)) return;
      input.setAttribute("list", options.id);
      input.setAttribute("autocomplete", "off");
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var query = input.value.trim();
        if (!query || query === lastQuery) return;
        lastQuery = query;
        fetch(config.dataset.url + "?q=" + encodeURIComponent(query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            // An older, slower answer must not replace the one for what is typed now.
            if (query !== lastQuery) return;
            options.textContent = "";
            options.dataset.query = query;
            data.results.forEach(function (user) {
              var option = document.createElement("option");
              option.value = user.login;
              option.label = user.label;
              options.appendChild(option);
            });
          })
          .catch(function () { options.textContent = ""; });
      }, 150);
    });
  }

  // Decline and remove forms: picking a common reason fills the reason box, still editable.
  document.querySelectorAll("#decline-template, select.reason-template").forEach(function (picker) {
    picker.addEventListener("change", function () {
      var target = document.getElementById(picker.dataset.target);
      if (target && picker.value) {
        target.value = picker.value;
        target.focus();
      }
    });
  });
})();
