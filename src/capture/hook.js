// crumbs page hook: reports document.cookie writes and Web Storage writes, with the
// script that made them, to the DevTools binding named by __CRUMBS_BINDING__.
// Runs before any page script in every frame; leaves the page's behaviour unchanged.
(() => {
  const binding = globalThis["__CRUMBS_BINDING__"];
  if (typeof binding !== "function") return;
  try { delete globalThis["__CRUMBS_BINDING__"]; } catch (e) {}
  const send = (msg) => { try { binding(JSON.stringify(msg)); } catch (e) {} };
  const urlRe = /(https?:\/\/[^\s()]+?)(?::\d+){1,2}\)?\s*$/;
  const writer = () => {
    const stack = (new Error().stack || "").split("\n");
    for (const line of stack) {
      const m = line.trim().match(urlRe);
      if (m) return m[1];
    }
    return null;
  };
  const here = () => { try { return String(location.href); } catch (e) { return ""; } };

  const cookieDesc = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  if (cookieDesc && cookieDesc.set) {
    const origSet = cookieDesc.set;
    Object.defineProperty(Document.prototype, "cookie", {
      configurable: true,
      enumerable: cookieDesc.enumerable,
      get: cookieDesc.get,
      set: function (v) {
        send({ t: "cookie", text: String(v), s: writer(), o: here(), ts: Date.now() });
        return origSet.call(this, v);
      },
    });
  }

  const proto = globalThis.Storage && Storage.prototype;
  if (proto && proto.setItem) {
    const origSetItem = proto.setItem;
    proto.setItem = function setItem(k, v) {
      let area = null;
      try { area = this === localStorage ? "local" : this === sessionStorage ? "session" : null; } catch (e) {}
      send({ t: "storage", area, text: String(k), n: String(v).length, s: writer(), o: here(), ts: Date.now() });
      return origSetItem.apply(this, arguments);
    };
  }
})();
