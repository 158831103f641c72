/**
 * A node's page (`/node?name=N`) or a container's (`/container?node=N&name=C`): its charts over a
 * time window that ends at its newest sample, refreshed with the rows that arrive.
 */
import type { NodesAnswer, Row, WriterEntry } from './answers.js';
import { Chart } from './chart.js';
import { chartColumns } from './config.js';
import { errorMessage, h, showError, staleBadge } from './dom.js';
import { formatAgo, formatWhen } from './format.js';
import { findEntry, refreshSeconds } from './nodes.js';
import { type PageContext, setState } from './page.js';
import { type Columns, emptyColumns, slide, toColumns, withoutFuture } from './series.js';
import { pickWindow, type TimeWindow, WINDOWS, windowStart } from './windows.js';

/** A full reload at least this often drops the rows the ring has overwritten meanwhile (the 'all' window). */
const RELOAD_MS = 60_000;

/** Shows the page of the node or container the query names, and keeps it live. */
export async function seriesPage(ctx: PageContext, kind: 'node' | 'container'): Promise<void> {
  const { api, config, query } = ctx;
  const node = query.get(kind === 'node' ? 'name' : 'node');
  const container = kind === 'container' ? query.get('name') : null;
  if (!node || (kind === 'container' && !container)) {
    ctx.app.replaceChildren(
      h('p', { text: `No ${kind} given. ` }),
      h('a', { href: api.link('./'), text: 'Back to the overview' }),
    );
    setState('ready');
    return;
  }
  const specs = kind === 'node' ? config.nodeCharts : config.containerCharts;
  const fields = chartColumns(specs);
  let win = pickWindow(query.get('window'));
  document.title = `${container ? `${container} on ` : ''}${node} – ringmon`;

  const status = h('p', { class: 'status' });
  const buttons = WINDOWS.map((w) => {
    const b = h('button', { type: 'button', 'data-window': w.id, text: w.label });
    b.addEventListener('click', () => {
      void switchWindow(w);
    });
    return b;
  });
  const picker = h(
    'div',
    { class: 'windows', role: 'group', 'aria-label': 'time window' },
    h('span', { text: 'Window: ' }),
    ...buttons,
  );
  const crumbs = h('nav', null, h('a', { href: api.link('./'), text: 'Overview' }));
  if (container) crumbs.append(' › ', h('a', { href: api.link('node', { name: node }), text: node }));
  const title = h('h1', null, container ?? node, container ? h('small', { text: ` on ${node}` }) : null);
  const sub = h('div', { class: 'containers' });
  const grid = h('div', { class: 'charts' });
  const charts = specs.map((spec) => {
    const figure = h(
      'figure',
      { class: 'chart', 'data-chart': spec.id, 'data-points': '0' },
      h(
        'figcaption',
        null,
        spec.title,
        spec.unit ? h('span', { class: 'unit', text: ` (${spec.unit})` }) : null,
      ),
      h('p', { class: 'note' }),
      h('div', { class: 'plot' }),
    );
    grid.append(figure);
    return new Chart(spec, figure);
  });
  ctx.app.replaceChildren(crumbs, title, status, picker, sub, grid);
  window.addEventListener('resize', () => {
    for (const c of charts) c.resize();
  });

  const state: {
    /** Bumped by every full load: an answer to an older one is dropped. */
    generation: number;
    step: number | null;
    columns: Columns;
    newest: number | null;
    entry: WriterEntry | null;
    loadedAt: number;
  } = { generation: 0, step: null, columns: emptyColumns(fields), newest: null, entry: null, loadedAt: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;

  const renderStatus = (data: NodesAnswer, entry: WriterEntry | null): void => {
    // A name the ring does not know (a typo, a writer long overwritten): the message alone, not a
    // page of empty charts that look like a machine doing nothing.
    picker.hidden = !entry;
    grid.hidden = !entry;
    if (!entry) {
      const what = container ? `container ${container} on node ${node}` : `node ${node}`;
      status.replaceChildren(
        `No samples of ${what} in the ring: it has not written to this ring, or its rows have been overwritten.`,
      );
      if (kind === 'node') sub.replaceChildren();
      return;
    }
    const badge = staleBadge(entry, config.staleIntervals);
    const interval = entry.latest.interval_seconds;
    const line = `Last sample ${formatAgo(entry.age_seconds)} (${formatWhen(Number(entry.latest.sample_time))}), every ${interval || '?'} s `;
    if (badge) status.replaceChildren(line, badge);
    else status.replaceChildren(line);
    if (kind !== 'node') return;
    const n = data.nodes.find((x) => x.node === node);
    const list = (n ? n.containers : []).map((c) =>
      h(
        'li',
        null,
        h('a', {
          href: api.link('container', { node, name: c.container, window: win.id }),
          text: c.container,
        }),
        ' ',
        staleBadge(c, config.staleIntervals),
      ),
    );
    if (list.length === 0) sub.replaceChildren();
    else sub.replaceChildren(h('h2', { text: 'Containers' }), h('ul', null, ...list));
  };

  const params = (from: number | null): Record<string, string> => {
    const p: Record<string, string> = { node, points: String(config.maxPoints), fields: fields.join(',') };
    if (container) p.container = container;
    if (from !== null) p.since = String(from);
    return p;
  };

  const drawable = (rows: readonly Row[], data: NodesAnswer): Row[] =>
    withoutFuture(rows, data.now, config.clockAheadToleranceSeconds);

  const draw = (): void => {
    for (const c of charts) c.render(state.columns, state.step);
    for (const f of grid.querySelectorAll<HTMLElement>('figure.chart')) f.removeAttribute('aria-busy');
    const xs = state.columns.sample_time;
    document.body.dataset.newest = xs.length ? String(xs[xs.length - 1]) : '';
  };

  const fullLoad = async (): Promise<void> => {
    const generation = ++state.generation;
    setState('loading');
    const data = await api.nodes();
    const entry = findEntry(data, node, container);
    const newest = entry ? Number(entry.latest.sample_time) : null;
    for (const f of grid.querySelectorAll<HTMLElement>('figure.chart')) f.setAttribute('aria-busy', 'true');
    const res = entry
      ? await api.samples(params(windowStart(win, newest)))
      : { mode: 'rows', step: null, rows: [] };
    if (generation !== state.generation) return;
    state.entry = entry;
    state.newest = newest;
    state.step = res.step;
    state.columns = toColumns(drawable(res.rows, data), fields);
    state.loadedAt = Date.now();
    renderStatus(data, entry);
    draw();
    showError(null);
    const body = document.body.dataset;
    body.window = win.id;
    body.step = res.step === null ? '' : String(res.step);
    body.mode = res.mode;
    setState('ready');
  };

  /** Appends what arrived since the last row; windows drawn in steps reload once per step instead. */
  const refresh = async (): Promise<void> => {
    const generation = state.generation;
    const data = await api.nodes();
    const entry = findEntry(data, node, container);
    if (generation !== state.generation) return;
    renderStatus(data, entry);
    const newest = entry ? Number(entry.latest.sample_time) : null;
    const xs = state.columns.sample_time;
    const last = xs.length ? (xs[xs.length - 1] as number) : null;
    if (newest === null || newest === state.newest) return;
    if (state.step !== null) {
      if (Date.now() - state.loadedAt >= state.step * 1000) await fullLoad();
      return;
    }
    if (last === null || Date.now() - state.loadedAt > RELOAD_MS) {
      await fullLoad();
      return;
    }
    const res = await api.samples(params(last + 1));
    if (generation !== state.generation) return;
    if (res.step !== null || xs.length + res.rows.length > config.maxPoints) {
      await fullLoad();
      return;
    }
    state.columns = slide(
      state.columns,
      toColumns(drawable(res.rows, data), fields),
      windowStart(win, newest),
    );
    state.newest = newest;
    state.entry = entry;
    draw();
  };

  const loop = (seconds: number): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      refresh()
        .then(
          () => showError(null),
          (err: unknown) => showError(errorMessage(err)),
        )
        .then(() => loop(refreshSeconds([state.entry])));
    }, seconds * 1000);
  };

  const markWindow = (): void => {
    for (const b of buttons) b.setAttribute('aria-pressed', b.dataset.window === win.id ? 'true' : 'false');
  };

  const switchWindow = async (w: TimeWindow): Promise<void> => {
    win = w;
    markWindow();
    const url = new URL(location.href);
    url.searchParams.set('window', w.id);
    history.replaceState(null, '', url);
    try {
      await fullLoad();
    } catch (err) {
      setState('error');
      showError(errorMessage(err));
    }
    loop(refreshSeconds([state.entry]));
  };

  markWindow();
  await fullLoad();
  loop(refreshSeconds([state.entry]));
}
