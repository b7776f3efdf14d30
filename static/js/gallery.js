// The item page's gallery: a thumbnail shows its photo in the main place. Without this file
// each thumbnail is a plain link to its full-size photo.
(function () {
  "use strict";
  document.querySelectorAll(".item-photos").forEach(function (box) {
    var main = box.querySelector("[data-gallery-main]");
    if (!main) { return; }
    var image = main.querySelector("img");
    var links = box.querySelectorAll(".item-gallery-link");
    links.forEach(function (link) {
      link.addEventListener("click", function (event) {
        // A click with a modifier (new tab, new window) keeps the link's own meaning.
        if (event.ctrlKey || event.metaKey || event.shiftKey || event.button > 0) { return; }
        event.preventDefault();
        main.setAttribute("href", link.getAttribute("data-full"));
        image.setAttribute("src", link.getAttribute("data-full"));
        // The WebP copies the browser picks from; without it the old photo's srcset would win.
        if (link.getAttribute("data-srcset")) { image.setAttribute("srcset", link.getAttribute("data-srcset")); }
        else { image.removeAttribute("srcset"); }
        image.setAttribute("width", link.getAttribute("data-width"));
        image.setAttribute("height", link.getAttribute("data-height"));
        links.forEach(function (other) { other.removeAttribute("aria-current"); });
        link.setAttribute("aria-current", "true");
      });
    });
  });
})();
