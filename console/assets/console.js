// Solace console: progressive enhancement only; every page works without this file.
// Drops a launch token from the address bar if one is still there (the server already
// redirects it away; this covers a browser that shows the old address from history).
(function () {
  "use strict";
  if (window.location.search.indexOf("token=") !== -1) {
    window.history.replaceState(null, "", window.location.pathname);
  }
})();
