// fillgate console: first paint from /api/snapshot, then live over server-sent events whose
// ids are the stream's sequence numbers (the browser resumes with Last-Event-ID).
// Plain DOM, textContent only: nothing from the server is ever parsed as HTML.
"use strict";

const state = {
  session: null,
  snapshot: null,
  seen: [],          // every sequence number the feed delivered, in order (tests read it)
  tape: new Map(),   // sequence -> fill
  orders: new Map(), // order_id -> working order
  source: null,
  refreshTimer: null,
};
window.fillgate = state;

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
  }
  return node;
}

function money(text) {
  const cls = text && text.startsWith("-") ? "neg" : text && text !== "0" ? "pos" : "";
  return el("td", { class: cls }, text);
}

function fill(tbody, rows) { tbody.replaceChildren(...rows); }

function status(text, error) {
  const node = $("status");
  node.textContent = text;
  node.className = error ? "error" : "";
}

async function api(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (state.session && state.session.csrf) headers["X-CSRF-Token"] = state.session.csrf;
  const response = await fetch(path, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const err = data.error || {};
    throw new Error(`${err.code || response.status} ${err.reason || ""}: ${err.message || ""}`);
  }
  return data;
}

async function act(question, path, body) {
  if (!window.confirm(question)) return;
  try {
    await api("POST", path, body);
    status(`done: ${question.replace(/\?$/, "")}`);
  } catch (exc) {
    status(exc.message, true);
  }
  scheduleRefresh(0);
}

function time(ns) { return ns ? new Date(ns / 1e6).toISOString().slice(11, 23) : ""; }

function age(seconds) {
  if (seconds === null || seconds === undefined) return "";
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}

// -- rendering -------------------------------------------------------------

function renderAccounts(snap) {
  const canAct = state.session.auth;
  fill($("accounts").tBodies[0], snap.accounts.map((a) => {
    const ts = a.trading_state;
    const mode = el("td", { class: `text ${ts.mode}` }, ts.mode);
    if (ts.mode !== "ACTIVE") mode.title = `${ts.reason} (${ts.requested_by})`;
    const detail = ts.mode !== "ACTIVE" ? ` — ${ts.reason} (by ${ts.requested_by})` : "";
    return el("tr", { "data-account": a.account },
      el("td", {}, a.account), el("td", {}, a.venue), el("td", {}, a.equity), el("td", {}, a.cash),
      el("td", {}, a.buying_power), money(a.realized_pnl), money(a.unrealized_pnl),
      el("td", {}, a.gross_exposure), el("td", {}, a.net_exposure),
      el("td", { class: `text ${ts.mode}` }, ts.mode + detail),
      el("td", {}, cancelAll(a.account, canAct)));
  }));
}

function cancelAll(account, canAct) {
  const button = el("button", {
    class: "danger", "data-action": "cancel-all",
    onclick: () => act(`Cancel every open order of ${account}?`,
      `/api/accounts/${encodeURIComponent(account)}/cancel-all`, {}),
  }, "Cancel all");
  button.disabled = !canAct;
  return button;
}

function renderPositions(snap) {
  fill($("positions").tBodies[0], snap.positions.map((p) => el("tr", { "data-symbol": p.symbol },
    el("td", {}, p.account), el("td", { class: "text" }, p.symbol), el("td", {}, p.quantity),
    el("td", {}, p.average_price), el("td", {}, p.mark), money(p.unrealized_pnl),
    money(p.realized_pnl), el("td", {}, age(p.age_s)))));
}

function renderOrders() {
  const canAct = state.session.auth;
  const rows = [...state.orders.values()].sort((a, b) => a.created_ns - b.created_ns);
  fill($("orders").tBodies[0], rows.map((o) => {
    const button = el("button", {
      class: "danger", "data-action": "cancel",
      onclick: () => act(`Cancel order ${o.order_id} (${o.side} ${o.quantity} ${o.symbol})?`,
        `/api/orders/${encodeURIComponent(o.order_id)}/cancel`, {}),
    }, "Cancel");
    button.disabled = !canAct;
    return el("tr", { "data-order": o.order_id },
      el("td", {}, o.order_id), el("td", { class: "text" }, o.client_order_id),
      el("td", { class: "text" }, o.account), el("td", { class: "text" }, o.symbol),
      el("td", { class: "text" }, o.side), el("td", { class: "text" }, o.type),
      el("td", {}, o.quantity), el("td", {}, o.filled_quantity), el("td", {}, o.limit_price ?? ""),
      el("td", {}, o.stop_price ?? ""), el("td", { class: "text" }, o.state), el("td", {}, button));
  }));
}

function renderTape() {
  const rows = [...state.tape.entries()].sort((a, b) => b[0] - a[0]).slice(0, 50);
  fill($("tape").tBodies[0], rows.map(([seq, f]) => el("tr", { "data-seq": String(seq), "data-order": f.order_id },
    el("td", {}, String(seq)), el("td", {}, time(f.ts_ns)), el("td", {}, f.account),
    el("td", { class: "text" }, f.symbol), el("td", { class: `text ${f.side === "BUY" ? "pos" : "neg"}` }, f.side),
    el("td", {}, f.quantity), el("td", {}, f.price), el("td", {}, f.order_id))));
}

function renderRestrictions(snap) {
  fill($("restrictions").tBodies[0], snap.restrictions.map((r) => {
    const button = el("button", {
      "data-action": "resume",
      onclick: () => {
        const reason = window.prompt(`Reason to resume ${r.scope} ${r.target}`, "resolved");
        if (reason) act(`Resume ${r.scope} ${r.target}?`, "/api/resume", { scope: r.scope, target: r.target, reason });
      },
    }, "Resume");
    button.disabled = !state.session.auth;
    return el("tr", {}, el("td", {}, r.scope), el("td", { class: "text" }, r.target),
      el("td", { class: `text ${r.mode}` }, r.mode), el("td", { class: "text" }, r.reason),
      el("td", { class: "text" }, r.requested_by), el("td", {}, button));
  }));
}

function bar(limit, usage) {
  if (usage === null || usage === undefined || usage === "") return el("td", { class: "muted" }, "per order");
  const share = Number(limit) > 0 ? Math.min(1, Number(usage) / Number(limit)) : 0;
  const fillBar = el("span");
  fillBar.style.width = `${(share * 100).toFixed(1)}%`;
  const box = el("div", { class: `bar ${share >= 1 ? "full" : share >= 0.8 ? "hot" : ""}`, title: `${usage} / ${limit}` }, fillBar);
  return el("td", {}, box);
}

function renderRisk(snap) {
  const risk = snap.risk;
  const box = $("risk");
  if (!risk.enabled) { box.replaceChildren(el("p", { class: "muted" }, "risk checks are off")); return; }
  const rows = [];
  for (const x of risk.global_limits) rows.push(el("tr", {}, el("td", {}, "(all)"), el("td", { class: "text" }, x.name), el("td", {}, ""), el("td", {}, x.usage ?? ""), el("td", {}, x.limit), bar(x.limit, x.usage)));
  for (const a of risk.accounts) {
    for (const x of a.limits) rows.push(el("tr", {}, el("td", {}, a.account), el("td", { class: "text" }, x.name), el("td", { class: "text" }, x.subject), el("td", {}, x.usage ?? ""), el("td", {}, x.limit), bar(x.limit, x.usage)));
    for (const b of a.breakers) rows.push(el("tr", {}, el("td", {}, a.account), el("td", { class: "text" }, `breaker ${b.breaker}`), el("td", { class: `text ${b.state}` }, b.state), el("td", {}, b.value), el("td", {}, b.limit ?? ""), el("td", { class: "text" }, b.tripped ? b.tripped.message : "")));
  }
  const table = el("table", {}, el("thead", {}, el("tr", {}, ...["Account", "Limit", "Subject", "Usage", "Maximum", ""].map((h) => el("th", {}, h)))), el("tbody", {}, ...rows));
  box.replaceChildren(table);
}

function renderVenues(snap) {
  fill($("venues").tBodies[0], snap.venues.map((v) => el("tr", {},
    el("td", {}, v.account), el("td", { class: "text" }, v.venue), el("td", { class: `text ${v.status}` }, v.status),
    el("td", {}, time(v.last_reconciled_ns)), el("td", { class: "text" }, v.detail))));
  fill($("symbols").tBodies[0], snap.symbols.map((s) => el("tr", { "data-symbol": s.symbol },
    el("td", {}, s.symbol), el("td", {}, s.reference_price), el("td", {}, age(s.quote_age_s)),
    el("td", { class: `text market-${s.market ? s.market.phase : ""}` }, s.market ? s.market.phase : ""),
    el("td", {}, s.market ? time(s.market.phase === "REGULAR" ? s.market.next_close_ns : s.market.next_open_ns) : ""))));
}

const NS = "http://www.w3.org/2000/svg";
// Draw polylines; with ``ownScale`` each series gets its own y-range (accounts of very
// different size still show their shape). One sample is drawn as a level.
function plot(svg, series, colors, ownScale) {
  const padded = series.map((s) => (s.points.length === 1 ? [s.points[0], [s.points[0][0] + 1, s.points[0][1]]] : s.points));
  const all = padded.flat();
  const lines = [];
  if (all.length) {
    const xs = all.map((p) => p[0]);
    const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
    const sx = (x) => (x1 > x0 ? ((x - x0) / (x1 - x0)) * 396 + 2 : 200);
    const range = (points) => [Math.min(...points.map((p) => p[1])), Math.max(...points.map((p) => p[1]))];
    const shared = range(all);
    padded.forEach((points, i) => {
      if (!points.length) return;
      const [y0, y1] = ownScale ? range(points) : shared;
      const sy = (y) => (y1 > y0 ? 116 - ((y - y0) / (y1 - y0)) * 112 : 60);
      const line = document.createElementNS(NS, "polyline");
      line.setAttribute("points", points.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(" "));
      line.setAttribute("stroke", colors[i % colors.length]);
      lines.push(line);
    });
  }
  svg.replaceChildren(...lines);
}

const COLORS = ["#58a6ff", "#f85149", "#3fb950", "#d29922", "#bc8cff"];
function renderLatency(snap) {
  const l = snap.latency;
  $("latency").textContent = `last ${l.window_s / 60} min: ${l.count} orders · p50 ${l.p50_ms.toFixed(2)} ms · ` +
    `p90 ${l.p90_ms.toFixed(2)} ms · p99 ${l.p99_ms.toFixed(2)} ms · max ${l.max_ms.toFixed(2)} ms (blue p50, red p99 per minute)`;
  plot($("latency-plot"), [
    { points: l.series.map((m) => [m.minute_ns / 1e9, m.p50_ms]) },
    { points: l.series.map((m) => [m.minute_ns / 1e9, m.p99_ms]) },
  ], COLORS);
}

function renderEquity(snap) {
  const names = snap.accounts.map((a) => a.account);
  const series = names.map((n) => ({
    points: snap.equity_curve.filter((s) => n in s.equity).map((s) => [s.ts_ns / 1e9, Number(s.equity[n])]),
  }));
  plot($("equity-plot"), series, COLORS, true);
  // Numbers in the legend come from the server's decimal strings, not from the plot's floats.
  $("equity-legend").textContent = names.map((n, i) => {
    const values = snap.equity_curve.filter((s) => n in s.equity).map((s) => s.equity[n]);
    const span = values.length ? `${values[0]} → ${values[values.length - 1]}` : "";
    return `${n} (${["blue", "red", "green", "amber", "violet"][i % 5]}): ${span}`;
  }).join(" · ") + " — each line on its own scale";
}

function render(snap) {
  state.snapshot = snap;
  state.orders = new Map(snap.orders.map((o) => [o.order_id, o]));
  for (const f of snap.fills) state.tape.set(f.sequence, f);
  renderAccounts(snap); renderPositions(snap); renderOrders(); renderTape(); renderRestrictions(snap);
  renderRisk(snap); renderVenues(snap); renderLatency(snap); renderEquity(snap);
  $("head").textContent = `seq ${snap.head}`;
}

async function refresh() {
  try { render(await api("GET", "/api/snapshot")); } catch (exc) { status(exc.message, true); }
}

function scheduleRefresh(delay) {
  if (state.refreshTimer !== null) return;
  state.refreshTimer = setTimeout(() => { state.refreshTimer = null; refresh(); }, delay);
}

// -- the live feed -------------------------------------------------------------

function onEvent(kind, message) {
  const seq = Number(message.lastEventId);
  state.seen.push(seq);
  $("head").textContent = `seq ${seq}`;
  const data = JSON.parse(message.data);
  if (kind === "execution") {
    const o = data.order;
    if (["CANCELED", "FILLED", "REJECTED", "EXPIRED", "DENIED"].includes(o.state)) state.orders.delete(o.order_id);
    else state.orders.set(o.order_id, o);
    renderOrders();
    if (data.fill) { state.tape.set(seq, data.fill); renderTape(); }
  }
  scheduleRefresh(1000);  // positions and totals: at most one snapshot a second while busy
}

function openFeed(after) {
  const source = new EventSource(`/api/events?after=${after}`);
  state.source = source;
  source.addEventListener("hello", () => { $("feed").textContent = "live"; $("feed").className = "badge live"; });
  for (const kind of ["execution", "trading_state", "breaker", "venue_drift", "other"]) {
    source.addEventListener(kind, (message) => onEvent(kind, message));
  }
  source.onerror = () => {
    $("feed").textContent = "reconnecting…"; $("feed").className = "badge down";
    // A dropped connection is retried by the browser with Last-Event-ID. A refused one
    // (the resume point is gone: the server restarted without its journal, or the session
    // ended) closes the source: start over from a fresh snapshot, or the login.
    if (source.readyState === EventSource.CLOSED) setTimeout(restart, 1000);
  };
}

async function restart() {
  try {
    const snap = await api("GET", "/api/snapshot");
    render(snap);
    openFeed(snap.head);
  } catch (exc) {
    window.location.reload();
  }
}

// -- start -----------------------------------------------------------------

async function start() {
  state.session = await api("GET", "/api/session");
  const s = state.session;
  if (s.auth && !s.authenticated) { $("login").hidden = false; $("main").hidden = true; return; }
  $("login").hidden = true; $("main").hidden = false;
  $("who").textContent = s.auth ? `${s.name}` : `${s.name} (read-only: no authentication configured)`;
  $("logout").hidden = !s.auth;
  for (const control of $("halt-form").elements) control.disabled = !s.auth;
  const snap = await api("GET", "/api/snapshot");
  render(snap);
  openFeed(snap.head);
  setInterval(() => scheduleRefresh(0), 2000);
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await api("POST", "/api/login", { token: $("token").value });
    $("token").value = "";
    await start();
  } catch (exc) { status(exc.message, true); $("login").append(el("p", { class: "neg" }, exc.message)); }
});

$("logout").addEventListener("click", async () => {
  await api("POST", "/api/logout", {}).catch(() => {});
  window.location.reload();
});

$("halt-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const body = {
    scope: $("halt-scope").value, target: $("halt-target").value, mode: $("halt-mode").value,
    reason: $("halt-reason").value, cancel_open_orders: $("halt-cancel").checked,
  };
  act(`${body.mode === "HALTED" ? "Halt" : "Set reduce-only on"} ${body.scope} ${body.target}?`.replace(" ?", "?"), "/api/halt", body);
});

start().catch((exc) => status(exc.message, true));
