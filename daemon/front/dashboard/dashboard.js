// switchyard's dashboard: reads /api/dashboard every second and draws it. Charts are
// Chart.js's (Debian's libjs-chart.js, served from the daemon itself as /chart.js).
'use strict';

const charts = {};
const palette = ['#0969da', '#1a7f37', '#bf3989', '#9a6700', '#8250df', '#cf222e', '#57606a'];

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function clock(ms) {
  return ms ? new Date(ms).toISOString().substring(11, 19) + 'Z' : '';
}

function drawModels(state) {
  const body = document.querySelector('#models tbody');
  body.replaceChildren();
  for (const m of state.models) {
    const breaker = el('span', { class: 'badge ' + m.breaker, 'data-breaker': m.breaker },
                       m.breaker.replace('_', '-'));
    const since = m.breaker_since_ms ? ' since ' + clock(m.breaker_since_ms) : '';
    const task = m.tasks[0] || {};
    const timeout = task.timeout_ms !== undefined
        ? `${task.timeout_ms} ms (${task.timeout_source}${task.frozen_since_ms ? ', frozen' : ''})`
        : `${m.timeout_ms} ms`;
    const p95 = task.samples ? `${Math.round(task.p95_ms)} ms (${task.samples})` : '—';
    const mix = (m.outcomes || []).map((o) => `${o.outcome} ${o.n}`).join(', ') || '—';
    body.append(el('tr', { 'data-model': m.name },
                   el('td', {}, m.name), el('td', {}, m.provider),
                   el('td', {}, breaker, since), el('td', {}, timeout), el('td', {}, p95),
                   el('td', {}, String(m.in_flight)), el('td', {}, mix)));
  }
}

function chart(id, config) {
  if (charts[id]) {
    charts[id].data = config.data;
    charts[id].update('none');
    return;
  }
  charts[id] = new Chart(document.getElementById(id), config);
}

function drawRoutes(state) {
  const section = document.getElementById('routes');
  for (const r of state.routes) {
    let box = section.querySelector(`[data-route="${r.name}"]`);
    if (!box) {
      box = el('div', { class: 'route', 'data-route': r.name },
               el('div', {}, el('h3', {}, r.name),
                  el('div', { class: 'chart' }, el('canvas', { id: 'served-' + r.name }))),
               el('div', {}, el('p', { class: 'summary' }),
                  el('div', { class: 'chart' }, el('canvas', { id: 'reasons-' + r.name }))));
      section.append(box);
    }
    const minutes = [];
    for (let t = state.now_ms - 3600000; t <= state.now_ms; t += 60000) {
      minutes.push(Math.floor(t / 60000));
    }
    const models = [...new Set(r.served.map((s) => s.model))];
    chart('served-' + r.name, {
      type: 'line',
      data: {
        labels: minutes.map((m) => clock(m * 60000).substring(0, 5)),
        datasets: models.map((model, i) => ({
          label: model || '(none)',
          borderColor: palette[i % palette.length],
          pointRadius: 0,
          data: minutes.map((m) => {
            const s = r.served.find((x) => x.model === model && x.minute === m);
            return s ? s.requests : 0;
          }),
        })),
      },
      options: { animation: false, maintainAspectRatio: false,
                 plugins: { title: { display: true, text: 'requests a minute, by the model that served' } } },
    });
    chart('reasons-' + r.name, {
      type: 'bar',
      data: {
        labels: r.fallback_reasons.map((f) => f.reason),
        datasets: [{ label: 'fallbacks', backgroundColor: '#cf222e',
                     data: r.fallback_reasons.map((f) => f.n) }],
      },
      options: { animation: false, maintainAspectRatio: false, indexAxis: 'y',
                 plugins: { legend: { display: false },
                            title: { display: true, text: 'fallbacks by reason' } } },
    });
    const budget = r.budget_usd_per_day
        ? `$${r.spent_today_usd.toFixed(4)} of $${r.budget_usd_per_day.toFixed(2)} today` +
          (r.over_budget ? ` (over: starts at ${r.start_tier})` : '')
        : `$${r.spent_today_usd.toFixed(4)} today, no budget`;
    const rate = r.requests ? (100 * r.fallbacks / r.requests).toFixed(1) : '0.0';
    box.querySelector('.summary').textContent =
        `${r.requests} requests, fallback rate ${rate}%; cost ${budget}`;
  }
}

function drawTransitions(state) {
  const models = state.models.map((m) => m.name);
  chart('timeline', {
    type: 'scatter',
    data: {
      datasets: ['open', 'half_open', 'closed'].map((to, i) => ({
        label: to.replace('_', '-'),
        backgroundColor: ['#cf222e', '#bf8700', '#1a7f37'][i],
        data: state.transitions.filter((t) => t.to === to)
            .map((t) => ({ x: (t.ts_ms - state.now_ms) / 3600000, y: models.indexOf(t.model) })),
      })),
    },
    options: {
      animation: false, maintainAspectRatio: false,
      scales: {
        x: { min: -24, max: 0, title: { display: true, text: 'hours ago' } },
        y: { min: -0.5, max: models.length - 0.5,
             // One tick a model, named.
             afterBuildTicks: (axis) => { axis.ticks = models.map((_, i) => ({ value: i })); },
             ticks: { callback: (v) => models[v] || '' } },
      },
    },
  });
  const list = document.getElementById('transitions');
  list.replaceChildren(...state.transitions.slice(-10).reverse().map((t) =>
      el('li', {}, `${clock(t.ts_ms)} ${t.model}: ${t.from} → ${t.to} (${t.reason})`)));
}

function drawFleet(state) {
  const f = state.fleet;
  document.getElementById('fleet').hidden = f.state === 'off';
  document.getElementById('fleet-line').textContent =
      `${f.host} in ${f.name}: link ${f.state} since ${clock(f.since_ms)}, ${f.hosts} hosts, ` +
      `${f.events_sent} verdicts sent, ${f.events_applied} applied`;
}

async function refresh() {
  try {
    const r = await fetch('/api/dashboard', { cache: 'no-store' });
    if (r.status === 401) {
      location.reload();
      return;
    }
    const state = await r.json();
    document.getElementById('version').textContent = 'switchyardd ' + state.version;
    const problem = document.getElementById('problem');
    problem.hidden = !state.history_error;
    problem.textContent = state.history_error || '';
    drawModels(state);
    drawRoutes(state);
    drawTransitions(state);
    drawFleet(state);
    document.getElementById('updated').textContent = 'as of ' + clock(state.now_ms);
  } catch (e) {
    document.getElementById('updated').textContent = 'the daemon is not answering';
  }
}

refresh();
setInterval(refresh, 1000);
