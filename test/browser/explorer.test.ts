import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { serve, type RunningServer } from '../../src/web/server';
import { NOW, webFixture, type WebFixture } from '../integration/web/fixture';

const CHROMIUM = '/usr/bin/chromium';
const SCREENS = path.join(os.tmpdir(), 'flowdex-screens');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  process.stderr.write(`skipping browser tests: ${CHROMIUM} is not installed (apt-get install chromium)\n`);
const maybe = haveChromium ? describe : describe.skip;

maybe('explorer in headless Chromium', () => {
  let f: WebFixture;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SCREENS, { recursive: true });
    f = await webFixture(__filename, 3000);
    server = await serve({ client: f.cluster.client, config: f.cluster.config, port: 0, now: () => NOW });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    page.on('pageerror', (e) => {
      throw e;
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await f?.cluster.cleanup();
  });

  const shot = (name: string): Promise<Buffer> =>
    page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true });

  test('search → detail → pivot → save → reopen → dashboard → bad query', async () => {
    await page.goto(server.url);
    await page.fill('input[name="q"]', 'dport:53');
    await page.click('form.search button[type="submit"]');
    await page.waitForSelector('table.flows tbody tr a.detail');
    const expected = f.docs.filter((d) => d.doc.destination.port === 53).length;
    expect(await page.textContent('.summary strong')).toBe(expected.toLocaleString('en-US'));
    expect(await page.locator('.histogram svg rect.bar').count()).toBeGreaterThan(0);
    await shot('1-search');

    await page.click('table.flows tbody tr:first-child a.detail');
    await page.waitForSelector('.pivots');
    expect(await page.textContent('table.fields')).toContain('destination.port');
    await shot('2-flow');

    await page.click('text=same pair');
    await page.waitForSelector('table.flows');
    const q = await page.inputValue('input[name="q"]');
    // The pivot is an AST printed by the query printer: addresses bare, names quoted.
    expect(q).toMatch(/^src:("[^"]+"|\S+) and dst:("[^"]+"|\S+)$/);
    expect(await page.locator('table.flows tbody tr a.detail').count()).toBeGreaterThan(0);

    await page.click('details.save summary');
    await page.fill('details.save input[name="name"]', 'Pair of interest');
    await page.fill('details.save input[name="description"]', 'found by pivot');
    await page.click('details.save button[type="submit"]');
    await page.waitForSelector('.saved-banner');
    expect(page.url()).toBe(`${server.url}saved/pair-of-interest`);
    expect(await page.inputValue('input[name="q"]')).toBe(q);

    await page.goto(`${server.url}saved`);
    await page.click('a.open:text("Pair of interest")');
    await page.waitForSelector('.saved-banner');
    expect(await page.textContent('.saved-banner h1')).toBe('Pair of interest');
    await shot('3-saved');
    await page.goto(`${server.url}saved/pair-of-interest`);
    expect(await page.inputValue('input[name="q"]')).toBe(q);

    await page.goto(`${server.url}reports`);
    const panels = page.locator('section.panel');
    expect(await panels.count()).toBe(14);
    for (let i = 0; i < 10; i++) {
      const panel = panels.nth(i);
      const hasData =
        (await panel.locator('svg.chart path.line').count()) > 0 ||
        (await panel.locator('table.top-n tbody tr td.num').count()) > 0;
      expect({ panel: await panel.getAttribute('data-report'), hasData }).toEqual({
        panel: await panel.getAttribute('data-report'),
        hasData: true,
      });
      expect(await panel.locator('p.served code').count()).toBeGreaterThan(0);
    }
    await shot('4-reports');

    await page.goto(server.url);
    await page.fill('input[name="q"]', 'dport:443 and (src:10.0.0.1');
    await page.click('form.search button[type="submit"]');
    await page.waitForSelector('pre.caret');
    const caret = (await page.textContent('pre.caret')) ?? '';
    expect(caret.split('\n')[0]).toBe('dport:443 and (src:10.0.0.1');
    expect(caret.split('\n')[1]).toMatch(/^ *\^$/);
    expect(await page.inputValue('input[name="q"]')).toBe('dport:443 and (src:10.0.0.1');
    await shot('5-bad-query');

    // The syntax toggle: an nfdump filter, and the same search in the flowdex language beside it.
    await page.goto(server.url);
    await page.fill('input[name="q"]', 'dst port 53');
    await page.selectOption('select[name="syntax"]', 'nfdump');
    await page.click('form.search button[type="submit"]');
    await page.waitForSelector('p.read code');
    expect(await page.textContent('p.read code')).toMatch(/dport:53/);
    expect(await page.inputValue('input[name="q"]')).toBe('nfdump:dst port 53');
    await shot('6-nfdump');

    await page.goto(`${server.url}status`);
    await shot('7-status');
  });
});
