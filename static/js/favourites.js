// Add to favourites / Remove from favourites without a reload. Without this file the
// button is a plain form that posts and comes back to the page.
(function () {
  "use strict";
  if (!window.fetch || !window.FormData) { return; }

  function show(form, saved) {
    form.setAttribute("data-saved", saved ? "true" : "false");
    form.setAttribute("action", form.getAttribute(saved ? "data-remove-url" : "data-add-url"));
    var button = form.querySelector(".favourite-button");
    button.querySelector(".favourite-label").textContent = form.getAttribute(saved ? "data-remove-label" : "data-add-label");
    button.setAttribute("aria-pressed", saved ? "true" : "false");
    button.classList.toggle("btn-warning", saved);
    button.classList.toggle("btn-outline-dark", !saved);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-favourite")) { return; }
    event.preventDefault();
    var button = form.querySelector(".favourite-button");
    if (button.disabled) { return; }
    var token = form.querySelector('input[name="csrf_token"]').value;
    button.disabled = true;
    fetch(form.getAttribute("action"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token },
      body: new FormData(form)
    }).then(function (response) {
      if (response.status === 401) {
        return response.json().then(function (data) { window.location.assign(data.login); });
      }
      if (!response.ok) { throw new Error("favourite: " + response.status); }
      return response.json().then(function (data) {
        // The same listing may have a button more than once on a page.
        document.querySelectorAll('form[data-favourite="' + data.listing_id + '"]').forEach(function (other) {
          show(other, data.saved);
        });
        button.disabled = false;
      });
    }).catch(function () {
      // Anything unexpected: the plain form, which shows the server's own answer.
      button.disabled = false;
      form.submit();
    });
  });
})();
