// chorus web page. Plain JavaScript, no build step. Every piece of document text is put
// into the page with textContent (never parsed as markup), and the server's Content-Security-Policy
// forbids inline scripts besides.
'use strict';

const $ = (id) => document.getElementById(id);
const enc = new TextEncoder();
const dec = new TextDecoder();

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  const data = await r.json().catch(() => ({ code: 'bad_response', message: r.statusText }));
  if (!r.ok) throw new Error(`${data.message || data.code} (${r.status})`);
  return data;
}

// The API's offsets are UTF-8 byte offsets; split the text into pieces at the spans'
// boundaries, each piece tagged with the passage it belongs to (or -1).
function pieces(text, spans) {
  const bytes = enc.encode(text);
  const marks = spans
    .map((s, i) => ({ begin: s.begin, end: s.end, i }))
    .filter((s) => s.end > s.begin)
    .sort((a, b) => a.begin - b.begin || b.end - a.end);
  const out = [];
  let pos = 0;
  for (const m of marks) {
    const b = Math.max(m.begin, pos);
    if (m.end <= b) continue;
    if (b > pos) out.push({ text: dec.decode(bytes.subarray(pos, b)), i: -1 });
    out.push({ text: dec.decode(bytes.subarray(b, m.end)), i: m.i });
    pos = m.end;
  }
  if (pos < bytes.length) out.push({ text: dec.decode(bytes.subarray(pos)), i: -1 });
  return out;
}

function highlighted(text, spans, key) {
  const box = el('div');
  for (const p of pieces(text, spans)) {
    if (p.i < 0) box.append(document.createTextNode(p.text));
    else box.append(el('mark', { 'data-pair': `${key}-${p.i}`, title: `shared passage ${p.i + 1}` }, p.text));
  }
  return box;
}

// The share of the article's words inside a passage shared with any match: words as the
// engine counts them (runs of letters, digits and marks; one per character in scripts
// written without spaces), so that with one match it is that match's "% of the article".
const WORD = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]|[\p{L}\p{N}\p{M}]+/gu;
function reusedShare(text, matches) {
  const spans = matches.flatMap((m) => m.passages.map((p) => [p.query.begin, p.query.end]));
  let words = 0, covered = 0, byte = 0, last = 0;
  for (const w of text.matchAll(WORD)) {
    byte += enc.encode(text.slice(last, w.index)).length;
    last = w.index;
    words += 1;
    if (spans.some(([b, e]) => byte >= b && byte < e)) covered += 1;
  }
  return words ? covered / words : 0;
}

function describe(d) {
  if (!d) return 'unknown';
  const parts = [d.source, d.date].filter(Boolean);
  const who = d.id || d.doc || '';
  return parts.length ? `${parts.join(', ')} (${who})` : who;
}

function flag(v) {
  if (v === true) return el('span', { class: 'flag-yes' }, 'yes');
  if (v === false) return 'no';
  return el('span', { class: 'muted' }, 'unknown');
}

function setFlag(node, v) {
  node.replaceChildren(flag(v));
}

function showError(msg) {
  const e = $('error');
  e.textContent = msg;
  e.hidden = !msg;
}

function clusterButton(id) {
  return el('a', { href: `#cluster/${id}`, class: 'cluster-link' }, `cluster #${id}`);
}

async function check(ev) {
  ev.preventDefault();
  showError('');
  const text = $('article').value;
  const url = $('url').value.trim();
  const body = text.trim() ? { text } : url ? { url } : null;
  if (!body) { showError('Paste an article first.'); return; }
  $('check').disabled = true;
  $('status').textContent = 'searching…';
  try {
    const r = await api('POST', '/v1/query', body);
    const article = r.fetched ? r.fetched.text : text;
    await renderResults(article, r);
    $('status').textContent = '';
  } catch (e) {
    showError(e.message);
    $('status').textContent = '';
  } finally {
    $('check').disabled = false;
  }
}

async function renderResults(article, r) {
  $('results').hidden = false;
  $('reused').textContent = `${Math.round(reusedShare(article, r.matches) * 100)}%`;
  $('match-count').textContent = String(r.matches.length);
  $('earliest').textContent = describe(r.provenance.earliest);
  setFlag($('coordinated'), r.provenance.coordinated);
  const links = $('cluster-links');
  links.replaceChildren();
  if (r.provenance.clusters.length) {
    links.append('Shared passages belong to ');
    r.provenance.clusters.forEach((c, i) => {
      if (i) links.append(', ');
      links.append(clusterButton(c.id));
      if (c.coordinated) links.append(el('span', { class: 'flag-yes' }, ' (coordinated)'));
    });
  } else if (!r.provenance.clusters_ready && r.matches.length) {
    links.append(el('span', { class: 'muted' }, 'Clusters are still being computed; try again shortly.'));
  }
  const box = $('matches');
  box.replaceChildren();
  if (!r.matches.length) {
    box.append(el('p', { class: 'muted', id: 'no-matches' }, 'No stored document shares a passage with this text.'));
    return;
  }
  const docs = await Promise.all(
    r.matches.map((m) => api('GET', `/v1/documents/${encodeURIComponent(m.id)}`).catch(() => null)));
  r.matches.forEach((m, k) => {
    const doc = docs[k];
    const meta = [m.source, m.date, m.title].filter(Boolean).join(' · ');
    const head = el('h3', {}, m.id, el('span', { class: 'meta' },
      `${meta ? meta + ' · ' : ''}${m.passages.length} passage(s), ${Math.round(m.coverage * 100)}% of the article`));
    for (const c of m.clusters || []) head.append(' ', clusterButton(c));
    const left = highlighted(article, m.passages.map((p) => p.query), `m${k}`);
    left.prepend(el('span', { class: 'col-title' }, 'Your article'));
    const right = doc
      ? highlighted(doc.text, m.passages.map((p) => p.doc), `m${k}`)
      : el('div', { class: 'muted' }, 'document text unavailable');
    right.prepend(el('span', { class: 'col-title' }, m.id));
    const card = el('article', { class: 'match', 'data-id': m.id }, head, el('div', { class: 'side' }, left, right));
    card.addEventListener('mouseover', (e) => {
      const key = e.target && e.target.dataset ? e.target.dataset.pair : undefined;
      card.querySelectorAll('mark.on').forEach((n) => n.classList.remove('on'));
      if (key) card.querySelectorAll(`mark[data-pair="${key}"]`).forEach((n) => n.classList.add('on'));
    });
    box.append(card);
  });
}

async function loadClusters(ev) {
  if (ev) ev.preventDefault();
  const q = new URLSearchParams();
  if ($('f-coordinated').checked) q.set('coordinated', 'true');
  if ($('f-source').value.trim()) q.set('source', $('f-source').value.trim());
  if ($('f-since').value.trim()) q.set('since', $('f-since').value.trim());
  q.set('limit', '200');
  showError('');
  try {
    const r = await api('GET', `/v1/clusters?${q}`);
    $('cluster-total').textContent = `${r.total} cluster(s)${r.total > r.clusters.length ? `, first ${r.clusters.length} shown` : ''}`;
    const body = $('cluster-table').tBodies[0];
    body.replaceChildren(...r.clusters.map((c) => el('tr', {},
      el('td', {}, clusterButton(c.id)),
      el('td', {}, String(c.size)),
      el('td', {}, c.sources.join(', ')),
      el('td', {}, describe(c.earliest)),
      el('td', {}, flag(c.coordinated)),
      el('td', { class: 'passage' }, c.excerpt))));
  } catch (e) {
    showError(e.message);
  }
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function fmtTime(t) {
  return new Date(t * 1000).toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, 'Z');
}

// One row per outlet, one dot per copy, time along x.
function timeline(members) {
  const dated = members.filter((m) => typeof m.timestamp === 'number');
  if (!dated.length) return el('p', { class: 'muted' }, 'No member has a date.');
  const outlets = [...new Set(dated.map((m) => m.source || '(no source)'))];
  const t0 = Math.min(...dated.map((m) => m.timestamp));
  const t1 = Math.max(...dated.map((m) => m.timestamp));
  const left = 170, right = 30, top = 20, row = 26, width = 900;
  const height = top + outlets.length * row + 40;
  const x = (t) => left + (t1 === t0 ? (width - left - right) / 2 : ((t - t0) / (t1 - t0)) * (width - left - right));
  const s = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': 'timeline of copies' });
  const axisY = top + outlets.length * row + 5;
  s.append(svg('line', { class: 'axis', x1: left, y1: axisY, x2: width - right, y2: axisY }));
  s.append(svg('text', { x: left, y: axisY + 18 }, fmtTime(t0)));
  if (t1 !== t0) s.append(svg('text', { x: width - right, y: axisY + 18, 'text-anchor': 'end' }, fmtTime(t1)));
  outlets.forEach((o, i) => {
    const y = top + i * row + row / 2;
    s.append(svg('text', { x: left - 10, y: y + 4, 'text-anchor': 'end' }, o.length > 24 ? o.slice(0, 23) + '…' : o));
    s.append(svg('line', { x1: left, y1: y, x2: width - right, y2: y, stroke: '#eef1f4' }));
  });
  dated.forEach((m) => {
    const y = top + outlets.indexOf(m.source || '(no source)') * row + row / 2;
    const c = svg('circle', { class: m.timestamp === t0 ? 'dot first' : 'dot', cx: x(m.timestamp), cy: y, r: 6 });
    c.append(svg('title', {}, `${m.source || ''} ${m.date || ''} ${m.doc}`));
    s.append(c);
  });
  return s;
}

async function showCluster(id) {
  showError('');
  try {
    const c = await api('GET', `/v1/clusters/${encodeURIComponent(id)}`);
    $('cluster-title').textContent = `Cluster #${c.id}`;
    $('c-size').textContent = String(c.members.length);
    $('c-outlets').textContent = String(c.sources.length);
    $('c-earliest').textContent = describe(c.earliest);
    const score = typeof c.coordination_score === 'number' ? ` (score ${c.coordination_score.toFixed(2)})` : '';
    $('c-coordinated').replaceChildren(flag(c.coordinated), score);
    $('timeline').replaceChildren(timeline(c.members));
    $('members').replaceChildren(...c.members.map((m) => {
      const about = [m.date, m.source, m.title].filter(Boolean).join(' · ');
      const extra = [];
      if (m.quoted) extra.push('quoted');
      if (m.attribution) extra.push(`attributed: ${typeof m.attribution === 'string' ? m.attribution : JSON.stringify(m.attribution)}`);
      return el('li', { 'data-doc': m.doc }, el('strong', {}, m.doc), ' ', el('span', { class: 'muted' }, about),
        extra.length ? el('span', { class: 'muted' }, ` (${extra.join('; ')})`) : null,
        el('div', { class: 'passage' }, m.text || ''));
    }));
  } catch (e) {
    $('cluster-title').textContent = `Cluster #${id}`;
    showError(e.message);
  }
}

function route() {
  const h = location.hash.replace(/^#/, '');
  const m = /^cluster\/(\d+)$/.exec(h);
  $('view-check').hidden = !!h;
  $('view-clusters').hidden = h !== 'clusters';
  $('view-cluster').hidden = !m;
  if (m) showCluster(m[1]);
  else if (h === 'clusters') loadClusters();
}

document.addEventListener('DOMContentLoaded', () => {
  $('check-form').addEventListener('submit', check);
  $('cluster-filter').addEventListener('submit', loadClusters);
  window.addEventListener('hashchange', route);
  api('GET', '/healthz').then((h) => {
    $('url-row').hidden = !h.fetch;
    $('status').textContent = `${h.documents} documents indexed`;
  }).catch(() => {});
  route();
});
