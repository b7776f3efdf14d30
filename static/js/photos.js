// The listing form's photos: a preview of the chosen files before the upload, and the current
// photos reordered by dragging (or by their buttons, in place). Without this file the buttons
// send the form, which comes back in the new order, and nothing is previewed.
(function () {
  "use strict";

  // ------------------------------------------------------------ preview before upload
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || input.type !== "file" || !input.hasAttribute("data-preview")) { return; }
    var form = input.form;
    var preview = form && form.querySelector(".photo-preview");
    if (!preview) { return; }
    while (preview.firstChild) { preview.removeChild(preview.firstChild); }
    var files = input.files || [];
    var max = parseInt(input.getAttribute("data-max-files") || "0", 10);
    if (max && files.length > max) {
      var note = document.createElement("div");
      note.className = "invalid-feedback d-block js-count-error";
      note.setAttribute("role", "alert");
      note.textContent = input.getAttribute("data-too-many") || "";
      preview.appendChild(note);
      input.value = "";
      return;
    }
    if (!window.URL || !URL.createObjectURL) { return; }
    for (var i = 0; i < files.length; i++) {
      if (!/^image\//.test(files[i].type)) { continue; }
      var img = document.createElement("img");
      img.className = "rounded mr-2 mb-2 photo-preview-thumb";
      img.width = 72;
      img.height = 72;
      img.alt = files[i].name;
      img.src = URL.createObjectURL(files[i]);
      img.addEventListener("load", function () { URL.revokeObjectURL(this.src); });
      preview.appendChild(img);
    }
  });

  // ------------------------------------------------------------ reordering the current photos
  function renumber(list) {
    var form = list.closest("form");
    var field = form.querySelector("input[data-photo-order]");
    var items = list.querySelectorAll(".photo-item");
    var ids = [];
    items.forEach(function (item, n) {
      ids.push(item.getAttribute("data-photo-id"));
      var number = item.querySelector(".photo-number");
      if (number) { number.textContent = String(n + 1); }
      item.querySelector(".photo-up").disabled = n === 0;
      item.querySelector(".photo-down").disabled = n === items.length - 1;
    });
    if (field) { field.value = ids.join(","); }
  }

  document.querySelectorAll(".photo-list").forEach(function (list) {
    var dragged = null;
    list.querySelectorAll(".photo-item").forEach(function (item) {
      item.setAttribute("draggable", "true");
      item.addEventListener("dragstart", function (event) {
        dragged = item;
        item.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        // Firefox starts a drag only with some data.
        event.dataTransfer.setData("text/plain", item.getAttribute("data-photo-id"));
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("dragging");
        dragged = null;
        renumber(list);
      });
      item.addEventListener("dragover", function (event) {
        if (!dragged || dragged === item) { return; }
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
      });
      item.addEventListener("drop", function (event) {
        if (!dragged || dragged === item) { return; }
        event.preventDefault();
        var items = Array.prototype.slice.call(list.querySelectorAll(".photo-item"));
        // Dropped on a later photo: after it; on an earlier one: before it.
        if (items.indexOf(dragged) < items.indexOf(item)) {
          list.insertBefore(dragged, item.nextSibling);
        } else {
          list.insertBefore(dragged, item);
        }
        renumber(list);
      });
    });
    // The Move buttons act in place instead of sending the form.
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[name=photo_move]");
      if (!button || !list.contains(button)) { return; }
      event.preventDefault();
      var item = button.closest(".photo-item");
      if (button.classList.contains("photo-up") && item.previousElementSibling) {
        list.insertBefore(item, item.previousElementSibling);
      } else if (button.classList.contains("photo-down") && item.nextElementSibling) {
        list.insertBefore(item.nextElementSibling, item);
      }
      renumber(list);
      // Keep the keyboard on the button that moved, unless it is now at an end.
      var focus = button.disabled ? item.querySelector("button[name=photo_move]:not([disabled])") : button;
      if (focus) { focus.focus(); }
    });
    renumber(list);
  });
})();
