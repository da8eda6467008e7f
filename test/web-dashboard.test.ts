/**
 * The dashboard in a real browser: Debian's Chromium driven by playwright-core, against a real
 * `dmarcpilot serve` (the built CLI) whose store was filled by sending six weeks of reports
 * through its SMTP listener. A user signs in, finds the domain in the portfolio with its phase and
 * volume, opens it, sees a chart that draws real data (pixels on the canvas, not an empty one),
 * reads the plan and the next record, and approves a sender, whose state changes. Screenshots of
 * each page go to test-output/screenshots/ for a reviewer to look at.
 *
 * Needs /usr/bin/chromium (apt-get install chromium; .ci/run does) and dist/ built; without them
 * the test is skipped with the reason, unless DMARCPILOT_REQUIRE_INTEGRATION=1.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { wrapAttachment } from './helpers/imap-seed.js';
import { senderHistory } from './helpers/sender-history.js';
import { send, smtpClient } from './helpers/smtp.js';
import { ServeProcess } from './helpers/serve-process.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env['DMARCPILOT_CHROMIUM'] ?? '/usr/bin/chromium';
const screenshots = join(root, 'test-output', 'screenshots');

function skipReason(): string | false {
  let reason: string | false = false;
  if (!existsSync(join(root, 'dist/web/index.html'))) reason = 'the dashboard is not built: run `npm run build` (npm test does)';
  else if (!existsSync(CHROMIUM)) reason = `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`;
  if (reason !== false && process.env['DMARCPILOT_REQUIRE_INTEGRATION'] === '1') throw new Error(`${reason}, and DMARCPILOT_REQUIRE_INTEGRATION=1`);
  return reason;
}
const skip = skipReason();


test('dashboard: sign in, the portfolio, a domain with its chart, plan and senders, a sender approved (Chromium)', { skip, timeout: 120_000 }, async () => {
  mkdirSync(screenshots, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'dmarcpilot-web-'));
  const server = new ServeProcess(['--smtp', '127.0.0.1:0', '--http', '127.0.0.1:0', '--db', join(dir, 'store.sqlite')]);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const [, url] = await server.waitFor(/http: the API answers at (http:\/\/127\.0\.0\.1:\d+)\/api\/v1/);
    const [, token] = await server.waitFor(/"token":"([A-Za-z0-9_-]+)"/);
    const [, smtpPort] = await server.waitFor(/smtp: listening on 127\.0\.0\.1:(\d+)/);
    const origin = url as string;
    const setup = await fetch(`${origin}/api/v1/setup`, { method: 'POST', body: JSON.stringify({ token, email: 'security@council.example', password: 'a long and secret passphrase' }), headers: { 'content-type': 'application/json', origin } });
    assert.equal(setup.status, 201);
    // Six weeks of daily reports for example.com, each sent as an e-mail to the listener.
    const client = smtpClient(Number(smtpPort));
    for (const report of senderHistory()) {
      const reply = await send(client, { envelope: { from: 'noreply@receiver.example', to: ['dmarc@reports.example'] }, raw: wrapAttachment(`Report Domain: example.com`, report.name, 'application/xml', new TextEncoder().encode(report.xml)) });
      assert.equal(reply.code, 250, reply.response);
    }

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // (Chromium logs each refused request, the expected 401s included, as "Failed to load resource": those are not script errors.)
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
    });
    await page.goto(origin);
    await page.getByLabel('E-mail address').fill('security@council.example');
    await page.getByLabel('Password').fill('wrong password!!');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /the e-mail address or the password is wrong/, 'the API’s refusal is shown');
    await page.getByLabel('Password').fill('a long and secret passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();

    const row = page.locator('table.portfolio tbody tr', { hasText: 'example.com' });
    await row.waitFor();
    const cells = await row.locator('td').allInnerTexts();
    assert.equal(cells[0], 'example.com');
    assert.equal(cells[2], 'enforce', 'p=quarantine pct=10 is the enforce phase');
    assert.equal(cells[3], 'p=quarantine pct=10');
    assert.ok(Number((cells[4] ?? '').replace(/[^0-9]/g, '')) > 0, `messages in the last 30 days: ${cells[4]}`);
    await page.screenshot({ path: join(screenshots, 'portfolio.png'), fullPage: true });

    await row.getByRole('link', { name: 'example.com' }).click();
    await page.locator('.chart canvas').first().waitFor();
    // The chart draws real data: a good share of the canvas is painted.
    const painted = await page.locator('.chart canvas').first().evaluate((element) => {
      // (The test's own types have no DOM: the canvas as far as this needs it.)
      const canvas = element as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } };
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let filled = 0;
      for (let i = 3; i < data.length; i += 4) if ((data[i] as number) > 0) filled++;
      return filled / (canvas.width * canvas.height);
    });
    assert.ok(painted > 0.05, `the chart paints ${(painted * 100).toFixed(1)}% of its canvas`);
    await page.getByText('Next record').waitFor();
    assert.match(await page.locator('pre.record').nth(1).innerText(), /^_dmarc\.example\.com\.\s+IN\s+TXT\s+"v=DMARC1;/);
    await page.locator('table.senders tbody tr').first().waitFor();
    await page.screenshot({ path: join(screenshots, 'domain.png'), fullPage: true });

    const sender = page.locator('table.senders tbody tr', { has: page.locator('td.state', { hasText: /^(unknown|new)$/ }) }).first();
    const key = await sender.getAttribute('data-sender');
    assert.ok(key, 'a sender waiting for a decision');
    await sender.getByPlaceholder('note').fill('our newsletter platform');
    await sender.getByRole('button', { name: /^Approve / }).click();
    const decided = page.locator(`table.senders tbody tr[data-sender="${key}"] td.state`);
    await decided.filter({ hasText: 'approved' }).waitFor();
    await page.screenshot({ path: join(screenshots, 'sender-approved.png'), fullPage: true });

    // The API recorded it, with the note.
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'dmarcpilot_session');
    const history = (await (await fetch(`${origin}/api/v1/organizations/default/domains/example.com/decisions/history`, { headers: { cookie: `dmarcpilot_session=${session?.value ?? ''}` } })).json()) as { items: { key: string; decision: string; note: string }[] };
    assert.deepEqual([history.items[0]?.key, history.items[0]?.decision, history.items[0]?.note], [key, 'approved', 'our newsletter platform']);
    assert.deepEqual(errors, [], 'no script errors in the page');
  } finally {
    await browser.close();
    if (server.child.exitCode === null) await server.stop();
  }
});
