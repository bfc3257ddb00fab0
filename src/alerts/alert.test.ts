import { describe, expect, it } from 'vitest';
import { KobeError } from '../core/errors.js';
import { telegramHtmlError, telegramPlainText } from '../test-support/webhook-stub.js';
import {
  type Alert,
  alertPlainText,
  breakerTrippedAlert,
  escapeTelegramHtml,
  formatJsonBody,
  formatTelegramText,
  killSwitchAlert,
  pipelineFailureAlert,
  TELEGRAM_TEXT_MAX_CHARS,
  tradeOfDayAlert,
} from './alert.js';

const AT = '2024-01-16T21:05:00.000Z';

describe('escapeTelegramHtml', () => {
  it('escapes &, < and > (and & first, so nothing is escaped twice)', () => {
    expect(escapeTelegramHtml('P&L < 0 && x > 1; &amp;')).toBe('P&amp;L &lt; 0 &amp;&amp; x &gt; 1; &amp;amp;');
  });

  it('leaves quotes, newlines and emoji alone', () => {
    expect(escapeTelegramHtml('say "hi"\n📈')).toBe('say "hi"\n📈');
  });
});

describe('formatTelegramText', () => {
  const hostile: Alert = {
    kind: 'pipeline-failure',
    title: 'step <fetch> failed & stopped',
    lines: ['error: <html><body>502 Bad Gateway</body></html>', 'P&L: -$1,200 < limit', 'AT&T &nbsp; 1 > 0'],
    at: AT,
    date: '2024-01-16',
  };

  it('is text Telegram accepts in HTML mode, and shows exactly what the alert says', () => {
    const text = formatTelegramText(hostile);
    // The stub's parser: a raw `<html>` or `&nbsp;` would be "can't parse entities".
    expect(telegramHtmlError(text)).toBeNull();
    expect(telegramHtmlError('<html>')).not.toBeNull();
    expect(telegramPlainText(text)).toBe(alertPlainText(hostile));
  });

  it('puts the header and title in bold and the date in the header', () => {
    const text = formatTelegramText(hostile);
    const [header, title] = text.split('\n');
    expect(header).toBe('<b>kobe · 🔴 pipeline failure · 2024-01-16</b>');
    expect(title).toBe('<b>step &lt;fetch&gt; failed &amp; stopped</b>');
  });

  it('keeps a long alert under 4096 characters, drops whole lines and says how many', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `line ${i}: ${'&'.repeat(40)}`);
    const text = formatTelegramText({ kind: 'info', title: 't', lines, at: AT });
    expect(text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_MAX_CHARS);
    expect(telegramHtmlError(text)).toBeNull();
    const last = text.split('\n').at(-1) ?? '';
    const kept = text.split('\n').length - 3; // header, title, marker
    expect(last).toBe(`… ${300 - kept} more lines in the alerts log`);
    expect(kept).toBeGreaterThan(10);
  });

  it('clips one huge line instead of dropping it, and never splits an emoji', () => {
    const text = formatTelegramText({ kind: 'info', title: '📈'.repeat(300), lines: ['<'.repeat(10_000)], at: AT });
    expect(text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_MAX_CHARS);
    expect(telegramHtmlError(text)).toBeNull();
    expect(text.split('\n')).toHaveLength(3);
    // No lone surrogate: the text survives a UTF-8 round trip unchanged.
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
  });

  it('fits a small limit exactly, marker included', () => {
    const text = formatTelegramText({ kind: 'info', title: 't', lines: ['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(30)], at: AT }, 120);
    expect(text.length).toBeLessThanOrEqual(120);
    expect(text).toContain('more line');
  });
});

describe('formatJsonBody', () => {
  it('has kind, title, text, lines, at, date and source kobe', () => {
    const body = formatJsonBody({ kind: 'trade-of-day', title: 'buy AAPL', lines: ['BUY 10 AAPL'], at: AT, date: '2024-01-16' });
    expect(body).toEqual({
      kind: 'trade-of-day',
      title: 'buy AAPL',
      text: 'kobe · 📈 trade of the day · 2024-01-16\nbuy AAPL\nBUY 10 AAPL',
      lines: ['BUY 10 AAPL'],
      at: AT,
      date: '2024-01-16',
      source: 'kobe',
    });
  });

  it('gives date null, not a missing key, and no HTML escaping', () => {
    const body = formatJsonBody({ kind: 'info', title: 'a < b', lines: [], at: AT });
    expect(JSON.parse(JSON.stringify(body))).toHaveProperty('date', null);
    expect(body.title).toBe('a < b');
  });
});

describe('alert builders', () => {
  it('pipelineFailureAlert quotes the error and its code', () => {
    const a = pipelineFailureAlert({ step: 'fetch', error: new KobeError('NETWORK_ERROR', 'stooq: request failed'), at: AT, date: '2024-01-16' });
    expect(a).toMatchObject({ kind: 'pipeline-failure', title: 'daily pipeline failed at fetch', date: '2024-01-16' });
    expect(a.lines).toContain('error: stooq: request failed [NETWORK_ERROR]');
    expect(pipelineFailureAlert({ step: 's', error: 'plain', at: AT }).lines[1]).toBe('error: plain');
    expect('date' in pipelineFailureAlert({ step: 's', error: 'plain', at: AT })).toBe(false);
  });

  it('breaker, kill switch and trade of the day', () => {
    expect(breakerTrippedAlert({ trip: { code: 'DAILY_LOSS_LIMIT', detail: 'day P&L -$600.00' }, at: AT }).title).toBe('circuit breaker tripped: DAILY_LOSS_LIMIT');
    expect(killSwitchAlert({ reason: 'manual stop by ops', at: AT }).lines).toEqual(['reason: manual stop by ops']);
    const t = tradeOfDayAlert({ trade: { symbol: 'AAPL', side: 'buy', strategy: 'ibs-rsi', qty: 10, limitPriceUsd: 187.234, stopPriceUsd: 180 }, at: AT });
    expect(t.lines).toEqual(['BUY 10 AAPL limit $187.23', 'strategy: ibs-rsi', 'stop: $180.00']);
  });
});
