// crumbs: what the page offers for finding its declared policy — scripts, links, consent
// manager globals and their data. Returns a JSON string; never throws; bounded in size.
(async () => {
  const out = { title: "", lang: "", scripts: [], links: [], globals: [], cmp: [], html: "", text: "" };
  const safe = (f, d) => { try { const v = f(); return v === undefined ? d : v; } catch (e) { return d; } };
  const ser = (v) => JSON.stringify(v, (k, x) => {
    if (x instanceof RegExp) return { regex: x.source, flags: x.flags };
    if (typeof x === "function") return undefined;
    return x;
  });
  out.title = safe(() => String(document.title).slice(0, 500), "");
  out.lang = safe(() => document.documentElement.lang || "", "");
  out.scripts = safe(() => Array.from(document.scripts).map(s => s.src).filter(Boolean).slice(0, 1000), []);
  out.links = safe(() => Array.from(document.querySelectorAll("a[href]")).slice(0, 3000)
    .map(a => [String(a.innerText || a.textContent || a.title || "").trim().slice(0, 200), a.href]), []);
  const g = (name) => safe(() => typeof window[name] !== "undefined", false);
  for (const name of ["Cookiebot", "CookieConsent", "CookieConsentDialog", "OneTrust", "Optanon", "OptanonActiveGroups",
                      "klaro", "klaroConfig", "UC_UI", "__ucCmp", "Osano", "getCkyConsent", "cookieyes", "complianz", "cmplz_banner",
                      "Didomi", "__tcfapi", "_iub", "Termly", "CookieScript", "__cmp"]) {
    if (g(name)) out.globals.push(name);
  }
  const push = (kind, f) => { const v = safe(f, null); if (v) out.cmp.push([kind, typeof v === "string" ? v : ser(v)]); };
  push("cookiebot-dialog", () => {
    const d = window.Cookiebot && window.Cookiebot.dialog;
    if (!d || !d.cookieTableNecessary) return null;
    return { necessary: d.cookieTableNecessary, preference: d.cookieTablePreference, statistics: d.cookieTableStatistics,
             advertising: d.cookieTableAdvertising, unclassified: d.cookieTableUnclassified };
  });
  push("onetrust-domaindata", () => window.OneTrust && typeof OneTrust.GetDomainData === "function" ? OneTrust.GetDomainData() : null);
  out.html = safe(() => document.documentElement.outerHTML.slice(0, 4000000), "");
  out.text = safe(() => (document.body ? document.body.innerText : "").slice(0, 2000000), "");
  return JSON.stringify(out);
})()
