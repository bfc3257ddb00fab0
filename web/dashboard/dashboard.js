// The kobe dashboard: reads the server's JSON API and redraws in place (no reloads).
// The backtest section is in one of four states (data-state on #backtest): empty, running,
// completed, error. While a run goes the status is polled every 3 seconds.
(function () {
  'use strict';

  var POLL_MS = 3000;
  var pollTimer = null;

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'className') node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c !== null && c !== undefined) node.appendChild(c); });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function num(v, digits) { return v === null || v === undefined ? 'n/a' : Number(v).toFixed(digits === undefined ? 2 : digits); }
  function pct(v) { return v === null || v === undefined ? 'n/a' : (Number(v) * 100).toFixed(1) + '%'; }
  function usd(v) { return v === null || v === undefined ? 'n/a' : (v < 0 ? '-$' : '$') + Math.abs(Number(v)).toLocaleString('en-US', { maximumFractionDigits: 0 }); }
  function windowText(w) { return w ? (w.start || 'first session') + ' .. ' + (w.end || 'last session') : ''; }

  function getJson(url) {
    return fetch(url, { headers: { accept: 'application/json' } }).then(function (r) {
      return r.json().then(function (body) { return { status: r.status, body: body }; });
    });
  }

  // One tile per strategy: its headline numbers, whether it qualifies and why not.
  function tile(name, row) {
    var m = row.metrics;
    var rows = [
      ['trades', String(m.trades)],
      ['sharpe', num(m.sharpe)],
      ['P&L', usd(m.pnl)],
      ['return', pct(m.total_return)],
      ['win rate', pct(m.win_rate)],
      ['max drawdown', pct(m.max_dd)],
      ['profit factor', num(m.profit_factor)],
    ];
    var dl = el('dl', {}, []);
    rows.forEach(function (r) {
      dl.appendChild(el('dt', { text: r[0] }));
      dl.appendChild(el('dd', { text: r[1], 'data-metric': r[0] }));
    });
    var tag = el('span', { className: 'tag', 'data-qualified': String(row.qualified), text: row.qualified ? 'qualified' : 'not qualified' });
    var penalties = (row.penalties || []).map(function (p) { return el('p', { className: 'penalty', text: p.message }); });
    return el('article', { className: 'tile', 'data-strategy': name, 'aria-label': name }, [el('h4', {}, [el('span', { text: name }), tag]), dl].concat(penalties));
  }

  function drawTiles(container, strategies) {
    clear(container);
    Object.keys(strategies || {}).forEach(function (name) { container.appendChild(tile(name, strategies[name])); });
  }

  function setState(state, badgeText) {
    $('backtest').setAttribute('data-state', state);
    ['empty', 'running', 'completed', 'error'].forEach(function (s) { $('state-' + s).hidden = s !== state; });
    var badge = $('job-badge');
    badge.setAttribute('data-state', state);
    badge.textContent = badgeText;
    $('run-button').disabled = state === 'running';
  }

  function showRunning(status) {
    var p = status.progress || { folds_done: 0, folds_total: null, strategies_done: 0, strategies_total: (status.strategies || []).length, finished: {} };
    var splits = p.folds_total === null ? p.folds_done + ' splits' : p.folds_done + '/' + p.folds_total + ' splits';
    var text = 'running: ' + splits + ', ' + p.strategies_done + '/' + p.strategies_total + ' strategies' + (p.current ? ' (' + p.current + ')' : '');
    setState('running', 'running');
    var progress = $('progress');
    progress.textContent = text;
    progress.setAttribute('data-folds-done', String(p.folds_done));
    progress.setAttribute('data-strategies-done', String(p.strategies_done));
    var bar = $('progress-bar');
    bar.max = p.folds_total || 1;
    bar.value = p.folds_total ? p.folds_done : 0;
    drawTiles($('finished'), p.finished);
    $('finished-none').hidden = Object.keys(p.finished || {}).length > 0;
  }

  function showCompleted(latest) {
    setState('completed', 'completed');
    $('completed-meta').textContent = 'generated ' + latest.generated_at + ', window ' + windowText(latest.window) + (latest.synthetic ? ' (synthetic demo data)' : '') + (latest.run_id ? ', run ' + latest.run_id : '');
    drawTiles($('tiles'), latest.strategies);
  }

  // The error and the last good result: latest.json if there is one, else the newest archive.
  function showError(status) {
    setState('error', 'error');
    $('error-message').textContent = status.message || 'the run failed';
    var good = status.latest_generated_at ? getJson('/api/backtests/latest').then(function (r) { return r.body; }) : getJson('/api/backtests/archives').then(function (a) {
      var list = a.body.archives || [];
      return list.length === 0 ? null : getJson('/api/backtests/archives/' + list[0].week).then(function (x) { return x.body; });
    });
    good.then(function (doc) {
      $('last-good-meta').textContent = doc ? 'generated ' + doc.generated_at + ', window ' + windowText(doc.window) : 'none';
      drawTiles($('last-good'), doc ? doc.strategies : {});
    });
  }

  function schedulePoll() {
    if (pollTimer !== null) clearTimeout(pollTimer);
    pollTimer = setTimeout(refreshJob, POLL_MS);
  }

  function refreshJob() {
    pollTimer = null;
    return getJson('/api/backtests/status').then(function (r) {
      var status = r.body;
      if (status.state === 'running') {
        showRunning(status);
        schedulePoll();
        return;
      }
      if (status.state === 'error') {
        showError(status);
        refreshLists();
        return;
      }
      refreshLists();
      if (!status.latest_generated_at) {
        setState('empty', 'no runs yet');
        return;
      }
      return getJson('/api/backtests/latest').then(function (l) { showCompleted(l.body); });
    });
  }

  function run() {
    $('run-error').hidden = true;
    $('run-button').disabled = true;
    fetch('/api/backtests/run', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{}' })
      .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); })
      .then(function (r) {
        if (r.status !== 202 && r.status !== 409) {
          $('run-error').textContent = r.body.error ? r.body.error.message : 'the run could not start';
          $('run-error').hidden = false;
          $('run-button').disabled = false;
          return;
        }
        if (r.status === 202) showRunning({ strategies: r.body.strategies });
        schedulePoll();
      });
  }

  function refreshHistory() {
    return getJson('/api/backtests/archives').then(function (r) {
      var select = $('history');
      var chosen = select.value;
      var list = r.body.archives || [];
      clear(select);
      if (list.length === 0) {
        select.appendChild(el('option', { value: '', text: '(no archives yet)' }));
        return;
      }
      list.forEach(function (a) { select.appendChild(el('option', { value: a.week, text: a.week + ' (' + a.qualified + '/' + a.strategies + ' qualified)' })); });
      select.value = list.some(function (a) { return a.week === chosen; }) ? chosen : list[0].week;
      return showArchive(select.value);
    });
  }

  function showArchive(week) {
    if (!week) return;
    return getJson('/api/backtests/archives/' + encodeURIComponent(week)).then(function (r) {
      if (r.status !== 200) return;
      $('history-meta').textContent = week + ': generated ' + r.body.generated_at + ', window ' + windowText(r.body.window);
      drawTiles($('history-tiles'), r.body.strategies);
    });
  }

  function cell(text, cls) { return el('td', cls ? { className: cls, text: text } : { text: text }); }

  function refreshRuns() {
    return getJson('/api/runs?limit=20').then(function (r) {
      var body = $('runs').tBodies[0];
      clear(body);
      $('runs-note').hidden = !r.body.note;
      $('runs-note').textContent = r.body.note || '';
      (r.body.runs || []).forEach(function (run) {
        var m = run.metrics[0] || {};
        var link = el('a', { href: run.report, text: run.runId });
        body.appendChild(el('tr', { 'data-run-id': run.runId }, [
          el('td', {}, [link]), cell(run.command), cell(run.strategies.join(', ')), cell(run.start + ' .. ' + run.end),
          cell(num(m.sharpe), 'num'), cell(pct(m.totalReturnFrac), 'num'), cell(run.recordedAt),
        ]));
      });
    });
  }

  function refreshDaily() {
    return getJson('/api/daily').then(function (r) {
      var d = r.body;
      $('daily').setAttribute('data-available', String(Boolean(d.available)));
      $('daily-note').textContent = d.note || 'trading day ' + d.trading_date;
      var picks = $('picks');
      clear(picks);
      $('picks-meta').textContent = d.scan ? 'scan of ' + d.scan.date : 'no scan yet';
      ((d.scan && d.scan.picks) || []).forEach(function (p) {
        picks.appendChild(el('li', { 'data-symbol': p.symbol, text: p.symbol + ' ' + p.side + ' (' + p.strategy + ') entry ' + num(p.entry) + (p.stop !== null ? ', stop ' + num(p.stop) : '') }));
      });
      var orders = $('orders').tBodies[0];
      clear(orders);
      (d.orders || []).forEach(function (o) {
        orders.appendChild(el('tr', {}, [cell(o.symbol), cell(o.side), cell(String(o.qty), 'num'), cell(o.state), cell(String(o.filledQty), 'num')]));
      });
      var positions = $('positions').tBodies[0];
      clear(positions);
      (d.positions || []).forEach(function (p) { positions.appendChild(el('tr', {}, [cell(p.symbol), cell(String(p.qty), 'num')])); });
    });
  }

  function refreshRoster() {
    return getJson('/api/roster').then(function (r) {
      var list = $('roster');
      clear(list);
      var roster = r.body.roster || [];
      $('roster-empty').hidden = roster.length > 0;
      roster.forEach(function (e) {
        var params = Object.keys(e.params).map(function (k) { return k + '=' + e.params[k]; }).join(' ');
        list.appendChild(el('li', { 'data-id': e.id, text: e.label + ' (' + e.strategy + ') ' + params }));
      });
    });
  }

  function refreshAudit() {
    return getJson('/api/audit').then(function (r) {
      var a = r.body;
      var node = $('audit');
      if (!a.exists) {
        node.setAttribute('data-ok', 'missing');
        node.textContent = a.file + ': no audit log yet';
      } else if (a.ok) {
        node.setAttribute('data-ok', 'true');
        node.textContent = a.file + ': intact, ' + a.records + ' records, head ' + a.head_hash.slice(0, 16);
      } else {
        node.setAttribute('data-ok', 'false');
        node.textContent = a.file + ':' + a.line + ': ' + a.problem + ' (' + a.records + ' intact records before it)';
      }
    });
  }

  // Everything beside the job's own state: refreshed whenever a run ends or the page opens.
  function refreshLists() {
    refreshHistory();
    refreshRuns();
    refreshDaily();
    refreshRoster();
    refreshAudit();
  }

  $('run-button').addEventListener('click', run);
  $('history').addEventListener('change', function (e) { showArchive(e.target.value); });
  refreshJob();
})();
