// Drives the dashboards in Debian's headless Chromium with playwright-core (no browser
// download: executablePath). Started by tests/e2e/dashboards.rs with the server's URL, an
// admin token and the ids of the runs it made. Exits non-zero on the first failed check.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};
const URL_ = env('WHARF_URL');
const TOKEN = env('WHARF_TOKEN');
const SHOTS = env('SCREENSHOTS');
const PAYLOAD = env('PAYLOAD');
const RUN = { xss: env('RUN_XSS'), good: env('RUN_GOOD'), bad: env('RUN_BAD'), plain: env('RUN_PLAIN'), live: env('RUN_LIVE') };

const require = createRequire(join(env('PLAYWRIGHT_DIR'), '/'));
const { chromium } = require('playwright-core');

let passed = 0;
function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  passed += 1;
  console.log('ok - ' + what);
}

const timings = {};
const dialogs = [];
const pageErrors = [];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  // Runs before any page script (CDP, not subject to the page's CSP): records CSP
  // violations (an injected inline script or handler would be one) and title changes.
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  });
  const page = await context.newPage();
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  async function visit(name, path) {
    const resp = await page.goto(URL_ + path, { waitUntil: 'load' });
    const t = resp && resp.headers()['server-timing'];
    if (t) timings[name] = Number((/dur=([0-9.]+)/.exec(t) || [])[1]);
    return resp;
  }
  async function clean(where) {
    const title = await page.title();
    check(!/pwned/.test(title), `${where}: document.title untouched (${title})`);
    check(dialogs.length === 0, `${where}: no dialog opened`);
    const csp = await page.evaluate(() => window.__csp);
    check(csp.length === 0, `${where}: no CSP violation (${csp.join('; ')})`);
    const js = await page.evaluate(() => document.querySelectorAll('a[href^="javascript:" i], [onerror], [onload], [onclick]').length);
    check(js === 0, `${where}: no javascript: link or inline handler in the DOM`);
    const scripts = await page.evaluate(() => Array.from(document.scripts).map((s) => s.src));
    check(scripts.every((s) => s.endsWith('/static/dashboard.js')), `${where}: only the dashboard script (${scripts})`);
  }
  const shot = (name) => page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true });

  // 1. Without a session every page sends the user to the login page.
  await visit('login', '/');
  check(new URL(page.url()).pathname === '/login', 'no cookie: redirected to /login');
  await shot('login');
  await page.fill('#token', 'wharf_' + '0'.repeat(40));
  await Promise.all([page.waitForNavigation(), page.click('#login-form button')]);
  check(await page.isVisible('#login-error'), 'a wrong token is refused');
  await page.fill('#token', TOKEN);
  await Promise.all([page.waitForNavigation(), page.click('#login-form button')]);
  check(new URL(page.url()).pathname === '/', 'logged in, back on the overview');
  const cookie = (await context.cookies()).find((c) => c.name === 'wharf_token');
  check(cookie && cookie.httpOnly && cookie.sameSite === 'Strict', 'the session cookie is HttpOnly and SameSite=Strict');
  check(await page.evaluate(() => !document.cookie.includes('wharf_token')), 'scripts cannot read the token');

  // 2. Overview, then a filter.
  await visit('overview', '/');
  const h1 = await page.textContent('h1');
  check(h1 === 'Overview', 'overview renders');
  check(await page.locator('svg.chart.line').count() === 1, 'pass-rate line chart');
  check((await page.textContent('#live')).includes(RUN.live.slice(0, 13)), 'the live run is listed with the live runs');
  const total = Number((await page.textContent('#kpi-runs')).replace(/,/g, ''));
  check(total === 4, `4 finished runs counted (${total})`);
  for (const id of [RUN.xss, RUN.good, RUN.bad, RUN.plain]) {
    check(await page.locator(`a[href="/runs/${id}"]`).count() >= 1, `recent runs link to ${id.slice(0, 8)}`);
  }
  check((await page.textContent('body')).includes('Structure'), 'score distribution shows the rubric criteria');
  await clean('overview');
  await shot('overview');
  // 2b. The live run (while it still runs): its build log follows the SSE stream to the end.
  await visit('run_live', '/runs/' + RUN.live);
  const wasLive = await page.getAttribute('#steps', 'data-live');
  check(wasLive === 'true', 'the running run is followed live');
  await page.waitForSelector('#steps li.step:has-text("live-step-two")', { timeout: 60000 });
  check(true, 'steps arrived over SSE');
  await page.waitForSelector('#steps li:has-text("result")', { timeout: 60000 });
  check((await page.textContent('#live-status')).startsWith('finished'), 'the end of the run is shown');
  await clean('live run page');
  await shot('run-live');

  await visit('overview', '/');
  await page.fill('input[name="label"]', 'arm=A');
  await Promise.all([page.waitForNavigation(), page.click('#filters button[type="submit"]')]);
  check(page.url().includes('label=arm%3DA'), 'the filter is in the URL');
  const filtered = Number(await page.textContent('#kpi-runs'));
  check(filtered === 2, `label arm=A selects 2 runs (${filtered})`);
  check(await page.locator(`a[href="/runs/${RUN.bad}"]`).count() === 0, 'the arm B run is filtered out');
  await clean('overview filtered');
  await shot('overview-filtered');

  // 3. The hostile run's page: everything shown as text.
  await Promise.all([page.waitForNavigation(), page.click(`a[href="/runs/${RUN.xss}"]`)]);
  timings.run = Number((/dur=([0-9.]+)/.exec((await (await page.request.get(URL_ + '/runs/' + RUN.xss)).headers())['server-timing'] || '') || [])[1]);
  check((await page.textContent('h1')).includes(RUN.xss), 'run page opened from the overview');
  const artifacts = await page.textContent('#artifacts');
  check(artifacts.includes(PAYLOAD), 'the artifact preview shows the payload as text');
  check(artifacts.includes('data.json') && artifacts.includes('<b>x</b>'), 'JSON artifact previewed as text');
  check((await page.textContent('#artifacts .markdown h1')) === 'Report', 'the markdown report is rendered (its heading is an h1)');
  check(await page.locator('#artifacts .markdown a, #artifacts .markdown script').count() === 0, 'the javascript: link and the script in the markdown are text, not elements');
  check((await page.textContent('#artifacts .markdown')).includes("<script>document.title='pwned'</script>"), 'raw HTML in the markdown shown as text');
  check((await page.textContent('#artifacts table.csv tbody td')) === '<i>a</i>', 'the CSV artifact is a table whose cells are text');
  check(await page.locator('#artifacts table.csv i').count() === 0, 'no element made from a CSV cell');
  const timeline = await page.textContent('#timeline');
  check(timeline.includes("<script>document.title='pwned'</script>"), 'agent output shown as text in the timeline');
  check((await page.textContent('#scores')).includes('<img src=x onerror=alert(1)>'), "the judge's explanation is text");
  check((await page.textContent('#steps')).length > 0, 'the build log is rendered from the events table');
  check(await page.getAttribute('#steps', 'data-live') === 'false', 'a finished run is not followed live');
  await clean('run page');

  // 4. Step-through replay with the keyboard.
  const count = await page.locator('#events .event').count();
  check(count >= 2, `timeline has events (${count})`);
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  check(await page.getAttribute('#events .event.current', 'data-idx') === '1', '→ → reaches the second event');
  await page.keyboard.press('ArrowLeft');
  check(await page.getAttribute('#events .event.current', 'data-idx') === '0', '← goes back');
  await page.click('#replay-next');
  check(await page.getAttribute('#events .event.current', 'data-idx') === '1', 'the next button steps too');
  check((await page.textContent('#replay-pos')).startsWith('event 2 of'), 'the position is shown');
  await shot('run');

  // 4b. A run with two timeline pages and model calls: replay crosses the page boundary
  // both ways; the calls are listed with their totals.
  await visit('run_long', '/runs/' + RUN.plain);
  check((await page.textContent('#llm-totals')).startsWith('2 calls · 0 failed'), 'the two gateway calls and their totals');
  check(await page.locator('#llm-calls tbody tr').count() === 2, 'one row per model call');
  const onFirst = await page.locator('#events .event').count();
  check(onFirst === 500, `the first timeline page holds 500 events (${onFirst})`);
  const lastId = await page.getAttribute('#events .event:last-child', 'id');
  await visit('run_long', '/runs/' + RUN.plain + '#' + lastId);
  check(await page.getAttribute('#events .event.current', 'data-idx') === '499', 'replay starts at the event in the URL');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('ArrowRight')]);
  check(new URL(page.url()).searchParams.get('page') === '1', 'past the last event, replay opens the next page');
  await page.waitForSelector('#events .event.current');
  check(await page.getAttribute('#events .event.current', 'data-idx') === '0', 'and goes on at its first event');
  check((await page.textContent('#replay-pos')).startsWith('event 501 of'), 'the position counts across pages');
  await Promise.all([page.waitForNavigation(), page.keyboard.press('ArrowLeft')]);
  await page.waitForSelector('#events .event.current');
  check(await page.getAttribute('#events .event.current', 'data-idx') === '499', 'before the first event, back to the last of the previous page');
  check((await page.textContent('#replay-pos')).startsWith('event 500 of'), 'position 500');
  await clean('long run page');
  await shot('run-long');
  await visit('run', '/runs/' + RUN.xss);

  // 5. A label added from the page, seen after a reload; then edited.
  await page.fill('#label-form input[name="key"]', 'verdict');
  await page.fill('#label-form input[name="value"]', '<b>good</b>');
  await Promise.all([page.waitForNavigation(), page.click('#label-form button')]);
  await page.reload();
  const labelRow = page.locator('#labels tr.label', { hasText: 'verdict' });
  check((await labelRow.locator('.label-value').textContent()) === '<b>good</b>', 'the new label is there after a reload, as text');
  await labelRow.locator('.edit-label').click();
  await page.fill('#label-form input[name="value"]', 'great');
  await Promise.all([page.waitForNavigation(), page.click('#label-form button')]);
  await page.reload();
  check((await page.locator('#labels tr.label', { hasText: 'verdict' }).locator('.label-value').textContent()) === 'great', 'the edited label wins');
  // A write without the CSRF header is refused even with the cookie.
  const status = await page.evaluate(async (id) => (await fetch('/api/v1/runs/' + id + '/labels', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key: 'x', value: 'y' }),
  })).status, RUN.xss);
  check(status === 403, `a cookie write without x-wharf-csrf is refused (${status})`);

  // 7. Compare two runs, then two groups.
  await visit('compare', `/compare?a=${RUN.good}&b=${RUN.bad}`);
  check(await page.locator('#compare-groups').count() === 1, 'comparison report');
  const scores = await page.textContent('#compare-scores');
  check(scores.includes('Accuracy') && scores.includes('Invented content.'), 'scores side by side with explanations');
  check(await page.locator('#diffs pre.diff .add').count() > 0 && await page.locator('#diffs pre.diff .del').count() > 0, 'line diff of report.md');
  const aligned = await page.textContent('#aligned-summary');
  check(/\d+ steps in both · \d+ only in A · [1-9]\d* only in B/.test(aligned), `timelines aligned; B's extra log lines stand alone (${aligned})`);
  check(await page.locator('#aligned tr.only-b').count() >= 5, "B's five progress lines are only in B");
  await clean('compare');
  await shot('compare');
  const arm = (a) => `run_id IN (SELECT run_id FROM latest_labels WHERE key = 'arm' AND value = '${a}')`;
  const offered = await page.locator('#selections option').evaluateAll((os) => os.map((o) => o.value));
  check(offered.includes(arm('A')) && offered.includes(arm('B')) && offered.includes("runtime = 'command'"), `the pickers offer label arms and runtimes (${offered.length})`);
  await page.fill('#compare-form input[name="a"]', arm('A'));
  await page.fill('#compare-form input[name="b"]', arm('B'));
  await Promise.all([page.waitForNavigation(), page.click('#compare-form button')]);
  const groups = await page.textContent('#compare-groups');
  check(/runs\s*2/.test(groups) && /-100 pts/.test(groups), `group comparison: 2 vs 1 runs, pass rate -100 pts`);
  check((await page.locator('#compare-criteria tbody tr').count()) >= 2, 'per-criterion rows');
  await clean('compare groups');
  await shot('compare-groups');

  // 8. SQL console: table, chart, CSV, and hostile values as text.
  await visit('sql', '/sql');
  await page.fill('#sql-query', 'SELECT runtime, count(*) AS n FROM runs GROUP BY runtime ORDER BY runtime');
  await page.click('#sql-run');
  await page.waitForSelector('#sql-table');
  const cells = await page.locator('#sql-table tbody td').allTextContents();
  check(cells.join(',') === 'command,5', `SQL result table: 5 runs, the live one recorded too (${cells})`);
  check(await page.locator('#sql-svg rect.bar').count() === 1, 'two columns: a bar chart');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#sql-csv')]);
  const csvPath = join(SHOTS, 'query.csv');
  await download.saveAs(csvPath);
  const csv = (await import('node:fs')).readFileSync(csvPath, 'utf8');
  check(csv.startsWith('runtime,n') && csv.includes('command,5'), 'CSV download');
  await page.fill('#sql-query', `SELECT '<img src=x onerror=alert(1)>' AS html, text FROM events WHERE text LIKE '%pwned%' LIMIT 1`);
  await page.click('#sql-run');
  await page.waitForFunction(() => document.querySelector('#sql-table td') && document.querySelector('#sql-table td').textContent.startsWith('<img'));
  check(await page.locator('#sql-result img').count() === 0, 'SQL values are text, never markup');
  await page.fill('#sql-query', 'SELECT n, n * n AS sq FROM (VALUES (1), (2), (3)) AS t(n)');
  await page.keyboard.press('Control+Enter');
  await page.waitForSelector('#sql-svg polyline');
  check(true, 'numeric x: a line chart');
  await clean('sql');
  await shot('sql');

  check(pageErrors.length === 0, `no page script errors (${pageErrors.join('; ')})`);
} finally {
  await browser.close();
}
writeFileSync(join(SHOTS, 'timings.json'), JSON.stringify(timings, null, 2));
console.log('server time per page (ms): ' + JSON.stringify(timings));
console.log(`browser: ${passed} passed, 0 failed`);
