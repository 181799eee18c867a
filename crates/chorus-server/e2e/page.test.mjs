// End-to-end test of the chorus web page in real headless Chromium (Debian's, driven by
// playwright-core). Needs a `chorus serve` at $CHORUS_URL whose index holds the documents
// of `run` (three outlets printing one statement, one document full of script tags).
// Checks: paste an article, see the shared passages highlighted side by side with the
// share reused, the earliest source and the coordination flag; open a cluster and see its
// timeline; and no script from document text runs anywhere.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';

const base = process.env.CHORUS_URL;
assert.ok(base, 'CHORUS_URL is not set');
const STATEMENT = process.env.STATEMENT;

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
    await page.screenshot({ path: process.env.SHOTS ? `${process.env.SHOTS}/check.png` : '/tmp/chorus-e2e-check.png', fullPage: true });
  });

  await step('open a cluster: members in time order and a timeline plot', async () => {
    await page.click('a.cluster-link');
    await page.waitForSelector('#view-cluster:not([hidden]) #members li');
    const docs = await page.$$eval('#members li', (ns) => ns.map((n) => n.dataset.doc));
    assert.deepEqual(docs, ['wire-1', 'gazette-7', 'herald-3']);
    const dots = await page.$$eval('#timeline svg circle', (ns) => ns.length);
    assert.equal(dots, 3);
    assert.match(await page.textContent('#c-earliest'), /Wire/);
    await page.screenshot({ path: process.env.SHOTS ? `${process.env.SHOTS}/cluster.png` : '/tmp/chorus-e2e-cluster.png', fullPage: true });
  });

  await step('cluster list', async () => {
    await page.goto(base + '/#clusters');
    await page.waitForSelector('#cluster-table tbody tr');
    assert.match(await page.textContent('#cluster-total'), /cluster/);
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
  });

  await step('no errors in the page console', async () => {
    assert.deepEqual(errors.filter((e) => !/Failed to load resource/.test(e)), []);
  });
} finally {
  await browser.close();
}
if (failed) { console.log('e2e: FAILED'); process.exit(1); }
console.log('e2e: all passed');
