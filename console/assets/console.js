// Solace console: progressive enhancement only; every page works without this file.
(function () {
  "use strict";
  // Drop a launch token from the address bar if one is still there (the server already
  // redirects it away; this covers a browser that shows the old address from history).
  if (window.location.search.indexOf("token=") !== -1) {
    window.history.replaceState(null, "", window.location.pathname);
  }
  // New messages appear without a reload: the thread is fetched again every few seconds
  // (from this console only; the console itself syncs with the server in the background)
  // and swapped in when it changed, unless the therapist is typing in it.
  function watchThread() {
    var list = document.querySelector("ol.thread[data-peer]");
    if (!list) return;
    var url = "/client/" + encodeURIComponent(list.getAttribute("data-peer")) + "/thread";
    window.setInterval(function () {
      var current = document.querySelector("ol.thread[data-peer]");
      if (!current || document.activeElement && current.contains(document.activeElement)) return;
      fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var holder = document.createElement("div");
          holder.innerHTML = html;
          var fresh = holder.querySelector("ol.thread");
          if (fresh && fresh.getAttribute("data-version") !== current.getAttribute("data-version")) {
            current.replaceWith(fresh);
          }
        })
        .catch(function () { /* offline: the next tick tries again */ });
    }, 3000);
  }
  document.addEventListener("DOMContentLoaded", watchThread);
})();
