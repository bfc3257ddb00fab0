// Draws a kobe report from the JSON data block in the page. Every section type of
// src/report/report-data.ts has one drawing function here; the page needs nothing but this file,
// uPlot (inlined before it) and the data: it opens offline from the file system.
(function () {
  'use strict';

  const started = performance.now();
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const charts = [];
  const COLORS = ['#2f5fd0', '#7a7f8c', '#d9822b', '#1a7f4b', '#8e44ad', '#b3261e'];

  // ---------------------------------------------------------------------------------------------
  // Formatting: one function per ValueFormat; null is "n/a" with the reason on hover.

  const usdFmt = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
  const FORMATS = {
    pct: (v) => `${(v * 100).toFixed(Math.abs(v) < 0.1 ? 2 : 1)}%`,
    usd: (v) => usdFmt.format(v),
    // Small statistics (a per-session Sharpe, a variance of Sharpes) keep three significant digits.
    num: (v) => (Math.abs(v) >= 1000 ? v.toFixed(0) : v !== 0 && Math.abs(v) < 0.1 ? String(Number(v.toPrecision(3))) : v.toFixed(2)),
    int: (v) => String(Math.round(v)),
    ratio: (v) => v.toFixed(2),
    text: (v) => String(v),
    date: (v) => String(v),
  };
  function fmt(v, format) {
    if (v === null || v === undefined) return 'n/a';
    if (typeof v === 'string') return v;
    return (FORMATS[format] || FORMATS.num)(v);
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c) e.append(c);
    return e;
  }

  // ---------------------------------------------------------------------------------------------
  // Sections without charts

  function heading(s) {
    return el('div', { class: 'section heading' }, el('h2', { text: s.title }), s.text ? el('p', { class: 'muted', text: s.text }) : null);
  }

  function notes(s) {
    const ul = el('ul', { class: 'notes' });
    for (const item of s.items) ul.append(el('li', { text: item }));
    return el('div', { class: 'section' }, el('h3', { text: s.title }), ul);
  }

  function tiles(s) {
    const grid = el('div', { class: 'tiles' });
    for (const t of s.tiles) {
      const absent = t.value === null || t.value === undefined;
      const box = el('div', { class: `tile${t.state ? ` ${t.state}` : ''}`, 'data-label': t.label });
      box.append(el('div', { class: 'label', text: t.label }));
      box.append(el('div', { class: `value${absent ? ' absent' : ''}`, text: fmt(t.value, t.format) }));
      if (t.note) box.title = t.note;
      grid.append(box);
    }
    return el('div', { class: 'section' }, el('h3', { text: s.title }), grid);
  }

  function table(s) {
    const head = el('tr');
    for (const c of s.columns) head.append(el('th', { class: c.format === 'text' ? 'text' : '', text: c.label }));
    const body = el('tbody');
    for (const r of s.rows) {
      const tr = el('tr');
      for (const c of s.columns) tr.append(el('td', { class: c.format === 'text' ? 'text' : '', text: fmt(r[c.key], c.format) }));
      body.append(tr);
    }
    const t = el('table', {}, el('thead', {}, head), body);
    return el('div', { class: 'section' }, el('h3', { text: s.title }), el('div', { class: 'table-wrap' }, t), s.note ? el('p', { class: 'muted', text: s.note }) : null);
  }

  function heatColor(v, max) {
    if (v === null || max <= 0) return '';
    const a = Math.min(1, Math.abs(v) / max) * 0.75;
    return v >= 0 ? `rgba(26,127,75,${a.toFixed(3)})` : `rgba(179,38,30,${a.toFixed(3)})`;
  }

  function heatmap(s) {
    // Colour scale from the monthly cells only, so one big year does not wash the months out.
    let max = 0;
    for (const row of s.cells) for (let k = 0; k < row.length - 1; k++) if (row[k] !== null) max = Math.max(max, Math.abs(row[k]));
    const head = el('tr', {}, el('th', { text: '' }));
    for (const c of s.colLabels) head.append(el('th', { text: c }));
    const body = el('tbody');
    s.rowLabels.forEach((label, i) => {
      const tr = el('tr', {}, el('th', { text: label }));
      s.cells[i].forEach((v, k) => {
        const last = k === s.cells[i].length - 1;
        const td = el('td', { class: last ? 'year' : '', text: v === null ? '' : fmt(v, s.format) });
        if (!last) td.style.background = heatColor(v, max);
        tr.append(td);
      });
      body.append(tr);
    });
    return el('div', { class: 'section' }, el('h3', { text: s.title }), el('div', { class: 'table-wrap' }, el('table', { class: 'heatmap' }, el('thead', {}, head), body)));
  }

  // ---------------------------------------------------------------------------------------------
  // Charts (uPlot)

  function chartBox(s, controls) {
    const box = el('div', { class: 'chart', 'data-chart': s.type });
    const wrap = el('div', { class: 'section' }, el('h3', { text: s.title }), controls || null, box);
    return { wrap, box };
  }

  function width(box) {
    return Math.max(320, box.clientWidth || document.getElementById('report').clientWidth || 900);
  }

  function axisValues(format) {
    return (u, splits) => splits.map((v) => (v === null ? '' : fmt(v, format === 'usd' && Math.abs(v) >= 1e6 ? 'usdM' : format)));
  }
  FORMATS.usdM = (v) => `$${(v / 1e6).toFixed(2)}M`;

  function seriesOpts(list, yFormat) {
    return list.map((ser, i) => ({
      label: ser.label,
      stroke: COLORS[i % COLORS.length],
      width: 1.5,
      dash: ser.dash ? [6, 4] : undefined,
      fill: ser.fill ? `${COLORS[i % COLORS.length]}33` : undefined,
      value: (u, v) => fmt(v, yFormat),
      spanGaps: false,
    }));
  }

  function mount(box, opts, series) {
    const u = new uPlot({ ...opts, width: width(box) }, series, box);
    charts.push({ u, box });
    return u;
  }

  // The points are sessions: ticks step by whole days (a few days' curve would get hourly ticks), labelled as dates.
  const DAY = 86400;
  const DAY_INCRS = [1, 2, 7, 14, 30, 61, 91, 182, 365, 730, 1826, 3652].map((d) => d * DAY);
  function dateTicks(u, splits, axisIdx, space, incr) {
    return splits.map((v) => {
      const iso = new Date(v * 1000).toISOString();
      return incr >= 365 * DAY ? iso.slice(0, 4) : incr >= 30 * DAY ? iso.slice(0, 7) : iso.slice(0, 10);
    });
  }

  function timeseries(s) {
    const controls = s.logToggle ? el('label', { class: 'chart-controls' }) : null;
    const { wrap, box } = chartBox(s, controls);
    const xs = s.dates.map((d) => Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10)) / 1000);
    const series = [xs, ...s.series.map((x) => x.values)];
    let u = null;
    const draw = (log) => {
      if (u) {
        const i = charts.findIndex((c) => c.u === u);
        if (i >= 0) charts.splice(i, 1);
        u.destroy();
      }
      u = mount(box, {
        height: 280,
        scales: { x: { time: true }, y: log ? { distr: 3 } : {} },
        axes: [{ incrs: DAY_INCRS, values: dateTicks }, { values: axisValues(s.yFormat), size: 80 }],
        series: [{ value: (self, v) => (v === null ? '' : new Date(v * 1000).toISOString().slice(0, 10)) }, ...seriesOpts(s.series, s.yFormat)],
      }, series);
    };
    if (controls) {
      const box2 = el('input', { type: 'checkbox', 'data-log-toggle': '1' });
      box2.addEventListener('change', () => draw(box2.checked));
      controls.append(box2, ' log scale');
    }
    queue.push(() => draw(false));
    return wrap;
  }

  function verticalMarker(at, label) {
    return {
      hooks: {
        draw: [
          (u) => {
            const x = u.valToPos(at, 'x', true);
            if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) return;
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = '#b3261e';
            ctx.setLineDash([4, 3]);
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.fillStyle = '#b3261e';
            ctx.font = `${12 * devicePixelRatio}px sans-serif`;
            ctx.fillText(label, x + 4, u.bbox.top + 14 * devicePixelRatio);
            ctx.restore();
          },
        ],
      },
    };
  }

  function histogram(s) {
    const { wrap, box } = chartBox(s);
    if (s.counts.length === 0) {
      box.append(el('p', { class: 'muted', text: 'no values' }));
      return wrap;
    }
    const centers = s.counts.map((_, k) => (s.edges[k] + s.edges[k + 1]) / 2);
    const step = s.edges[1] - s.edges[0];
    queue.push(() =>
      mount(box, {
        height: 220,
        plugins: s.marker ? [verticalMarker(s.marker.at, s.marker.label)] : [],
        scales: { x: { time: false, auto: false, range: [s.edges[0], s.edges[s.edges.length - 1]] } },
        axes: [{ values: axisValues(s.xFormat), label: s.xLabel }, { label: 'count' }],
        series: [
          { label: s.xLabel, value: (u, v) => (v === null ? '' : `${fmt(v - step / 2, s.xFormat)} .. ${fmt(v + step / 2, s.xFormat)}`) },
          { label: 'count', stroke: COLORS[0], fill: `${COLORS[0]}88`, paths: uPlot.paths.bars({ size: [1, Infinity], gap: 1 }), points: { show: false } },
        ],
        legend: { show: true },
      }, [centers, s.counts]),
    );
    return wrap;
  }

  function bars(s) {
    const { wrap, box } = chartBox(s);
    if (s.labels.length === 0) {
      box.append(el('p', { class: 'muted', text: 'no values' }));
      return wrap;
    }
    // Categories on x: bar k at x = k, labelled by its name; gains and losses are two series so each has its colour.
    const xs = s.labels.map((_, k) => k);
    const gains = s.values.map((v) => (v !== null && v >= 0 ? v : null));
    const losses = s.values.map((v) => (v !== null && v < 0 ? v : null));
    const barPaths = uPlot.paths.bars({ size: [0.6, 60], align: 0 });
    const labelAt = (v) => (Number.isInteger(v) && v >= 0 && v < s.labels.length ? s.labels[v] : '');
    queue.push(() =>
      mount(box, {
        height: 240,
        scales: { x: { time: false, range: [-0.5, s.labels.length - 0.5] } },
        axes: [{ values: (u, splits) => splits.map(labelAt), splits: () => xs }, { values: axisValues(s.format), size: 80 }],
        series: [
          { label: '', value: (u, v) => (v === null ? '' : labelAt(v)) },
          { label: 'gain', stroke: '#1a7f4b', fill: '#1a7f4baa', paths: barPaths, points: { show: false }, value: (u, v) => fmt(v, s.format) },
          { label: 'loss', stroke: '#b3261e', fill: '#b3261eaa', paths: barPaths, points: { show: false }, value: (u, v) => fmt(v, s.format) },
        ],
      }, [xs, gains, losses]),
    );
    return wrap;
  }

  function scatter(s) {
    const { wrap, box } = chartBox(s);
    // uPlot wants ascending x: sort the points, and put highlighted ones in a series of their own.
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    const xs = pts.map((p) => p.x);
    const normal = pts.map((p) => (p.highlight ? null : p.y));
    const high = pts.map((p) => (p.highlight ? p.y : null));
    const labels = pts.map((p) => p.label);
    queue.push(() =>
      mount(box, {
        height: 300,
        scales: { x: { time: false } },
        axes: [{ label: s.xLabel, values: axisValues(s.xFormat) }, { label: s.yLabel, values: axisValues(s.yFormat), size: 70 }],
        series: [
          { label: s.xLabel, value: (u, v, si, i) => (i === null || i === undefined ? '' : `${labels[i]}: ${fmt(v, s.xFormat)}`) },
          { label: 'candidates', stroke: COLORS[0], paths: () => null, points: { show: true, size: 7, fill: `${COLORS[0]}aa` }, value: (u, v) => fmt(v, s.yFormat) },
          { label: 'selected', stroke: COLORS[2], paths: () => null, points: { show: true, size: 10, fill: COLORS[2] }, value: (u, v) => fmt(v, s.yFormat) },
        ],
      }, [xs, normal, high]),
    );
    return wrap;
  }

  function lines(s) {
    const { wrap, box } = chartBox(s);
    const bands = (s.bands || []).map(([a, b]) => ({ series: [a + 1, b + 1], fill: `${COLORS[0]}22` }));
    // A count on x (generation, trade number) gets whole-number ticks, never 0.25 of a generation.
    const whole = s.x.every((v) => Number.isInteger(v));
    const xAxis = whole ? { label: s.xLabel, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000] } : { label: s.xLabel };
    queue.push(() =>
      mount(box, {
        height: 280,
        bands,
        scales: { x: { time: false } },
        axes: [xAxis, { values: axisValues(s.yFormat), size: 80 }],
        series: [{ label: s.xLabel }, ...seriesOpts(s.series, s.yFormat)],
      }, [s.x, ...s.series.map((x) => x.values)]),
    );
    return wrap;
  }

  const DRAW = { heading, notes, tiles, table, heatmap, timeseries, histogram, bars, scatter, lines };

  // ---------------------------------------------------------------------------------------------
  // The page

  const queue = [];
  document.title = data.title;
  document.getElementById('report-title').textContent = data.title;
  document.getElementById('report-subtitle').textContent = data.subtitle;
  const caveats = document.getElementById('report-caveats');
  for (const c of data.caveats) caveats.append(el('li', { text: c }));

  const main = document.getElementById('report');
  for (const s of data.sections) {
    const draw = DRAW[s.type];
    if (!draw) {
      console.error(`kobe report: unknown section type ${s.type}`);
      main.append(el('p', { class: 'error', text: `cannot draw a section of type ${s.type}` }));
      continue;
    }
    main.append(draw(s));
  }
  // Charts are drawn once the page is laid out, so each takes its container's width.
  for (const f of queue) f();

  const m = data.manifest;
  const fields = document.getElementById('manifest-fields');
  if (m === null) {
    document.getElementById('manifest').querySelector('p').textContent = 'This report is not of a recorded run: no manifest.';
    for (const d of document.getElementById('manifest').querySelectorAll('details')) d.hidden = true;
  } else {
    const rows = [
      ['run id', m.runId], ['command', m.command], ['kobe version', m.kobeVersion], ['seed', String(m.seed)],
      ['data hash', m.dataHash], ['data', `${m.dataKind}${m.synthetic ? ' (synthetic)' : ''}, ${m.symbols} symbols, index ${m.index === null ? 'none' : m.index}`],
      ['window', `${m.start} .. ${m.end}`],
    ];
    for (const [k, v] of rows) fields.append(el('dt', { text: k }), el('dd', { text: v, 'data-field': k }));
    document.getElementById('manifest-engine').textContent = JSON.stringify(m.engine, null, 2);
    document.getElementById('manifest-run').textContent = JSON.stringify(m.run, null, 2);
  }

  window.addEventListener('resize', () => {
    for (const c of charts) c.u.setSize({ width: width(c.box), height: c.u.height });
  });

  // Read by the browser tests and the render benchmark.
  window.kobeReport = { charts: charts.length, sections: data.sections.length, renderMs: performance.now() - started };
  document.body.dataset.rendered = 'true';
})();
