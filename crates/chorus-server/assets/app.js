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

// A link to an article: http and https URLs only (never `javascript:`), opened apart.
function safeUrl(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url.trim()) ? url.trim() : null;
}

function link(url, ...children) {
  const u = safeUrl(url);
  return u ? el('a', { href: u, rel: 'noopener noreferrer', target: '_blank', class: 'out' }, ...children)
    : el('span', {}, ...children);
}

// A document's headline (its title, else its id, with the id beside a title), linked to
// its URL when it has one.
function headline(d) {
  const id = d.id || d.doc || '';
  const title = typeof d.title === 'string' && d.title.trim() ? d.title.trim() : null;
  return link(d.url, title || id, title ? el('small', { class: 'doc-id' }, ` ${id}`) : null);
}

function describe(d) {
  if (!d) return 'unknown';
  const parts = [d.source, d.date].filter(Boolean);
  const box = el('span', {}, headline(d));
  if (parts.length) box.append(` (${parts.join(', ')})`);
  return box;
}

// How a cluster member took the passage over, as the CLI report says it.
function useLabel(m) {
  const attr = typeof m.attribution === 'string' ? m.attribution
    : m.attribution ? JSON.stringify(m.attribution) : null;
  let text, kind;
  if (m.quoted) {
    kind = 'quotation';
    text = attr ? `quoted, attributed to ${attr}` : 'quoted';
  } else if (m.credit) {
    kind = 'credited';
    text = `credited to ${m.credit}`;
  } else {
    kind = 'copy';
    text = 'copied without credit';
  }
  return el('span', { class: `use ${kind}`, 'data-use': kind }, text);
}

// Cluster details, fetched once per page load and generation.
const clusterCache = new Map();
function clusterDetail(id) {
  if (!clusterCache.has(id)) {
    clusterCache.set(id, api('GET', `/v1/clusters/${encodeURIComponent(id)}`).catch((e) => {
      clusterCache.delete(id);
      throw e;
    }));
  }
  return clusterCache.get(id);
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
  if ($('reworded').checked) body.paraphrase = true;
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
  $('earliest').replaceChildren(describe(r.provenance.earliest));
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
  // the clusters' members say how each document used the passage (quoted, credited, copied)
  const ids = [...new Set(r.matches.flatMap((m) => m.clusters || []))];
  const details = await Promise.all(ids.map((id) => clusterDetail(id).catch(() => null)));
  const uses = new Map();
  for (const c of details) {
    for (const mem of (c && c.members) || []) {
      if (!uses.has(mem.doc)) uses.set(mem.doc, []);
      uses.get(mem.doc).push(mem);
    }
  }
  r.matches.forEach((m, k) => {
    const doc = docs[k];
    const meta = [m.source, m.date].filter(Boolean).join(' · ');
    const head = el('h3', {}, headline(m), el('span', { class: 'meta' },
      `${meta ? meta + ' · ' : ''}${m.passages.length} passage(s), ${Math.round(m.coverage * 100)}% of the article`));
    const seen = new Set();
    for (const mem of uses.get(m.id) || []) {
      const label = useLabel(mem);
      if (seen.has(label.textContent)) continue;
      seen.add(label.textContent);
      head.append(' ', label);
    }
    // with `paraphrase`, how the document was found: shared wording, or reworded only
    if (m.match === 'reworded') {
      head.append(' ', el('span', { class: 'use reworded', title: 'shares no wording, only reworded sentences' }, 'reworded'));
    }
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
      el('td', { class: 'earliest', 'data-cluster': c.id }, describe(c.earliest)),
      el('td', {}, flag(c.coordinated)),
      el('td', { class: 'uses', 'data-cluster': c.id }, el('span', { class: 'muted' }, '…')),
      el('td', { class: 'passage' }, c.excerpt))));
    fillUses(r.clusters.map((c) => c.id));
  } catch (e) {
    showError(e.message);
  }
}

// The engine's earliest copy with its member's stored title and URL, when known.
function earliestOf(c) {
  const first = c.earliest && c.members.find((m) => m.doc === c.earliest.doc);
  return first ? { ...c.earliest, title: first.title, url: first.url } : c.earliest;
}

// The list's "use" column: how the copies of each cluster took the passage over, counted
// from the cluster's members (fetched a few at a time, as the list is shown); the earliest
// copy gains its headline and link from the same answer.
async function fillUses(ids) {
  const queue = ids.slice();
  const worker = async () => {
    while (queue.length) {
      const id = queue.shift();
      const cell = document.querySelector(`#cluster-table td.uses[data-cluster="${id}"]`);
      if (!cell) continue;
      try {
        const c = await clusterDetail(id);
        const early = document.querySelector(`#cluster-table td.earliest[data-cluster="${id}"]`);
        if (early && c.earliest) early.replaceChildren(describe(earliestOf(c)));
        const counts = new Map();
        for (const m of c.members) {
          const label = useLabel(m);
          const k = label.dataset.use;
          if (!counts.has(k)) counts.set(k, { n: 0, label, attributed: new Set() });
          counts.get(k).n += 1;
          if (m.quoted && typeof m.attribution === 'string') counts.get(k).attributed.add(m.attribution);
        }
        cell.replaceChildren(...[...counts.values()].map(({ n, label, attributed }) => {
          const kind = label.dataset.use;
          const words = { quotation: 'quoted', credited: 'credited', copy: 'copied without credit' }[kind];
          const who = attributed.size ? ` (attributed to ${[...attributed].join(', ')})` : '';
          return el('div', {}, el('span', { class: `use ${kind}`, 'data-use': kind }, `${n} ${words}${who}`));
        }));
      } catch (e) {
        cell.replaceChildren(el('span', { class: 'muted' }, 'unavailable'));
      }
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
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

// Who copied whom among the cluster's outlets: one node per outlet on a circle, one arrow
// per pair of outlets with a propagation edge (the earlier copy's outlet to the later's).
function network(c) {
  const outletOf = new Map(c.members.map((m) => [m.doc, m.source || '(no source)']));
  const flows = new Map();
  for (const e of c.propagation || []) {
    const a = outletOf.get(e.from), b = outletOf.get(e.to);
    if (!a || !b || a === b) continue;
    const k = JSON.stringify([a, b]);
    flows.set(k, (flows.get(k) || 0) + 1);
  }
  if (!flows.size) return el('p', { class: 'muted', id: 'no-network' }, 'No copy is certainly later than a copy of another outlet.');
  const nodes = [...new Set([...flows.keys()].flatMap((k) => JSON.parse(k)))];
  const size = nodes.length <= 6 ? 360 : 520;
  const cx = size / 2 + 80, cy = size / 2, r = size / 2 - 50;
  const pos = nodes.map((_, i) => {
    const a = (2 * Math.PI * i) / nodes.length - Math.PI / 2;
    return [cx + r * Math.cos(a), cy + r * Math.sin(a)];
  });
  const s = svg('svg', { viewBox: `0 0 ${size + 160} ${size}`, width: size + 160, height: size, role: 'img', 'aria-label': 'who copied whom' });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M0 0L10 5L0 10z', class: 'head' }));
  defs.append(marker);
  s.append(defs);
  for (const [k, n] of flows) {
    const [a, b] = JSON.parse(k);
    const [x1, y1] = pos[nodes.indexOf(a)], [x2, y2] = pos[nodes.indexOf(b)];
    const len = Math.hypot(x2 - x1, y2 - y1) || 1;
    const ux = (x2 - x1) / len, uy = (y2 - y1) / len;
    const bend = flows.has(JSON.stringify([b, a])) ? 0.15 * len : 0;
    const sx = x1 + ux * 9, sy = y1 + uy * 9, ex = x2 - ux * 11, ey = y2 - uy * 11;
    const mx = (sx + ex) / 2 + uy * bend, my = (sy + ey) / 2 - ux * bend;
    const p = svg('path', { d: `M${sx} ${sy}Q${mx} ${my} ${ex} ${ey}`, class: 'flow', 'stroke-width': Math.min(6, 1 + Math.log2(n)), 'marker-end': 'url(#arrow)', 'data-from': a, 'data-to': b });
    p.append(svg('title', {}, `${a} → ${b}: ${n} cop${n === 1 ? 'y' : 'ies'}`));
    s.append(p);
  }
  nodes.forEach((o, i) => {
    const [x, y] = pos[i];
    const g = svg('g', { class: 'node', 'data-outlet': o });
    g.append(svg('circle', { cx: x, cy: y, r: 8 }));
    const anchor = x < cx - 1 ? 'end' : x > cx + 1 ? 'start' : 'middle';
    const lx = anchor === 'end' ? x - 12 : anchor === 'start' ? x + 12 : x;
    const ly = anchor === 'middle' ? (y < cy ? y - 12 : y + 20) : y + 4;
    g.append(svg('text', { x: lx, y: ly, 'text-anchor': anchor }, o.length > 24 ? o.slice(0, 23) + '…' : o));
    s.append(g);
  });
  return s;
}

async function showCluster(id) {
  showError('');
  try {
    const c = await clusterDetail(id);
    $('cluster-title').textContent = `Cluster #${c.id}`;
    $('c-size').textContent = String(c.members.length);
    $('c-outlets').textContent = String(c.sources.length);
    $('c-earliest').replaceChildren(describe(earliestOf(c)));
    const score = typeof c.coordination_score === 'number' ? ` (score ${c.coordination_score.toFixed(2)})` : '';
    $('c-coordinated').replaceChildren(flag(c.coordinated), score);
    $('timeline').replaceChildren(timeline(c.members));
    $('network').replaceChildren(network(c));
    $('members').replaceChildren(...c.members.map((m) => {
      const about = [m.date, m.source].filter(Boolean).join(' · ');
      return el('li', { 'data-doc': m.doc }, el('strong', {}, headline(m)), ' ', el('span', { class: 'muted' }, about),
        ' ', useLabel(m), el('div', { class: 'passage' }, m.text || ''));
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
