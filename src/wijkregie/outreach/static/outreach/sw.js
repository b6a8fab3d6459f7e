// The service worker of the door-to-door pages (scope /outreach/): the walk page of a
// round and the files it uses are kept for offline use. Network first, so a page with a
// connection is always fresh; without one, the last copy answers. Outcomes themselves
// never pass through here: walk.js keeps them in the outbox until the API has them.
const CACHE = "wr-outreach-v1";
const WALK = /^\/outreach\/rounds\/\d+\/walk\/$/;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

// The page sends the addresses it was built from (itself, its styles and scripts).
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "wr-cache" || !Array.isArray(data.urls)) return;
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      Promise.all(
        data.urls.map((url) =>
          fetch(url, { credentials: "same-origin" })
            .then((response) => (response.ok ? cache.put(new URL(url, self.location).pathname, response) : null))
            .catch(() => null),
        ),
      ),
    ),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const isWalk = request.mode === "navigate" && WALK.test(url.pathname);
  const isStatic = url.pathname.startsWith("/static/");
  if (!isWalk && !isStatic) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
        }
        return response;
      })
      .catch(() =>
        caches.match(url.pathname, { ignoreVary: true, ignoreSearch: true }).then((hit) => {
          if (!hit) return Response.error();
          // A navigation may not be answered with a response that was redirected.
          if (!hit.redirected) return hit;
          return hit.blob().then((body) => new Response(body, { status: hit.status, headers: hit.headers }));
        }),
      ),
  );
});
