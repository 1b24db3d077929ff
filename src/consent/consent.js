// crumbs' consent driver, evaluated in a page (or a cross-origin iframe) as
// `(SOURCE)(REQUEST)`. It defines nothing on the page. REQUEST is
// {op, rules, generic, langs, selectors, kind, set}; the result is a JSON string.
// Selectors are searched in the document, every open shadow root and same-origin
// iframes; `text=Words` matches a clickable element by its visible text.
(function (req) {
  "use strict";
  const CLICKABLE =
    'button, a, [role="button"], [role="link"], input[type="button"], input[type="submit"], [onclick], [tabindex]';
  const norm = (s) => String(s || "").replace(/\s+/g, " ").trim().toLowerCase();
  function roots() {
    const out = [document];
    const seen = new Set();
    for (let i = 0; i < out.length && out.length < 400; i++) {
      let all;
      try {
        all = out[i].querySelectorAll("*");
      } catch (e) {
        continue;
      }
      for (const el of all) {
        if (el.shadowRoot && !seen.has(el.shadowRoot)) {
          seen.add(el.shadowRoot);
          out.push(el.shadowRoot);
        }
        if (el.tagName === "IFRAME") {
          try {
            const d = el.contentDocument;
            if (d && !seen.has(d)) {
              seen.add(d);
              out.push(d);
            }
          } catch (e) {}
        }
      }
    }
    return out;
  }
  const ROOTS = roots();
  function visible(el) {
    if (!el || !el.getClientRects || el.getClientRects().length === 0) return false;
    const win = (el.ownerDocument && el.ownerDocument.defaultView) || window;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement || (e.getRootNode && e.getRootNode().host)) {
      const s = win.getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || s.visibility === "collapse") return false;
      if (parseFloat(s.opacity) === 0) return false;
    }
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  }
  function label(el) {
    const t = el.innerText || el.textContent || el.value || el.getAttribute("aria-label") || el.title || "";
    return norm(t).slice(0, 120);
  }
  function describe(el) {
    let d = el.tagName.toLowerCase();
    if (el.id) d += "#" + el.id;
    else if (typeof el.className === "string" && el.className.trim())
      d += "." + el.className.trim().split(/\s+/).slice(0, 2).join(".");
    const t = label(el);
    return t ? d + ' "' + t.slice(0, 60) + '"' : d;
  }
  function query(sel, within) {
    const out = [];
    const rs = within ? [within] : ROOTS;
    if (sel.startsWith("text=")) {
      const want = norm(sel.slice(5));
      for (const r of rs) {
        let list;
        try {
          list = r.querySelectorAll(CLICKABLE);
        } catch (e) {
          continue;
        }
        for (const el of list) if (label(el) === want) out.push(el);
      }
      return out;
    }
    for (const r of rs) {
      try {
        for (const el of r.querySelectorAll(sel)) out.push(el);
      } catch (e) {}
    }
    return out;
  }
  function firstVisible(sels, within) {
    for (const sel of sels || []) {
      for (const el of query(sel, within)) if (visible(el)) return { el, sel };
    }
    return null;
  }
  function exists(sels) {
    return (sels || []).some((s) => query(s).length > 0);
  }
  function hasGlobal(name) {
    try {
      let o = window;
      for (const part of name.split(".")) {
        if (o == null || !(part in Object(o))) return false;
        o = o[part];
      }
      return o !== undefined;
    } catch (e) {
      return false;
    }
  }
  function hasScript(sub) {
    for (const s of document.scripts) if ((s.src || "").includes(sub)) return true;
    return false;
  }
  function detected(rule) {
    return (
      (rule.detect_globals || []).some(hasGlobal) ||
      (rule.detect_scripts || []).some(hasScript) ||
      exists(rule.detect_selectors) ||
      firstVisible(rule.banner) !== null
    );
  }

  // --- the generic finder ---------------------------------------------------------
  const G = req.generic || { banner_hints: [], words: {} };
  const LANGS = Object.keys(G.words || {});
  const langOrder = (() => {
    const l = norm(document.documentElement.lang).slice(0, 2);
    return LANGS.includes(l) ? [l].concat(LANGS.filter((x) => x !== l)) : LANGS;
  })();
  function words(kind) {
    const out = [];
    for (const l of langOrder) for (const w of (G.words[l] || {})[kind] || []) out.push(norm(w));
    return out;
  }
  function matches(text, ws) {
    if (!text) return -1;
    const n = text.split(" ").length;
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i];
      if (text === w) return i;
      if (text.startsWith(w + " ") || text.startsWith(w + ",") || text.startsWith(w + "!")) {
        if (n - w.split(" ").length <= 3) return i;
      }
    }
    return -1;
  }
  function isBannerLike(el) {
    const win = (el.ownerDocument && el.ownerDocument.defaultView) || window;
    const s = win.getComputedStyle(el);
    if (s.position === "fixed" || s.position === "sticky") return true;
    if (el.tagName === "DIALOG" && el.open) return true;
    const role = el.getAttribute("role");
    if (role === "dialog" || role === "alertdialog" || el.getAttribute("aria-modal") === "true") return true;
    const idc = norm((el.id || "") + " " + (typeof el.className === "string" ? el.className : ""));
    return (G.banner_hints || []).some((h) => idc.includes(norm(h)));
  }
  function genericBanner() {
    const bannerWords = words("banner");
    let best = null;
    for (const r of ROOTS) {
      let list;
      try {
        list = r.querySelectorAll("div, section, aside, dialog, form, footer, [role=dialog], [role=alertdialog]");
      } catch (e) {
        continue;
      }
      for (const el of list) {
        if (!isBannerLike(el) || !visible(el)) continue;
        const text = norm(el.innerText || el.textContent).slice(0, 4000);
        if (!bannerWords.some((w) => text.includes(w))) continue;
        const c = controls(el);
        if (!c.accept && !c.reject && !c.settings) continue;
        const area = el.getBoundingClientRect().width * el.getBoundingClientRect().height;
        if (!best || area < best.area) best = { el, area, c };
      }
    }
    return best;
  }
  function clickables(within) {
    const out = [];
    const stack = [within];
    while (stack.length) {
      const r = stack.pop();
      let list;
      try {
        list = r.querySelectorAll(CLICKABLE);
      } catch (e) {
        continue;
      }
      for (const el of list) out.push(el);
      try {
        for (const el of r.querySelectorAll("*")) if (el.shadowRoot) stack.push(el.shadowRoot);
      } catch (e) {}
    }
    return out.filter(visible);
  }
  function controls(within) {
    const found = {};
    const els = clickables(within);
    for (const kind of ["reject", "accept", "settings", "save"]) {
      const ws = words(kind);
      let best = null;
      for (const el of els) {
        const i = matches(label(el), ws);
        if (i >= 0 && (!best || i < best.i)) best = { el, i };
      }
      if (best) found[kind] = best.el;
    }
    // A control cannot be two things; reject words win over accept words ("accept only necessary").
    if (found.accept && found.accept === found.reject) delete found.accept;
    return found;
  }

  function click(el) {
    try {
      el.click();
      return true;
    } catch (e) {
      return false;
    }
  }
  // Where an iframe's document begins inside the iframe element's box: its border and
  // its padding.
  function frameInset(f) {
    const s = (f.ownerDocument.defaultView || window).getComputedStyle(f);
    return [f.clientLeft + (parseFloat(s.paddingLeft) || 0), f.clientTop + (parseFloat(s.paddingTop) || 0)];
  }
  // The element under viewport point (x, y), through open shadow roots and same-origin
  // iframes, as a real click there would reach it.
  function deepAt(x, y) {
    let doc = document;
    let e = doc.elementFromPoint(x, y);
    for (let depth = 0; e && depth < 20; depth++) {
      if (e.shadowRoot) {
        const inner = e.shadowRoot.elementFromPoint(x, y);
        if (inner && inner !== e) {
          e = inner;
          continue;
        }
      }
      if (e.tagName === "IFRAME") {
        let d = null;
        try {
          d = e.contentDocument;
        } catch (err) {}
        if (!d) return e;
        const r = e.getBoundingClientRect();
        const inset = frameInset(e);
        x -= r.left + inset[0];
        y -= r.top + inset[1];
        doc = d;
        const inner = doc.elementFromPoint(x, y);
        if (!inner) return e;
        e = inner;
        continue;
      }
      break;
    }
    return e;
  }
  function within(node, el) {
    for (let n = node; n; n = n.parentNode || (n.nodeType === 11 ? n.host : null)) if (n === el) return true;
    return false;
  }
  // Where a real mouse click on `el` lands in this frame's viewport (the page's, or a
  // cross-origin iframe's when evaluated there), or null when it cannot (covered by
  // something else, outside the viewport, zero-sized). Scrolls it into view only when it
  // is not.
  function pointFor(el) {
    const offset = () => {
      let dx = 0;
      let dy = 0;
      for (let w = el.ownerDocument.defaultView; w && w !== window; w = w.parent) {
        const f = w.frameElement;
        if (!f) return null;
        const r = f.getBoundingClientRect();
        const inset = frameInset(f);
        dx += r.left + inset[0];
        dy += r.top + inset[1];
      }
      return [dx, dy];
    };
    let r = el.getBoundingClientRect();
    const vw = () => el.ownerDocument.defaultView.innerWidth;
    const vh = () => el.ownerDocument.defaultView.innerHeight;
    const cx = () => r.left + r.width / 2;
    const cy = () => r.top + r.height / 2;
    if (cx() < 0 || cy() < 0 || cx() >= vw() || cy() >= vh()) {
      el.scrollIntoView({ block: "center", inline: "center" });
      r = el.getBoundingClientRect();
    }
    const o = offset();
    if (!o || r.width <= 0 || r.height <= 0) return null;
    const x = o[0] + cx();
    const y = o[1] + cy();
    if (x < 0 || y < 0 || x >= window.innerWidth || y >= window.innerHeight) return null;
    return within(deepAt(x, y), el) ? { x, y } : null;
  }
  function toggleEls(sels, within) {
    const out = [];
    if (sels && sels.length) {
      for (const s of sels) for (const el of query(s)) out.push(el);
    } else if (within) {
      const stack = [within];
      while (stack.length) {
        const r = stack.pop();
        try {
          for (const el of r.querySelectorAll('input[type=checkbox], [role=switch], [role=checkbox]')) out.push(el);
          for (const el of r.querySelectorAll("*")) if (el.shadowRoot) stack.push(el.shadowRoot);
        } catch (e) {}
      }
    }
    return out;
  }
  function isOn(el) {
    if (el.type === "checkbox") return !!el.checked;
    return el.getAttribute("aria-checked") === "true";
  }
  function toggleName(el) {
    const id = el.id ? "#" + el.id : "";
    let text = el.getAttribute("aria-label") || el.name || "";
    if (!text && el.id) {
      const l = (el.getRootNode().querySelector && el.getRootNode().querySelector('label[for="' + el.id + '"]')) || null;
      if (l) text = l.innerText;
    }
    if (!text && el.closest) {
      const l = el.closest("label");
      if (l) text = l.innerText;
    }
    return (id + " " + norm(text).slice(0, 60)).trim() || describe(el);
  }
  function readToggles(sels, within) {
    return toggleEls(sels, within)
      .filter((el) => !el.disabled && el.getAttribute("aria-disabled") !== "true")
      .map((el) => ({ name: toggleName(el), on: isOn(el), el }));
  }

  const now = Date.now();
  const out = { time: now, url: location.href, lang: norm(document.documentElement.lang) };
  const op = req.op;
  if (op === "detect") {
    out.rules = [];
    for (const rule of req.rules || []) {
      if (!detected(rule)) continue;
      const b = firstVisible(rule.banner);
      const a = firstVisible(rule.accept);
      const r = firstVisible(rule.reject);
      const s = firstVisible(rule.settings);
      out.rules.push({
        name: rule.name,
        banner: b ? b.sel : null,
        accept: a ? a.sel : null,
        reject: r ? r.sel : null,
        settings: s ? s.sel : null,
        toggles: readToggles(rule.toggles, null).map((t) => ({ name: t.name, on: t.on })),
      });
    }
    const g = genericBanner();
    out.generic = g
      ? {
          banner: describe(g.el),
          accept: g.c.accept ? describe(g.c.accept) : null,
          reject: g.c.reject ? describe(g.c.reject) : null,
          settings: g.c.settings ? describe(g.c.settings) : null,
        }
      : null;
    out.tcf = typeof window.__tcfapi === "function";
  } else if (op === "click") {
    // Clicks the first visible element of `selectors`, or the generic control `kind`.
    let target = null;
    let how = null;
    if (req.selectors && req.selectors.length) {
      const f = firstVisible(req.selectors);
      if (f) {
        target = f.el;
        how = f.sel;
      }
    }
    if (!target && req.kind) {
      const within = req.rule_banner ? firstVisible(req.rule_banner) : null;
      const c = within ? controls(within.el) : (genericBanner() || { c: {} }).c;
      if (c[req.kind]) {
        target = c[req.kind];
        how = "generic " + req.kind;
      }
    }
    // A real mouse click, by the caller, where it would land on the control; a
    // script click only when none can (covered, or not in the frame's viewport).
    // `measure`: only say where, never click.
    const point = target && req.trusted ? pointFor(target) : null;
    if (point) {
      out.point = point;
      out.clicked = false;
    } else {
      out.clicked = target && !req.measure ? click(target) : false;
    }
    out.target = target ? describe(target) : null;
    out.selector = how;
  } else if (op === "toggles") {
    // Reads (and with set=false unticks) the optional toggles of a settings layer.
    let within = null;
    if (!(req.selectors && req.selectors.length)) {
      const b = req.rule_banner ? firstVisible(req.rule_banner) : genericBanner();
      within = b ? b.el : null;
    }
    const ts = readToggles(req.selectors, within);
    out.toggles = ts.map((t) => ({ name: t.name, on: t.on }));
    if (req.set === false) {
      // Re-read each toggle before clicking: toggles synced with each other must not flip back.
      for (const t of ts) if (isOn(t.el)) click(t.el);
      out.after = readToggles(req.selectors, within).map((t) => ({ name: t.name, on: t.on }));
    }
  } else if (op === "visible") {
    out.visible = firstVisible(req.selectors) !== null || (req.generic_banner && genericBanner() !== null);
  }
  return JSON.stringify(out);
})
