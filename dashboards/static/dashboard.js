// wharf dashboards: the little behaviour the server-rendered pages need. No framework, no
// external code. Data arrives through data- attributes and JSON answers, and reaches the
// page only through textContent and createElement (never as markup).
'use strict';

(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // Every state-changing call the pages make: same-origin cookie plus the CSRF header the
  // server requires of cookie-authenticated writes.
  function api(path, body, extra) {
    return fetch(path, Object.assign({
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', 'x-wharf-csrf': '1' },
      body: JSON.stringify(body),
    }, extra || {}));
  }

  async function errorText(resp) {
    try {
      const v = await resp.json();
      return (v && v.error && v.error.message) || resp.statusText;
    } catch (_) {
      return resp.statusText;
    }
  }

  // ---- run page: live build log over SSE ----
  function followRun(list) {
    const id = list.dataset.run;
    const status = $('#live-status');
    const es = new EventSource('/api/v1/runs/' + encodeURIComponent(id) + '/events');
    const line = (state, kind, text) => {
      const li = el('li', { class: 'step state-' + state });
      li.append(el('span', { class: 'state' }, state), ' ', el('span', { class: 'kind' }, kind), ' ',
        el('span', { class: 'summary' }, text || ''));
      list.append(li);
      return li;
    };
    const lifecycle = {
      runbook_loaded: (d) => 'runbook ' + (d.runbook || '') + ' ' + (d.version || '') + ' · agent ' + (d.agent || ''),
      sandbox_ready: (d) => 'sandbox ready in ' + (d.ms || 0) + ' ms',
      agent_started: (d) => 'agent ' + (d.agent || '') + ' started',
      agent_exited: (d) => 'agent exited (' + (d.how || 'code ' + d.code) + ')',
      artifacts_collected: (d) => (d.files || 0) + ' files collected',
      evaluated: (d) => 'attempt ' + d.attempt + ' evaluated: ' + (d.passed ? 'passed' : 'failed') + (d.failed && d.failed.length ? ' (' + d.failed.join(', ') + ')' : ''),
      retrying: (d) => 'retrying: attempt ' + d.attempt + ' of ' + (d.max_rounds || '?'),
      warning: (d) => d.message || '',
      finished: () => 'run recorded',
    };
    for (const [type, text] of Object.entries(lifecycle)) {
      es.addEventListener(type, (ev) => {
        const d = JSON.parse(ev.data);
        const bad = type === 'warning' || (type === 'evaluated' && !d.passed);
        line(bad ? 'failed' : 'done', type, text(d));
      });
    }
    es.addEventListener('step', (ev) => {
      const d = JSON.parse(ev.data);
      const state = d.kind === 'error' ? 'failed' : d.kind === 'tool_call' ? 'running' : 'done';
      if (d.kind === 'tool_result') {
        // A result closes the oldest call still running: done, or failed.
        const open = $('.step.state-running', list);
        if (open) {
          const failed = /\b(failed|error)\b/.test(d.summary || '');
          open.classList.replace('state-running', failed ? 'state-failed' : 'state-done');
          $('.state', open).textContent = failed ? 'failed' : 'done';
          $('.summary', open).textContent += ' → ' + (d.summary || '');
          return;
        }
      }
      line(state, d.kind || 'step', d.summary).dataset.seq = d.seq;
    });
    es.addEventListener('result', (ev) => {
      const d = JSON.parse(ev.data);
      es.close();
      $$('.step.state-running', list).forEach((li) => {
        li.classList.replace('state-running', 'state-waiting');
        $('.state', li).textContent = 'waiting';
      });
      line(d.status === 'succeeded' ? 'done' : 'failed', 'result', d.status + (d.error ? ': ' + d.error : ''));
      status.textContent = 'finished (' + d.status + '). ';
      const a = el('a', { href: location.pathname }, 'reload for the full record');
      status.append(a);
    });
    es.onerror = () => { status.textContent = 'connection lost; retrying…'; };
  }

  // ---- run page: step-through replay over the timeline ----
  // Steps through every event of the run: past the last event of a page it opens the next
  // page at its first event (#replay-first), before the first it opens the previous page at
  // its last (#replay-last).
  function replay() {
    const box = $('#events');
    const events = $$('#events .event');
    const pos = $('#replay-pos');
    if (!box || !events.length || !pos) return;
    const offset = Number(box.dataset.offset || 0);
    const total = Number(box.dataset.total || events.length);
    let i = -1;
    const show = (n) => {
      if (n >= events.length) {
        if (box.dataset.next) location.assign(box.dataset.next + '#replay-first');
        return;
      }
      if (n < 0) {
        if (box.dataset.prev) location.assign(box.dataset.prev + '#replay-last');
        return;
      }
      if (i >= 0) events[i].classList.remove('current');
      i = n;
      const e = events[i];
      e.classList.add('current');
      $$('details', e).forEach((d) => { d.open = true; });
      e.scrollIntoView({ block: 'center' });
      pos.textContent = 'event ' + (offset + i + 1) + ' of ' + total + ' · ' + $('header .mono', e).textContent;
      history.replaceState(null, '', '#' + e.id);
    };
    const next = () => show(i + 1);
    const prev = () => show(i < 0 ? 0 : i - 1);
    $('#replay-prev').addEventListener('click', prev);
    $('#replay-next').addEventListener('click', next);
    document.addEventListener('keydown', (ev) => {
      const t = ev.target;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
      if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
      if (ev.key === 'ArrowRight') { ev.preventDefault(); next(); }
      if (ev.key === 'ArrowLeft') { ev.preventDefault(); prev(); }
    });
    // The URL's fragment picks the event: on load, and when a link changes it.
    const fromHash = () => {
      const hash = location.hash.slice(1);
      if (hash === 'replay-first') show(0);
      else if (hash === 'replay-last') show(events.length - 1);
      else {
        const at = events.findIndex((e) => e.id === hash);
        if (at >= 0) show(at);
      }
    };
    window.addEventListener('hashchange', fromHash);
    fromHash();
  }

  // ---- run page: labels ----
  function labels(form) {
    const status = $('#label-status');
    $$('.edit-label').forEach((b) => b.addEventListener('click', () => {
      form.elements.key.value = b.dataset.key;
      form.elements.value.value = b.dataset.value;
      form.elements.value.focus();
    }));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = { key: form.elements.key.value.trim(), value: form.elements.value.value };
      const note = form.elements.note.value.trim();
      if (note) body.note = note;
      status.textContent = 'saving…';
      const resp = await api('/api/v1/runs/' + encodeURIComponent(form.dataset.run) + '/labels', body);
      if (resp.ok) {
        status.textContent = 'saved';
        location.reload();
      } else {
        status.textContent = 'not saved: ' + await errorText(resp);
      }
    });
  }

  // ---- SQL console ----
  function chart(columns, rows) {
    const box = $('#sql-chart');
    box.replaceChildren();
    if (columns.length !== 2 || !rows.length) return;
    const [kx, ky] = columns.map((c) => c.name);
    const num = (v) => (v === null || v === undefined || v === '' ? NaN : Number(v));
    const ys = rows.map((r) => num(r[ky]));
    if (ys.some((y) => Number.isNaN(y))) return;
    const xsNumeric = rows.every((r) => !Number.isNaN(num(r[kx])));
    const NS = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(NS, 'svg');
    const W = 640, H = 220, L = 150, P = 10;
    svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
    svg.setAttribute('class', 'chart ' + (xsNumeric ? 'line' : 'bars'));
    svg.setAttribute('id', 'sql-svg');
    const max = Math.max(...ys.map(Math.abs), Number.MIN_VALUE);
    const node = (tag, attrs, text) => {
      const n = document.createElementNS(NS, tag);
      for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
      if (text !== undefined) n.textContent = text;
      svg.append(n);
      return n;
    };
    if (xsNumeric) {
      const xs = rows.map((r) => num(r[kx]));
      const x0 = Math.min(...xs), x1 = Math.max(...xs);
      const sx = (x) => 40 + (W - 50) * (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0));
      const sy = (y) => P + (H - 2 * P - 20) * (1 - Math.abs(y) / max);
      node('polyline', { class: 'series', fill: 'none', points: xs.map((x, i) => sx(x) + ',' + sy(ys[i])).join(' ') });
      xs.forEach((x, i) => node('circle', { class: 'dot', cx: sx(x), cy: sy(ys[i]), r: 3 })
        .append(Object.assign(document.createElementNS(NS, 'title'), { textContent: x + ': ' + ys[i] })));
    } else {
      const shown = rows.slice(0, 30);
      const row = Math.min(22, (H - 2 * P) / shown.length);
      svg.setAttribute('viewBox', '0 0 ' + W + ' ' + (row * shown.length + 2 * P));
      shown.forEach((r, i) => {
        const y = P + i * row;
        const w = Math.max(1, (W - L - 60) * Math.abs(ys[i]) / max);
        node('text', { class: 'axis', x: L - 6, y: y + row * 0.7, 'text-anchor': 'end' }, String(r[kx]).slice(0, 24));
        node('rect', { class: 'bar', x: L, y: y + 2, width: w, height: row - 4 });
        node('text', { class: 'value', x: L + w + 4, y: y + row * 0.7 }, String(ys[i]));
      });
    }
    box.append(svg);
  }

  function sqlConsole(form) {
    const q = $('#sql-query');
    const status = $('#sql-status');
    const out = $('#sql-result');
    const run = async () => {
      status.textContent = 'running…';
      const started = performance.now();
      const resp = await api('/api/v1/sql', { query: q.value, format: 'json' });
      if (!resp.ok) {
        status.textContent = 'error: ' + await errorText(resp);
        out.replaceChildren();
        $('#sql-chart').replaceChildren();
        return;
      }
      const v = await resp.json();
      const table = el('table', { id: 'sql-table' });
      const head = el('tr');
      v.columns.forEach((c) => head.append(el('th', { title: c.type }, c.name)));
      table.append(el('thead'), el('tbody'));
      table.tHead.append(head);
      for (const r of v.rows) {
        const tr = el('tr');
        v.columns.forEach((c) => {
          const x = r[c.name];
          tr.append(el('td', {}, x === null || x === undefined ? '' : typeof x === 'object' ? JSON.stringify(x) : x));
        });
        table.tBodies[0].append(tr);
      }
      out.replaceChildren(table);
      status.textContent = v.row_count + ' rows' + (v.truncated ? ' (truncated)' : '') + ' in ' + Math.round(performance.now() - started) + ' ms';
      chart(v.columns, v.rows);
    };
    form.addEventListener('submit', (ev) => { ev.preventDefault(); run(); });
    q.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); run(); }
    });
    $('#sql-csv').addEventListener('click', async () => {
      const resp = await api('/api/v1/sql', { query: q.value, format: 'csv' });
      if (!resp.ok) { status.textContent = 'error: ' + await errorText(resp); return; }
      const url = URL.createObjectURL(await resp.blob());
      const a = el('a', { href: url, download: 'wharf-query.csv' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    });
  }

  document.addEventListener('DOMContentLoaded', () => {
    const steps = $('#steps');
    if (steps && steps.dataset.live === 'true') followRun(steps);
    replay();
    const labelForm = $('#label-form');
    if (labelForm) labels(labelForm);
    const sqlForm = $('#sql-form');
    if (sqlForm) sqlConsole(sqlForm);
  });
})();
