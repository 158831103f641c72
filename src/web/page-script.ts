/**
 * The pages' script, served as /assets/dashboard.js. It lives in a TypeScript string so that `tsc`
 * carries it into dist/ with the server (the package ships dist/ only); test/web checks it parses.
 * Plain browser JavaScript: no template literals (this is one), every name and value reaches the page
 * through textContent or URLSearchParams, never as markup.
 */
export const PAGE_SCRIPT = String.raw`(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('ringmon-config').textContent);
  var query = new URLSearchParams(location.search);
  var token = query.get('token');
  var WINDOWS = [
    { id: '15m', seconds: 900, label: '15 min' },
    { id: '1h', seconds: 3600, label: '1 h' },
    { id: '6h', seconds: 21600, label: '6 h' },
    { id: '24h', seconds: 86400, label: '24 h' },
    { id: 'all', seconds: 0, label: 'all' },
  ];
  var COLORS = ['#2563eb', '#16a34a', '#dc2626', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d', '#475569'];
  var app = document.getElementById('app');
  var body = document.body;

  function h(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) return;
        if (k === 'text') node.textContent = String(v);
        else node.setAttribute(k, v === true ? '' : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function link(page, params) {
    var p = new URLSearchParams(params || {});
    if (token) p.set('token', token);
    var qs = p.toString();
    return page + (qs ? '?' + qs : '');
  }

  async function getJson(path, params) {
    var p = new URLSearchParams(params || {});
    var headers = token ? { Authorization: 'Bearer ' + token } : {};
    var res = await fetch(path + '?' + p.toString(), { headers: headers, cache: 'no-store' });
    var data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok) throw new Error((data && data.error) || 'HTTP ' + res.status);
    return data;
  }

  function fmt(v, unit) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    var a = Math.abs(v);
    var s = a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
    return unit ? s + ' ' + unit : s;
  }

  function pair(a, b, unit) {
    return fmt(a) + ' / ' + fmt(b) + (unit ? ' ' + unit : '');
  }

  function ago(seconds) {
    if (seconds === null || seconds === undefined) return 'never';
    var s = Math.max(0, seconds);
    if (s < 90) return Math.round(s) + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    if (s < 129600) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' d ago';
  }

  function when(t) {
    return t === null || t === undefined ? '–' : new Date(t * 1000).toLocaleString();
  }

  function span(seconds) {
    return ago(seconds).replace(/ ago$/, '');
  }

  // Stale, and a writer whose clock runs ahead (its samples from the future are not its age).
  function staleBadge(entry) {
    if (!entry) return null;
    var ahead = entry.clock_ahead_seconds;
    var parts = [];
    var titles = [];
    if (entry.stale) {
      var interval = entry.latest && entry.latest.interval_seconds;
      parts.push('stale');
      titles.push('no sample for more than ' + config.staleIntervals + ' × its interval (' + (interval || '?') + ' s)');
    }
    if (ahead !== null && ahead !== undefined) {
      parts.push('clock ahead by ' + span(ahead));
      titles.push('its newest sample is stamped ' + span(ahead) + " after this server's clock; its age is that of its newest sample before now");
    }
    if (parts.length === 0) return null;
    return h('span', { class: 'stale', title: titles.join('; '), text: parts.join(', ') });
  }

  function memoryUsed(row) {
    if (row.mem_total_mb === null || row.mem_total_mb === undefined) return null;
    if (row.mem_available_mb !== null && row.mem_available_mb !== undefined) return row.mem_total_mb - row.mem_available_mb;
    return row.mem_total_mb - (row.mem_free_mb || 0) - (row.mem_buffers_mb || 0) - (row.mem_cached_mb || 0);
  }

  function showError(message) {
    var box = document.getElementById('error');
    if (!message) {
      box.hidden = true;
      box.textContent = '';
      return;
    }
    box.hidden = false;
    box.textContent = message;
  }

  /** Seconds until the next refresh: the shortest interval shown, from 1 s to a minute. */
  function refreshSeconds(entries) {
    var best = 60;
    entries.forEach(function (e) {
      var i = e && e.latest && e.latest.interval_seconds;
      if (i && i > 0) best = Math.min(best, i);
    });
    return Math.max(1, best);
  }

  // Overview: every node and its containers, newest values, stale markers.

  async function overview() {
    document.title = 'ringmon';
    var summary = h('p', { class: 'summary' });
    var table = h('table', { class: 'overview' });
    app.replaceChildren(h('h1', { text: 'Nodes and containers' }), summary, table);
    async function refresh() {
      var data = await getJson('api/nodes');
      showError(null);
      renderOverview(data, summary, table);
      body.dataset.state = 'ready';
      var entries = [];
      data.nodes.forEach(function (n) {
        entries.push(n);
        entries = entries.concat(n.containers);
      });
      return refreshSeconds(entries);
    }
    function loop(seconds) {
      setTimeout(function () {
        refresh().then(loop, function (e) {
          showError(e.message);
          loop(5);
        });
      }, seconds * 1000);
    }
    loop(await refresh());
  }

  function span(seconds) {
    if (seconds < 60) return seconds + ' s';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min';
    if (seconds < 86400) return Math.floor(seconds / 3600) + ' h ' + Math.floor((seconds % 3600) / 60) + ' min';
    return Math.floor(seconds / 86400) + ' d ' + Math.floor((seconds % 86400) / 3600) + ' h';
  }
  function renderOverview(data, summary, table) {
    var containers = 0;
    var stale = 0;
    var rows = [];
    data.nodes.forEach(function (n) {
      var r = n.latest || {};
      if (n.stale) stale++;
      var used = memoryUsed(r);
      rows.push(
        h('tr', { class: 'node', 'data-node': n.node, 'data-stale': n.stale ? 'true' : 'false' },
          h('th', { scope: 'row' }, h('a', { href: link('node', { name: n.node }), text: n.node }), ' ', staleBadge(n)),
          h('td', { 'data-col': 'age', title: when(r.sample_time), text: ago(n.age_seconds) }),
          h('td', { class: 'num', 'data-col': 'cpu', text: fmt(r.cpu_total_pct, '%') }),
          h('td', { class: 'num', 'data-col': 'memory', text: used === null ? '–' : pair(used, r.mem_total_mb, 'MiB') }),
          h('td', { class: 'num', 'data-col': 'load', text: fmt(r.load_1m) }),
          h('td', { class: 'num', 'data-col': 'disk', text: pair(r.disk_read_mb_s, r.disk_write_mb_s, 'MiB/s') }),
          h('td', { class: 'num', 'data-col': 'net', text: pair(r.net_rx_mb_s, r.net_tx_mb_s, 'MiB/s') }),
          h('td', { class: 'num', 'data-col': 'temperature', text: fmt(r.temperature_c, '°C') })));
      n.containers.forEach(function (c) {
        containers++;
        if (c.stale) stale++;
        var l = c.latest;
        rows.push(
          h('tr', { class: 'container', 'data-node': n.node, 'data-container': c.container, 'data-stale': c.stale ? 'true' : 'false' },
            h('th', { scope: 'row' }, h('span', { class: 'indent', text: '↳ ' }),
              h('a', { href: link('container', { node: n.node, name: c.container }), text: c.container }), ' ', staleBadge(c)),
            h('td', { 'data-col': 'age', title: when(l.sample_time), text: ago(c.age_seconds) }),
            h('td', { class: 'num', 'data-col': 'cpu', text: fmt(l.cpu_total_pct, '%') }),
            h('td', { class: 'num', 'data-col': 'memory', title: 'in use / limit', text: pair(l.c_rss_mb, l.c_vsz_mb, 'MiB') }),
            h('td', { class: 'num', text: '' }),
            h('td', { class: 'num', 'data-col': 'disk', text: pair(l.disk_read_mb_s, l.disk_write_mb_s, 'MiB/s') }),
            h('td', { class: 'num', 'data-col': 'net', text: pair(l.net_rx_mb_s, l.net_tx_mb_s, 'MiB/s') }),
            h('td', { class: 'num', text: '' })));
      });
    });
    var history = data.history;
    var turnover = history.turnover_seconds === null ? '' : history.node_share !== null ?
      '; each node keeps ' + history.node_share + ' rows; the busiest holds ' + span(history.turnover_seconds) +
      (history.short ? ' (under an hour: raise the node share to ' + history.share_for_an_hour + ')' : '') :
      '; the ring holds ' + span(history.turnover_seconds) + ' at ' + history.rows_per_second + ' rows/s' +
      (history.short ? ' (under an hour: raise the capacity to ' + history.capacity_for_an_hour + ')' : '');
    summary.textContent = data.nodes.length + ' node(s), ' + containers + ' container(s)' + (stale ? ', ' + stale + ' stale' : '') + turnover;
    summary.dataset.short = history.short ? 'true' : 'false';
    var head = h('thead', null, h('tr', null,
      h('th', { text: 'node / container' }), h('th', { text: 'last sample' }), h('th', { text: 'CPU' }),
      h('th', { text: 'memory used / total' }), h('th', { text: 'load 1m' }), h('th', { text: 'disk read / write' }),
      h('th', { text: 'net rx / tx' }), h('th', { text: 'temperature' })));
    var tbody = h('tbody');
    tbody.append.apply(tbody, rows);
    if (rows.length === 0) tbody.append(h('tr', null, h('td', { colspan: 8, text: 'The ring holds no samples yet.' })));
    table.replaceChildren(head, tbody);
  }

  // A node's or a container's charts over a time window.

  function Chart(spec, figure) {
    this.spec = spec;
    this.figure = figure;
    this.plot = null;
  }

  Chart.prototype.data = function (columns) {
    var spec = this.spec;
    var xs = columns.sample_time;
    var raw = spec.series.map(function (s) { return columns[s.column]; });
    if (!spec.stacked) return { draw: [xs].concat(raw), raw: raw };
    // Stacked: each series is drawn at the running sum of those below it; legends show the raw value.
    var sums = [];
    var acc = xs.map(function () { return null; });
    raw.forEach(function (values) {
      acc = acc.map(function (a, i) {
        var v = values[i];
        if (v === null || v === undefined) return a;
        return (a || 0) + v;
      });
      sums.push(acc);
    });
    return { draw: [xs].concat(sums), raw: raw };
  };

  Chart.prototype.render = function (columns, step) {
    var d = this.data(columns);
    this.raw = d.raw;
    this.figure.dataset.points = String(d.draw[0].length);
    this.figure.dataset.step = step === null ? '' : String(step);
    if (this.plot) {
      this.plot.setData(d.draw);
      return;
    }
    var self = this;
    var spec = this.spec;
    var series = [{}].concat(spec.series.map(function (s, i) {
      var color = COLORS[i % COLORS.length];
      return {
        label: s.label,
        stroke: color,
        width: 1.5,
        fill: spec.stacked ? color + '55' : undefined,
        dash: s.dashed ? [6, 4] : undefined,
        // Away from the cursor the legend shows the newest value, which is what people look for.
        value: function (u, v, si, idx) {
          var r = self.raw[si - 1];
          if (!r || r.length === 0) return '–';
          return fmt(r[idx === null || idx === undefined ? r.length - 1 : idx], spec.unit);
        },
      };
    }));
    var bands = [];
    if (spec.stacked) for (var i = 2; i <= spec.series.length; i++) bands.push({ series: [i, i - 1] });
    var holder = this.figure.querySelector('.plot');
    this.plot = new uPlot({
      width: Math.max(200, holder.clientWidth),
      height: 200,
      series: series,
      bands: bands,
      scales: { x: { time: true } },
      cursor: { sync: { key: 'ringmon' } },
      axes: [
        {},
        { size: 60, values: function (u, splits) { return splits.map(function (v) { return fmt(v); }); } },
      ],
    }, d.draw, holder);
  };

  Chart.prototype.resize = function () {
    if (!this.plot) return;
    var holder = this.figure.querySelector('.plot');
    this.plot.setSize({ width: Math.max(200, holder.clientWidth), height: 200 });
  };

  function emptyColumns(fields) {
    var cols = { sample_time: [] };
    fields.forEach(function (f) { cols[f] = []; });
    return cols;
  }

  function toColumns(rows, fields) {
    var cols = emptyColumns(fields);
    rows.forEach(function (r) {
      cols.sample_time.push(Number(r.sample_time));
      fields.forEach(function (f) {
        var v = r[f];
        cols[f].push(v === null || v === undefined ? null : Number(v));
      });
    });
    return cols;
  }

  async function seriesPage(kind) {
    var node = query.get(kind === 'node' ? 'name' : 'node');
    var container = kind === 'container' ? query.get('name') : null;
    if (!node || (kind === 'container' && !container)) {
      app.replaceChildren(h('p', { text: 'No ' + kind + ' given. ' }), h('a', { href: link('./'), text: 'Back to the overview' }));
      body.dataset.state = 'ready';
      return;
    }
    var specs = kind === 'node' ? config.nodeCharts : config.containerCharts;
    var fields = [];
    specs.forEach(function (s) {
      s.series.forEach(function (x) { if (fields.indexOf(x.column) < 0) fields.push(x.column); });
    });
    var win = WINDOWS.filter(function (w) { return w.id === query.get('window'); })[0] || WINDOWS[1];
    document.title = (container ? container + ' on ' : '') + node + ' – ringmon';

    var status = h('p', { class: 'status' });
    var buttons = WINDOWS.map(function (w) {
      var b = h('button', { type: 'button', 'data-window': w.id, text: w.label });
      b.addEventListener('click', function () { switchWindow(w); });
      return b;
    });
    var picker = h('div', { class: 'windows', role: 'group', 'aria-label': 'time window' }, h('span', { text: 'Window: ' }));
    picker.append.apply(picker, buttons);
    var crumbs = h('nav', null, h('a', { href: link('./'), text: 'Overview' }));
    if (container) crumbs.append(' › ', h('a', { href: link('node', { name: node }), text: node }));
    var title = h('h1', null, container ? container : node, container ? h('small', { text: ' on ' + node }) : null);
    var sub = h('div', { class: 'containers' });
    var grid = h('div', { class: 'charts' });
    var charts = specs.map(function (spec) {
      var figure = h('figure', { class: 'chart', 'data-chart': spec.id, 'data-points': '0' },
        h('figcaption', null, spec.title, spec.unit ? h('span', { class: 'unit', text: ' (' + spec.unit + ')' }) : null),
        h('div', { class: 'plot' }));
      grid.append(figure);
      return new Chart(spec, figure);
    });
    app.replaceChildren(crumbs, title, status, picker, sub, grid);
    window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });

    var state = { generation: 0, step: null, columns: emptyColumns(fields), newest: null, entry: null, loadedAt: 0 };
    var timer = null;

    function entryOf(data) {
      var n = data.nodes.filter(function (x) { return x.node === node; })[0];
      if (!n) return null;
      if (!container) return n.latest ? n : null;
      return n.containers.filter(function (c) { return c.container === container; })[0] || null;
    }

    function renderStatus(data, entry) {
      if (!entry) {
        status.replaceChildren('No samples of this ' + kind + ' in the ring.');
        return;
      }
      var badge = staleBadge(entry);
      var line = 'Last sample ' + ago(entry.age_seconds) + ' (' + when(entry.latest.sample_time) + '), every ' +
        (entry.latest.interval_seconds || '?') + ' s ';
      if (badge) status.replaceChildren(line, badge);
      else status.replaceChildren(line);
      if (kind !== 'node') return;
      var n = data.nodes.filter(function (x) { return x.node === node; })[0];
      var list = (n ? n.containers : []).map(function (c) {
        return h('li', null, h('a', { href: link('container', { node: node, name: c.container, window: win.id }), text: c.container }), ' ', staleBadge(c));
      });
      if (list.length === 0) {
        sub.replaceChildren();
        return;
      }
      var ul = h('ul');
      ul.append.apply(ul, list);
      sub.replaceChildren(h('h2', { text: 'Containers' }), ul);
    }

    function since(newest) {
      return win.seconds > 0 && newest !== null ? newest - win.seconds + 1 : null;
    }

    function params(from) {
      var p = { node: node, points: String(config.maxPoints), fields: fields.join(',') };
      if (container) p.container = container;
      if (from !== null) p.since = String(from);
      return p;
    }

    // Samples from the future (a writer's clock ran ahead) are left out of the charts: one point an
    // hour ahead would stretch the time axis and squeeze the window into its left edge.
    function sane(rows, data) {
      var until = data.now + config.clockAheadToleranceSeconds;
      return rows.filter(function (r) { return Number(r.sample_time) <= until; });
    }

    function draw() {
      charts.forEach(function (c) { c.render(state.columns, state.step); });
      var xs = state.columns.sample_time;
      body.dataset.newest = xs.length ? String(xs[xs.length - 1]) : '';
    }

    async function fullLoad() {
      var generation = ++state.generation;
      body.dataset.state = 'loading';
      var data = await getJson('api/nodes');
      var entry = entryOf(data);
      var newest = entry ? Number(entry.latest.sample_time) : null;
      var res = await getJson('api/samples', params(since(newest)));
      if (generation !== state.generation) return;
      state.entry = entry;
      state.newest = newest;
      state.step = res.step;
      state.columns = toColumns(sane(res.rows, data), fields);
      state.loadedAt = Date.now();
      renderStatus(data, entry);
      draw();
      showError(null);
      body.dataset.window = win.id;
      body.dataset.step = res.step === null ? '' : String(res.step);
      body.dataset.mode = res.mode;
      body.dataset.state = 'ready';
    }

    /** Appends what arrived since the last row; averaged windows reload once per step instead. */
    async function refresh() {
      var generation = state.generation;
      var data = await getJson('api/nodes');
      var entry = entryOf(data);
      if (generation !== state.generation) return;
      renderStatus(data, entry);
      var newest = entry ? Number(entry.latest.sample_time) : null;
      var xs = state.columns.sample_time;
      var last = xs.length ? xs[xs.length - 1] : null;
      if (newest === null || newest === state.newest) return;
      if (state.step !== null) {
        if (Date.now() - state.loadedAt >= state.step * 1000) await fullLoad();
        return;
      }
      // A full reload now and then drops what the ring has overwritten meanwhile (the 'all' window).
      if (last === null || Date.now() - state.loadedAt > 60000) {
        await fullLoad();
        return;
      }
      var res = await getJson('api/samples', params(last + 1));
      if (generation !== state.generation) return;
      if (res.step !== null || xs.length + res.rows.length > config.maxPoints) {
        await fullLoad();
        return;
      }
      var more = toColumns(sane(res.rows, data), fields);
      var from = since(newest);
      var keep = 0;
      if (from !== null) while (keep < xs.length && xs[keep] < from) keep++;
      Object.keys(state.columns).forEach(function (k) {
        state.columns[k] = state.columns[k].slice(keep).concat(more[k]);
      });
      state.newest = newest;
      state.entry = entry;
      draw();
    }

    function loop(seconds) {
      clearTimeout(timer);
      timer = setTimeout(function () {
        refresh().then(function () { showError(null); }, function (e) { showError(e.message); }).then(function () {
          loop(refreshSeconds([state.entry]));
        });
      }, seconds * 1000);
    }

    function markWindow() {
      buttons.forEach(function (b) { b.setAttribute('aria-pressed', b.dataset.window === win.id ? 'true' : 'false'); });
    }

    async function switchWindow(w) {
      win = w;
      markWindow();
      var url = new URL(location.href);
      url.searchParams.set('window', w.id);
      history.replaceState(null, '', url);
      try {
        await fullLoad();
      } catch (e) {
        body.dataset.state = 'error';
        showError(e.message);
      }
      loop(refreshSeconds([state.entry]));
    }

    markWindow();
    await fullLoad();
    loop(refreshSeconds([state.entry]));
  }

  var page = location.pathname.replace(/\/+$/, '').split('/').pop();
  var run = page === 'node' ? seriesPage('node') : page === 'container' ? seriesPage('container') : overview();
  run.catch(function (e) {
    body.dataset.state = 'error';
    showError(e.message);
  });
})();
`;
