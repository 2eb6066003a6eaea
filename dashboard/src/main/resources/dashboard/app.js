// Vigil dashboard: reads the JSON API (docs/api.md), draws with uPlot, follows alerts over server-sent events.
'use strict';

const RANGES = { '1h': 3600, '6h': 6 * 3600, '24h': 24 * 3600, '7d': 7 * 24 * 3600 };
const REFRESH_MS = 10000;
const PLOT_HEIGHT = 190; // px; the panel's height is fixed in app.css, so refreshes never move the layout
const TYPES = ['request', 'query', 'cache', 'scraper'];
const COLORS = { p50: '#58a6ff', p95: '#bc8cff', p99: '#ff7b72', warning: '#d29922', critical: '#f85149', main: '#58a6ff' };

const state = { range: '1h', service: null, type: null, name: '*', live: false, services: [], liveAlerts: new Map() };
const charts = {};
window.vigil = { state, charts }; // for people (and tests) poking at the page from the console

// ---------------------------------------------------------------- helpers

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else if (k.startsWith('data-')) e.setAttribute(k, v); else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
  return e;
};

async function api(path, params = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) if (v != null) url.searchParams.set(k, v);
  const response = await fetch(url);
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) throw new Error(body.error || ('HTTP ' + response.status));
  return body;
}

function rangeParams() {
  const to = new Date();
  const from = new Date(to.getTime() - RANGES[state.range] * 1000);
  return { from: from.toISOString(), to: to.toISOString() };
}

const fmtCount = (v) => v == null ? '—' : Number(v).toLocaleString('en-US');
const fmtPct = (rate) => rate == null ? '—' : (rate * 100).toFixed(rate < 0.1 ? 2 : 1) + '%';
function fmtMs(v) {
  if (v == null) return '—';
  if (v >= 1000) return (v / 1000).toFixed(2) + ' s';
  return (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + ' ms';
}
function fmtMetric(metric, v) {
  if (v == null) return '—';
  if (metric.endsWith('_ms')) return fmtMs(v);
  if (metric.endsWith('_rate')) return fmtPct(v);
  return fmtCount(v);
}
const fmtTime = (iso) => iso ? iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z') : '—';

function stateBadge(s) {
  const word = s || 'none';
  return el('span', { class: 'state state-' + word, title: 'SLA state: ' + word }, word === 'none' ? 'no data' : word);
}

// ---------------------------------------------------------------- URL state

function readHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  if (RANGES[h.get('range')]) state.range = h.get('range');
  state.service = h.get('service');
  state.type = TYPES.includes(h.get('type')) ? h.get('type') : null;
  state.name = h.get('name') || '*';
}
function writeHash() {
  const h = new URLSearchParams({ range: state.range });
  if (state.service) { h.set('service', state.service); h.set('type', state.type); h.set('name', state.name); }
  history.replaceState(null, '', '#' + h.toString());
}

// ---------------------------------------------------------------- overview and firing alerts

async function loadOverview() {
  const body = await api('/api/services', rangeParams());
  state.services = body.services;
  const tbody = $('#services tbody');
  const rows = body.services.map((s) => {
    const tr = el('tr', { 'data-service': s.service, 'data-type': s.type, 'data-state': s.state },
      el('td', {}, stateBadge(s.state)),
      el('td', { class: 'service' }, s.service),
      el('td', {}, s.type),
      el('td', { class: 'num' }, fmtCount(s.events)),
      el('td', { class: 'num' }, fmtPct(s.error_rate)),
      el('td', { class: 'num' }, fmtMs(s.p50_ms)),
      el('td', { class: 'num' }, fmtMs(s.p95_ms)),
      el('td', { class: 'num' }, fmtMs(s.p99_ms)),
      el('td', { class: 'num' }, s.type === 'cache' ? fmtPct(s.hit_rate) : ''),
      el('td', { class: 'num' }, s.active_alerts || ''));
    tr.setAttribute('aria-selected', String(s.service === state.service && s.type === state.type));
    tr.addEventListener('click', () => select(s.service, s.type, '*'));
    return tr;
  });
  tbody.replaceChildren(...rows);
  $('#services-empty').hidden = rows.length > 0;
}

const seriesKey = (a) => [a.rule, a.type, a.service, a.name].join('\u0000');

function alertItem(a, fresh) {
  const li = el('li', { class: 'sev-' + a.severity + ' ev-' + a.event + (fresh ? ' fresh' : ''), 'data-alert-id': a.alert_id },
    el('span', { class: 'when', title: 'window ' + a.window_start + ' – ' + a.window_end }, fmtTime(a.window_end)),
    stateBadge(a.event === 'resolved' ? 'ok' : a.severity),
    el('span', { class: 'event' }, a.event),
    el('span', { class: 'what', title: a.summary }, a.service + ' · ' + a.type + ' ' + a.name + ' · ' + a.rule + ': '
      + fmtMetric(a.metric, a.value) + ' vs ' + fmtMetric(a.metric, a.threshold)));
  li.addEventListener('click', () => select(a.service, a.type, a.name));
  return li;
}

async function loadFiring() {
  const body = await api('/api/alerts', { state: 'active' });
  // Alerts that arrived live but are not in the table yet stay until it has them (or they resolve).
  const bySeries = new Map(body.alerts.map((a) => [seriesKey(a), a]));
  for (const [key, a] of state.liveAlerts) {
    const known = bySeries.get(key);
    if (!known || known.window_end < a.window_end) {
      if (a.event === 'resolved') bySeries.delete(key); else bySeries.set(key, a);
    } else {
      state.liveAlerts.delete(key);
    }
  }
  const active = [...bySeries.values()].sort((x, y) => (x.severity === 'critical' ? 0 : 1) - (y.severity === 'critical' ? 0 : 1)
    || y.started_at.localeCompare(x.started_at));
  $('#firing-list').replaceChildren(...active.map((a) => alertItem(a, state.liveAlerts.has(seriesKey(a)))));
  $('#firing-count').textContent = active.length;
  $('#firing-none').hidden = active.length > 0;
}

// ---------------------------------------------------------------- one service

function select(service, type, name) {
  state.service = service;
  state.type = type;
  state.name = name || '*';
  writeHash();
  for (const tr of document.querySelectorAll('#services tbody tr')) {
    tr.setAttribute('aria-selected', String(tr.dataset.service === service && tr.dataset.type === type));
  }
  loadDetail().catch(showError);
}

async function loadDetail() {
  if (!state.service) return;
  const params = rangeParams();
  $('#detail-title').textContent = state.service + ' · ' + state.type + (state.name === '*' ? '' : ' · ' + state.name);
  $('#series-controls').hidden = false;
  $('#charts').hidden = false;
  $('#detail-body').hidden = false;

  const types = [...new Set(state.services.filter((s) => s.service === state.service).map((s) => s.type))];
  if (!types.includes(state.type)) types.push(state.type);
  $('#types').replaceChildren(...types.map((t) => {
    const b = el('button', { type: 'button', role: 'tab' }, t);
    b.setAttribute('aria-selected', String(t === state.type));
    b.addEventListener('click', () => select(state.service, t, '*'));
    return b;
  }));

  const [names, series, sla, history] = await Promise.all([
    api('/api/names', { service: state.service, type: state.type, ...params }),
    api('/api/series', { service: state.service, type: state.type, name: state.name, ...params }),
    api('/api/sla', { service: state.service, ...params }),
    api('/api/alerts', { state: 'all', service: state.service, ...params }),
  ]);
  const select_ = $('#names');
  const options = names.names.map((n) => el('option', { value: n.name }, n.name === '*' ? '* (whole service)' : n.name));
  if (!names.names.some((n) => n.name === state.name)) options.unshift(el('option', { value: state.name }, state.name));
  select_.replaceChildren(...options);
  select_.value = state.name;

  drawSeries(series);
  drawSla(sla);
  drawTimeline(history.alerts);
}

function thresholdSeries(rules, metrics, scale) {
  const lines = [];
  for (const r of rules.filter((r) => metrics.includes(r.metric))) {
    for (const level of ['warning', 'critical']) {
      lines.push({ label: r.rule + ' ' + level, value: r[level] * scale, stroke: COLORS[level], dash: [6, 4], width: 1 });
    }
  }
  return lines;
}

function drawSeries(series) {
  const p = series.points;
  const t = p.t.map((iso) => Date.parse(iso) / 1000);
  const pct = (arr) => arr.map((v) => v == null ? null : v * 100);
  draw('latency', t, [
    { label: 'p50', values: p.p50_ms, stroke: COLORS.p50 },
    { label: 'p95', values: p.p95_ms, stroke: COLORS.p95 },
    { label: 'p99', values: p.p99_ms, stroke: COLORS.p99 },
  ], thresholdSeries(series.rules, ['p50_ms', 'p95_ms', 'p99_ms'], 1), (v) => fmtMs(v));
  draw('errors', t, [{ label: 'error rate', values: pct(p.error_rate), stroke: COLORS.critical }],
    thresholdSeries(series.rules, ['error_rate'], 100), (v) => v == null ? '—' : v.toFixed(2) + '%');
  $('#chart-hits').hidden = state.type !== 'cache';
  if (state.type === 'cache') {
    draw('hits', t, [{ label: 'hit rate', values: pct(p.hit_rate), stroke: COLORS.main }],
      thresholdSeries(series.rules, ['hit_rate'], 100), (v) => v == null ? '—' : v.toFixed(1) + '%');
  }
}

/** Time ticks in UTC, 24-hour: HH:MM within a day, MM-DD HH:MM across days. */
function utcTicks(u, splits) {
  const span = splits.length > 1 ? splits[splits.length - 1] - splits[0] : 0;
  return splits.map((s) => {
    const iso = new Date(s * 1000).toISOString();
    return span > 86400 ? iso.slice(5, 16).replace('T', ' ') : iso.slice(11, 16);
  });
}

function draw(id, t, lines, thresholds, fmt) {
  const figure = $('#chart-' + id);
  const plot = figure.querySelector('.plot');
  const hasData = lines.some((l) => l.values.some((v) => v != null));
  figure.querySelector('.nodata').hidden = hasData;
  const data = [t, ...lines.map((l) => l.values), ...thresholds.map((th) => t.map(() => th.value))];
  const shape = lines.map((l) => l.label).concat(thresholds.map((th) => th.label)).join('|');
  const existing = charts[id];
  if (existing && existing.shape === shape) {
    existing.plot.setData(data);
    const width = plot.clientWidth; // it may have been resized while hidden
    if (width && Math.abs(existing.plot.width - width) > 1) existing.plot.setSize({ width, height: PLOT_HEIGHT });
    return;
  }
  if (existing) existing.plot.destroy();
  const opts = {
    width: plot.clientWidth || 600,
    height: PLOT_HEIGHT,
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } },
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'), // the API's times are UTC; so are the axes and legend
    axes: [
      { stroke: '#8b96a3', grid: { stroke: '#2a323c' }, ticks: { stroke: '#2a323c' }, values: utcTicks },
      { stroke: '#8b96a3', grid: { stroke: '#2a323c' }, ticks: { stroke: '#2a323c' }, size: 70, values: (u, vals) => vals.map(fmt) },
    ],
    series: [
      { value: (u, v) => v == null ? '—' : new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ') + 'Z' },
      ...lines.map((l) => ({ label: l.label, stroke: l.stroke, width: 2, spanGaps: false, value: (u, v) => fmt(v) })),
      ...thresholds.map((th) => ({ label: th.label, stroke: th.stroke, width: th.width, dash: th.dash, points: { show: false }, value: (u, v) => fmt(v) })),
    ],
  };
  charts[id] = { shape, plot: new uPlot(opts, data, plot) };
}

function drawSla(sla) {
  const rows = sla.rules.filter((r) => r.active).map((r) => el('tr', { 'data-rule': r.rule, 'data-name': r.name },
    el('td', {}, stateBadge(r.alert_state)),
    el('td', {}, r.rule),
    el('td', {}, r.type + ' ' + r.name),
    el('td', { class: 'num value-' + (r.value_state || 'none') }, fmtMetric(r.metric, r.value)),
    el('td', { class: 'num' }, r.comparison + ' ' + fmtMetric(r.metric, r.warning)),
    el('td', { class: 'num' }, r.comparison + ' ' + fmtMetric(r.metric, r.critical)),
    el('td', { class: 'num', title: r.windows_judged + ' windows judged, ' + r.windows_breached + ' in breach' },
      r.compliance_pct == null ? '—' : r.compliance_pct.toFixed(2) + '%'),
    el('td', { class: 'num' }, r.incidents)));
  $('#sla-table tbody').replaceChildren(...rows);
  const slos = (sla.slos || []).map((o) => el('tr', { 'data-slo': o.slo, 'data-name': o.name },
    el('td', {}, stateBadge(o.alert_state)),
    el('td', {}, o.slo),
    el('td', {}, o.type + ' ' + o.name),
    el('td', { class: 'num' }, (o.objective * 100).toPrecision(6).replace(/\.?0+$/, '') + '%'),
    el('td', { class: 'num value-' + (o.budget_remaining < 0 ? 'critical' : o.budget_remaining < 0.25 ? 'warning' : 'ok') },
      (o.budget_remaining * 100).toFixed(1) + '%'),
    el('td', { class: 'num' }, Object.entries(o.burn_rates).map(([w, b]) => w + ' ' + b.toFixed(2)).join(' · ')),
    el('td', { class: 'num', title: o.good + ' good of ' + o.total + ' over the period, up to ' + o.window_end }, o.total)));
  $('#slo-table tbody').replaceChildren(...slos);
  $('#slos').hidden = slos.length === 0;
}

function drawTimeline(alerts) {
  // Transitions that arrived live but are not in the table yet stay on the timeline.
  const known = new Set(alerts.map((a) => a.alert_id));
  const live = [...state.liveAlerts.values()].filter((a) => a.service === state.service && !known.has(a.alert_id));
  const all = live.concat(alerts).sort((x, y) => y.window_end.localeCompare(x.window_end));
  $('#timeline-list').replaceChildren(...all.map((a) => alertItem(a, !known.has(a.alert_id))));
  $('#timeline-none').hidden = all.length > 0;
}

// ---------------------------------------------------------------- live

function setLive(mode, text) {
  const live = $('#live');
  live.className = 'live live-' + mode;
  live.textContent = text;
}

let refreshSoon = null;
function onLiveAlert(a) {
  state.liveAlerts.set(seriesKey(a), a);
  if (a.service === state.service) {
    const list = $('#timeline-list');
    if (!list.querySelector('[data-alert-id="' + CSS.escape(a.alert_id) + '"]')) list.prepend(alertItem(a, true));
    $('#timeline-none').hidden = true;
  }
  loadFiring().catch(showError);
  clearTimeout(refreshSoon);
  refreshSoon = setTimeout(() => refresh(), 1500); // the table catches up with the stream
}

function follow() {
  const source = new EventSource('/api/stream');
  source.addEventListener('status', (e) => {
    const s = JSON.parse(e.data);
    state.live = s.live;
    if (s.live) setLive('on', 'live alerts');
    else if (s.redis_configured) setLive('polling', 'Redis unreachable: polling');
    else setLive('polling', 'no Redis: polling every 10 s');
  });
  source.addEventListener('alert', (e) => onLiveAlert(JSON.parse(e.data)));
  source.onerror = () => setLive('off', 'reconnecting…');
}

// ---------------------------------------------------------------- refresh loop

function showError(e) {
  $('#updated').textContent = 'error: ' + e.message;
}

async function refresh() {
  try {
    await Promise.all([loadOverview(), loadFiring()]);
    await loadDetail();
    $('#updated').textContent = 'updated ' + new Date().toISOString().slice(11, 19) + 'Z';
  } catch (e) {
    showError(e);
  }
}

function setRange(range) {
  state.range = range;
  for (const b of document.querySelectorAll('#ranges button')) b.setAttribute('aria-pressed', String(b.dataset.range === range));
  writeHash();
  refresh();
}

window.addEventListener('resize', () => {
  for (const c of Object.values(charts)) {
    const width = c.plot.root.parentElement.clientWidth;
    if (width) c.plot.setSize({ width, height: PLOT_HEIGHT }); // a hidden chart is sized when shown
  }
});

readHash();
for (const b of document.querySelectorAll('#ranges button')) b.addEventListener('click', () => setRange(b.dataset.range));
$('#names').addEventListener('change', (e) => select(state.service, state.type, e.target.value));
setRange(state.range);
follow();
setInterval(refresh, REFRESH_MS);
