// switchyard's dashboard in a real browser: Debian's chromium driven by playwright-core.
// The page is behind the front door's key: the form comes first, the login sets an
// HttpOnly, SameSite=Strict session cookie, and the page loads with no console error. Then
// gpt-4o fails; requests through the door open its breaker, and the page must show it open
// within 2 s of the daemon opening it (the transition's time in the history). A screenshot
// is left at SHOT as the test's artefact.
// Usage: node dashboard_test.cjs DOOR_URL FAKE_PROVIDER_URL KEY SHOT
const path = require('path');
const { chromium } = require(path.join(process.env.SWITCHYARD_NODE_MODULES, 'playwright-core'));

const [door, fake, key, shot] = process.argv.slice(2);
const { check, faulter, run } = require('./check.cjs');
const fault = faulter(fake);

async function chat(text) {
  const r = await fetch(`${door}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'chat', max_tokens: 16, messages: [{ role: 'user', content: text }] }),
  });
  await r.text();
}

async function state() {
  const r = await fetch(`${door}/api/dashboard`, { headers: { Authorization: `Bearer ${key}` } });
  return r.json();
}

async function main() {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));

    await page.goto(`${door}/`);
    check(await page.locator('form[action="/login"]').count() === 1, 'the form comes first');
    await page.fill('#key', key);
    await Promise.all([page.waitForNavigation(), page.click('input[type=submit]')]);
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'switchyard_session');
    check(session && session.httpOnly && session.sameSite === 'Strict',
          'the session cookie is HttpOnly and SameSite=Strict');
    check(!session || session.value !== key, 'the session is not the key');
    await page.waitForSelector('#models tbody tr[data-model="gpt-4o"]', { timeout: 5000 });
    check(await page.locator('[data-model="gpt-4o"] [data-breaker="closed"]').count() === 1,
          'gpt-4o shows closed');

    // gpt-4o fails: the door's requests fall back, and its breaker opens after a run.
    await fault('gpt-4o', 'mode=error&status=503');
    let opened = null;
    for (let i = 0; i < 40 && !opened; i++) {
      await chat(`request ${i}`);
      const s = await state();
      const m = s.models.find((x) => x.name === 'gpt-4o');
      if (m.breaker === 'open') opened = Date.now();
    }
    check(opened !== null, 'the daemon opened gpt-4o\'s breaker');
    await page.waitForSelector('[data-model="gpt-4o"] [data-breaker="open"]', { timeout: 5000 });
    const shown = Date.now();
    // When the daemon opened it, by its own clock, as the history has it.
    let since = null;
    for (let i = 0; i < 50 && since === null; i++) {
      const m = (await state()).models.find((x) => x.name === 'gpt-4o');
      if (m.breaker_since_ms) since = m.breaker_since_ms;
      else await new Promise((r) => setTimeout(r, 100));
    }
    const lag = shown - (since || opened);
    check(lag <= 2000, `breaker open on the page ${lag} ms after the daemon opened it (<= 2000)`);
    await page.waitForSelector('#transitions li', { timeout: 5000 });
    await page.screenshot({ path: shot, fullPage: true });
    check(errors.length === 0, `no console error (${errors.join(' | ')})`);
  } finally {
    await browser.close();
  }
}

run(main);
