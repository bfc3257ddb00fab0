/**
 * The demo market's stocks: fictional companies in six sectors, the named 60 first, generated
 * tickers beyond (demo-market.ts simulates their bars).
 */

export const DEMO_SECTORS = ['Technology', 'Healthcare', 'Financials', 'Energy', 'Consumer', 'Industrials'] as const;
export type DemoSector = (typeof DEMO_SECTORS)[number];

export interface DemoStock {
  readonly symbol: string;
  readonly name: string;
  readonly sector: DemoSector;
}

/** The number of stocks the demo market has by default. */
export const DEMO_DEFAULT_SYMBOLS = 60;

/**
 * Fictional companies. Tickers were picked from unusual letter combinations (Q without U, X, Z,
 * J) so that, as far as we can tell, none is a real listing; they are 4 letters and unique.
 */
const NAMED_UNIVERSE: readonly DemoStock[] = [
  // Technology
  { symbol: 'QZAL', name: 'Quazal Systems', sector: 'Technology' },
  { symbol: 'XERV', name: 'Xervane Software', sector: 'Technology' },
  { symbol: 'ZLXO', name: 'Zolixo Semiconductor', sector: 'Technology' },
  { symbol: 'JQNT', name: 'Jaquent Networks', sector: 'Technology' },
  { symbol: 'VXRA', name: 'Vexara Cloud', sector: 'Technology' },
  { symbol: 'QORX', name: 'Qorix Devices', sector: 'Technology' },
  { symbol: 'ZENQ', name: 'Zenqo Data', sector: 'Technology' },
  { symbol: 'XOPL', name: 'Xoplar Micro', sector: 'Technology' },
  { symbol: 'KRYZ', name: 'Kryzen Optics', sector: 'Technology' },
  { symbol: 'TQVA', name: 'Tiqva Robotics', sector: 'Technology' },
  // Healthcare
  { symbol: 'QELM', name: 'Qelmira Therapeutics', sector: 'Healthcare' },
  { symbol: 'JXBI', name: 'Jaxbio Labs', sector: 'Healthcare' },
  { symbol: 'XELN', name: 'Xelenta Pharma', sector: 'Healthcare' },
  { symbol: 'QURZ', name: 'Quraz Medical', sector: 'Healthcare' },
  { symbol: 'VQNA', name: 'Vaqna Genomics', sector: 'Healthcare' },
  { symbol: 'ZEMB', name: 'Zembra Health', sector: 'Healthcare' },
  { symbol: 'OXQL', name: 'Oxquil Devices', sector: 'Healthcare' },
  { symbol: 'BZQA', name: 'Bezqa Biosciences', sector: 'Healthcare' },
  { symbol: 'XYNT', name: 'Xyntra Diagnostics', sector: 'Healthcare' },
  { symbol: 'QJNX', name: 'Qajinx Care', sector: 'Healthcare' },
  // Financials
  { symbol: 'ZQBK', name: 'Zaqbank Holdings', sector: 'Financials' },
  { symbol: 'XFRD', name: 'Xanford Trust', sector: 'Financials' },
  { symbol: 'QVLT', name: 'Quovault Capital', sector: 'Financials' },
  { symbol: 'JZRA', name: 'Jazira Insurance', sector: 'Financials' },
  { symbol: 'ZLND', name: 'Zolland Financial', sector: 'Financials' },
  { symbol: 'QXCP', name: 'Qexcap Partners', sector: 'Financials' },
  { symbol: 'VZRB', name: 'Vizra Bancorp', sector: 'Financials' },
  { symbol: 'XPLM', name: 'Xplum Payments', sector: 'Financials' },
  { symbol: 'QWRE', name: 'Qwire Exchange', sector: 'Financials' },
  { symbol: 'ZBRQ', name: 'Zabriq Credit', sector: 'Financials' },
  // Energy
  { symbol: 'XOLQ', name: 'Xolq Petroleum', sector: 'Energy' },
  { symbol: 'ZQGS', name: 'Zaqgas Midstream', sector: 'Energy' },
  { symbol: 'QXRN', name: 'Qexron Energy', sector: 'Energy' },
  { symbol: 'JVZO', name: 'Javzo Drilling', sector: 'Energy' },
  { symbol: 'ZHLX', name: 'Zhelix Solar', sector: 'Energy' },
  { symbol: 'QVNT', name: 'Quovant Power', sector: 'Energy' },
  { symbol: 'XKLN', name: 'Xkalon Resources', sector: 'Energy' },
  { symbol: 'ZFRQ', name: 'Zefriq Refining', sector: 'Energy' },
  { symbol: 'QLTX', name: 'Qoltex Utilities', sector: 'Energy' },
  { symbol: 'JXOL', name: 'Jaxol Oilfield', sector: 'Energy' },
  // Consumer
  { symbol: 'ZQLA', name: 'Zaquila Foods', sector: 'Consumer' },
  { symbol: 'XMBR', name: 'Xambra Apparel', sector: 'Consumer' },
  { symbol: 'QVIN', name: 'Qavin Retail', sector: 'Consumer' },
  { symbol: 'JZZR', name: 'Jazzer Restaurants', sector: 'Consumer' },
  { symbol: 'ZOQA', name: 'Zoqa Beverages', sector: 'Consumer' },
  { symbol: 'XTRV', name: 'Xtraveo Leisure', sector: 'Consumer' },
  { symbol: 'QPLM', name: 'Qaplum Home', sector: 'Consumer' },
  { symbol: 'ZVRD', name: 'Zavarda Brands', sector: 'Consumer' },
  { symbol: 'XQMT', name: 'Xqmart Stores', sector: 'Consumer' },
  { symbol: 'QJOY', name: 'Qajoy Games', sector: 'Consumer' },
  // Industrials
  { symbol: 'ZQRL', name: 'Zaqrail Freight', sector: 'Industrials' },
  { symbol: 'XFAB', name: 'Xfabrix Machinery', sector: 'Industrials' },
  { symbol: 'QVLD', name: 'Quvold Aerospace', sector: 'Industrials' },
  { symbol: 'JXTR', name: 'Jextra Logistics', sector: 'Industrials' },
  { symbol: 'ZMTL', name: 'Zamtal Metals', sector: 'Industrials' },
  { symbol: 'QXDN', name: 'Qexden Construction', sector: 'Industrials' },
  { symbol: 'XVLT', name: 'Xvolt Electric', sector: 'Industrials' },
  { symbol: 'ZQPK', name: 'Zaqpak Packaging', sector: 'Industrials' },
  { symbol: 'QRMX', name: 'Qormix Chemicals', sector: 'Industrials' },
  { symbol: 'XWYN', name: 'Xwyn Airlines', sector: 'Industrials' },
];

/**
 * The universe for `count` stocks: the named list first, interleaved across sectors so that a
 * small count still spans every sector; beyond 60, generated 5-letter `ZQ...` tickers.
 */
export function demoUniverse(count: number = DEMO_DEFAULT_SYMBOLS): readonly DemoStock[] {
  const perSector = NAMED_UNIVERSE.length / DEMO_SECTORS.length;
  const out: DemoStock[] = [];
  for (let i = 0; i < count; i++) {
    if (i < NAMED_UNIVERSE.length) {
      const sectorIndex = i % DEMO_SECTORS.length;
      const rank = Math.floor(i / DEMO_SECTORS.length);
      out.push(NAMED_UNIVERSE[sectorIndex * perSector + rank]);
    } else {
      const k = i - NAMED_UNIVERSE.length;
      const letters = String.fromCharCode(65 + Math.floor(k / 676) % 26, 65 + Math.floor(k / 26) % 26, 65 + (k % 26));
      out.push({ symbol: `ZQ${letters}`, name: `Demo Company ${k + 1}`, sector: DEMO_SECTORS[k % DEMO_SECTORS.length] });
    }
  }
  return out;
}
