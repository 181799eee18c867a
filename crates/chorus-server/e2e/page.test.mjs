// End-to-end test of the chorus web page in real headless Chromium (Debian's, driven by
// playwright-core). Needs a `chorus serve` at $CHORUS_URL whose index holds the documents
// of `run` (three outlets printing one statement, one document full of script tags).
// Checks: paste an article, see the shared passages highlighted side by side with the
// share reused, the earliest source and the coordination flag, headlines linked to the
// articles and how each copy used the passage; open a cluster and see its timeline and
// outlet network; the cluster list with its use column; the HTML report of `chorus report`
// (overview, search and filters, links, dated timeline axis, outlet network); and no script
// from document text runs anywhere. Screenshots of each view go to $SHOTS (else /tmp).
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const base = process.env.CHORUS_URL;
assert.ok(base, 'CHORUS_URL is not set');
const STATEMENT = process.env.STATEMENT;
const REPORT = process.env.REPORT;
const shot = (name) => (process.env.SHOTS ? `${process.env.SHOTS}/${name}.png` : `/tmp/chorus-e2e-${name}.png`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failed = false;
const step = async (name, f) => {
  try { await f(); console.log(`ok   ${name}`); }
  catch (e) { failed = true; console.log(`FAIL ${name}\n${e.stack || e}`); }
};

try {
  const page = await browser.newPage();
  const dialogs = [];
  const errors = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await step('page loads and shows the index size', async () => {
    await page.goto(base + '/');
    await page.waitForFunction(() => /documents indexed/.test(document.getElementById('status').textContent));
  });

  await step('paste an article: matches with highlighted passages side by side', async () => {
    await page.fill('#article', `A new article. ${STATEMENT} And a closing line of our own.`);
    await page.click('#check');
    await page.waitForSelector('article.match');
    const ids = await page.$$eval('article.match', (ns) => ns.map((n) => n.dataset.id));
    assert.deepEqual([...ids].sort(), ['gazette-7', 'herald-3', 'wire-1']);
    // each card: the passage marked in the article (left) and in the document (right)
    const marks = await page.$$eval('article.match[data-id="wire-1"] .side > div', (cols) =>
      cols.map((c) => [...c.querySelectorAll('mark')].map((m) => m.textContent)));
    assert.equal(marks.length, 2);
    assert.ok(marks[0].join(' ').includes('night ferry will stop running'), JSON.stringify(marks));
    assert.ok(marks[1].join(' ').includes('night ferry will stop running'), JSON.stringify(marks));
    const reused = await page.textContent('#reused');
    assert.match(reused, /^\d+%$/);
    assert.ok(parseInt(reused, 10) >= 60, reused);
    // Reused (the union of all matches' passages) and each match's "% of the article" count
    // the same words: when one match covers what all of them do, the two agree.
    const shares = await page.$$eval('article.match', (ns) =>
      ns.map((n) => parseInt((n.textContent.match(/(\d+)% of the article/) || [])[1], 10)));
    assert.equal(parseInt(reused, 10), Math.max(...shares), `${reused} vs ${shares}`);
    assert.match(await page.textContent('#earliest'), /Wire/);
    assert.match(await page.textContent('#coordinated'), /yes|no|unknown/);
    // headlines link out to the articles (the title where there is one, else the id)
    const wire = await page.$eval('article.match[data-id="wire-1"] h3 a.out', (a) => [a.href, a.textContent]);
    assert.equal(wire[0], 'https://wire.example/ferry');
    assert.match(wire[1], /^Night ferry to stop/);
    assert.equal(await page.getAttribute('article.match[data-id="gazette-7"] h3 a.out', 'href'), 'http://gazette.example/news/7');
    assert.equal(await page.$$eval('article.match[data-id="herald-3"] h3 a', (ns) => ns.filter((a) => a.classList.contains('out')).length), 0);
    assert.equal(await page.getAttribute('#earliest a.out', 'href'), 'https://wire.example/ferry');
    // and each card says how that document used the passage
    await page.waitForSelector('article.match[data-id="gazette-7"] h3 .use');
    assert.equal(await page.getAttribute('article.match[data-id="gazette-7"] h3 .use', 'data-use'), 'quotation');
    assert.match(await page.textContent('article.match[data-id="gazette-7"] h3 .use'), /^quoted/);
    assert.equal(await page.textContent('article.match[data-id="herald-3"] h3 .use'), 'copied without credit');
    await page.screenshot({ path: shot('check'), fullPage: true });
  });

  await step('open a cluster: members in time order and a timeline plot', async () => {
    await page.click('a.cluster-link');
    await page.waitForSelector('#view-cluster:not([hidden]) #members li');
    const docs = await page.$$eval('#members li', (ns) => ns.map((n) => n.dataset.doc));
    assert.deepEqual(docs, ['wire-1', 'gazette-7', 'herald-3']);
    const dots = await page.$$eval('#timeline svg circle', (ns) => ns.length);
    assert.equal(dots, 3);
    assert.match(await page.textContent('#c-earliest'), /Wire/);
    assert.equal(await page.getAttribute('#c-earliest a.out', 'href'), 'https://wire.example/ferry');
    // members: linked headlines and their use
    assert.equal(await page.getAttribute('#members li[data-doc="wire-1"] a.out', 'href'), 'https://wire.example/ferry');
    const uses = await page.$$eval('#members li', (ns) => ns.map((n) => n.querySelector('.use').dataset.use));
    assert.deepEqual(uses, ['copy', 'quotation', 'copy']);
    // the outlet network: Wire certainly first, so arrows leave it
    const flows = await page.$$eval('#network svg path.flow', (ns) => ns.map((n) => `${n.dataset.from}>${n.dataset.to}`));
    assert.ok(flows.includes('Wire>Gazette'), JSON.stringify(flows));
    assert.ok(flows.every((f) => !f.endsWith('>Wire')), JSON.stringify(flows));
    assert.deepEqual(await page.$$eval('#network svg g.node', (ns) => ns.map((n) => n.dataset.outlet).sort()),
      ['Gazette', 'Herald', 'Wire']);
    await page.screenshot({ path: shot('cluster'), fullPage: true });
  });

  await step('cluster list', async () => {
    await page.goto(base + '/#clusters');
    await page.waitForSelector('#cluster-table tbody tr');
    assert.match(await page.textContent('#cluster-total'), /cluster/);
    // the use column fills in from the clusters' members
    await page.waitForFunction(() => [...document.querySelectorAll('#cluster-table td.uses')]
      .every((td) => td.querySelector('.use')));
    const cells = await page.$$eval('#cluster-table td.uses', (ns) => ns.map((n) => n.textContent));
    assert.ok(cells.some((c) => /1 quoted/.test(c) && /2 copied without credit/.test(c)), JSON.stringify(cells));
    // and the earliest copy its headline, linked
    const early = await page.$$eval('#cluster-table td.earliest a.out', (ns) => ns.map((n) => n.href));
    assert.deepEqual(early, ['https://wire.example/ferry']);
    await page.screenshot({ path: shot('clusters'), fullPage: true });
  });

  await step('reworded passages: found only when asked, and labelled', async () => {
    await page.goto(base + '/');
    await page.fill('#article', `Local news. ${process.env.STORY} Weather is fine.`);
    await page.click('#check');
    await page.waitForSelector('#no-matches');
    await page.check('#reworded');
    await page.click('#check');
    await page.waitForSelector('article.match[data-id="rewrite-9"]');
    const label = await page.textContent('article.match[data-id="rewrite-9"] h3 .use.reworded');
    assert.equal(label, 'reworded');
    const marks = await page.$$eval('article.match[data-id="rewrite-9"] .side > div:nth-child(2) mark',
      (ns) => ns.map((m) => m.textContent).join(' '));
    assert.ok(marks.includes('forty million crowns'), marks);
    await page.screenshot({ path: shot('reworded'), fullPage: true });
  });

  await step('document text with script tags is shown as text, never run', async () => {
    await page.goto(base + '/');
    await page.fill('#article', `Quoting it: ${process.env.EVIL_PASSAGE}`);
    await page.click('#check');
    await page.waitForSelector('article.match[data-id="evil"]');
    await page.waitForTimeout(500);
    const pwned = await page.evaluate(() => window.__pwned);
    assert.equal(pwned, undefined, 'a script from document text ran');
    assert.deepEqual(dialogs, [], 'a dialog was opened by document text');
    // the tags are visible as text, and no element came from them
    const right = await page.textContent('article.match[data-id="evil"] .side > div:nth-child(2)');
    assert.ok(right.includes('<script>'), right);
    const injected = await page.$$eval('article.match script, article.match img', (ns) => ns.length);
    assert.equal(injected, 0);
    // and on a cluster page too
    await page.goto(base + '/#clusters');
    await page.waitForSelector('#cluster-table tbody tr');
    const evil = await page.$$eval('#cluster-table tbody tr', (rows) =>
      rows.map((r) => r.querySelector('a').getAttribute('href')).filter(Boolean));
    for (const href of evil) {
      await page.goto(base + '/' + href);
      await page.waitForSelector('#members li');
    }
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(dialogs, []);
    // a javascript: URL is never a link
    assert.equal(await page.$$eval('a[href^="javascript"]', (ns) => ns.length), 0);
  });

  await step('the HTML report: overview, search and filters, links, dates, network', async () => {
    assert.ok(REPORT, 'REPORT is not set');
    await page.goto('file://' + REPORT);
    const rows = () => page.$$eval('#overview-table tbody tr', (ns) => ns.filter((n) => !n.hidden).map((n) => n.dataset.cluster));
    const all = await rows();
    assert.equal(all.length, 2, JSON.stringify(all));
    assert.equal(await page.textContent('#shown'), '2 of 2 clusters');
    // sections start collapsed; the overview's link opens one
    assert.equal(await page.$$eval('details.cluster[open]', (ns) => ns.length), 0);
    // the ferry cluster's headline is its earliest member's title, linked in the section
    const ferryRow = await page.$('#overview-table tbody tr:has-text("Night ferry to stop")');
    assert.ok(ferryRow, 'a row with the headline');
    const ferry = await ferryRow.getAttribute('data-cluster');
    await page.click(`#overview-table tbody tr[data-cluster="${ferry}"] td:nth-child(2) a`);
    await page.waitForSelector(`#cluster-${ferry}[open]`);
    assert.equal(await page.getAttribute(`#cluster-${ferry} a[href="https://wire.example/ferry"]`, 'rel'), 'noopener noreferrer');
    const use = await page.$$eval(`#cluster-${ferry} table .use`, (ns) => ns.map((n) => n.textContent));
    assert.ok(use.some((u) => /^quoted/.test(u)) && use.includes('copied without credit'), JSON.stringify(use));
    // the timeline axis has dates, not "first … +h"
    const ticks = await page.$$eval(`#cluster-${ferry} svg.timeline text.tick`, (ns) => ns.map((n) => n.textContent));
    assert.ok(ticks.length >= 2 && /^2024-03-01 \d\d:\d\d$/.test(ticks[0]), JSON.stringify(ticks));
    assert.ok(ticks.every((t) => /^(2024-03-0[12] )?\d\d:\d\d$/.test(t)), JSON.stringify(ticks));
    assert.ok(ticks.includes('2024-03-02 00:00'), JSON.stringify(ticks));
    // the outlet network of propagation
    const flows = await page.$$eval('#network svg path.flow', (ns) => ns.map((n) => `${n.dataset.from}>${n.dataset.to}`));
    assert.ok(flows.includes('Wire>Gazette'), JSON.stringify(flows));
    await page.screenshot({ path: shot('report-cluster'), fullPage: true });
    // search narrows the overview and the sections together
    await page.fill('#q', 'library harbour');
    assert.deepEqual(await rows(), all.filter((c) => c !== ferry));
    assert.equal(await page.$eval(`#cluster-${ferry}`, (n) => n.hidden), true);
    assert.equal(await page.textContent('#shown'), '1 of 2 clusters');
    await page.fill('#q', 'night ferry');
    assert.deepEqual(await rows(), [ferry]);
    await page.fill('#q', '');
    // the outlet filter, also from the network's nodes
    await page.selectOption('#outlet', 'Echo');
    assert.deepEqual(await rows(), all.filter((c) => c !== ferry));
    await page.selectOption('#outlet', '');
    await page.click('#network svg g.node[data-outlet="Herald"] circle');
    assert.equal(await page.inputValue('#outlet'), 'Herald');
    assert.deepEqual(await rows(), [ferry]);
    await page.selectOption('#outlet', '');
    await page.check('#coord');
    assert.deepEqual(await rows(), all.filter((c) => /* none is coordinated in 3 outlets */ false));
    await page.uncheck('#coord');
    await page.click('#open-all');
    assert.equal(await page.$$eval('details.cluster[open]', (ns) => ns.length), 2);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.$$eval('a[href^="javascript"]', (ns) => ns.length), 0);
    assert.equal(await page.$$eval('link[href], script[src], img[src]', (ns) => ns.length), 0, 'self-contained');
    await page.goto('file://' + REPORT);
    await page.screenshot({ path: shot('report'), fullPage: true });
  });

  await step('no errors in the page console', async () => {
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  });
} finally {
  await browser.close();
}
if (failed) { console.log('e2e: FAILED'); process.exit(1); }
console.log('e2e: all passed');
