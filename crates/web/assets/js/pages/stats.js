// Listening statistics: a window picker (presets or a custom range, and the time zone), totals,
// top tracks, artists and albums, the timeline, and the deeper questions (insights.js).

import { get, q } from '../api.js';
import { h, hours, link, page, problem } from '../dom.js';
import { insights } from './insights.js';

const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const day = (d) => d.toISOString().slice(0, 10);
const ago = (days) => day(new Date(Date.now() - days * 86400000));

const presets = [
  ['4w', 'Last 4 weeks', () => [ago(28), day(new Date())], 'week'],
  ['6m', 'Last 6 months', () => [ago(182), day(new Date())], 'week'],
  ['1y', 'Last 12 months', () => [ago(365), day(new Date())], 'month'],
  ['all', 'All time', () => [null, null], 'month'],
  ['custom', 'Custom range', null, 'month'],
];

export function stats() {
  const choice = h('select', { id: 'window' }, presets.map(([v, label]) => h('option', { value: v }, label)));
  choice.value = '1y';
  const from = h('input', { type: 'date', id: 'from' });
  const to = h('input', { type: 'date', id: 'to' });
  const custom = h('div', { class: 'row', hidden: true },
    h('div', { class: 'field' }, h('label', { for: 'from' }, 'From'), from),
    h('div', { class: 'field' }, h('label', { for: 'to' }, 'To'), to));
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  const zone = h('select', { id: 'zone' }, [...new Set([tz, 'UTC', ...zones])].map((z) => h('option', { value: z }, z)));
  zone.value = tz;
  const by = h('select', { id: 'by' }, h('option', { value: 'plays' }, 'Plays'), h('option', { value: 'time' }, 'Listening time'));
  const out = h('div', { id: 'stats-out', 'aria-live': 'polite' });
  let seq = 0;
  const load = async () => {
    const preset = presets.find(([v]) => v === choice.value);
    custom.hidden = preset[0] !== 'custom';
    let [f, t] = preset[2] ? preset[2]() : [from.value || null, to.value || null];
    if (preset[0] === 'custom' && (!f || !t)) {
      out.replaceChildren(h('p', { class: 'muted' }, 'Pick both dates.'));
      return;
    }
    const params = [`tz=${q(zone.value)}`, f && `from=${f}`, t && `to=${t}`].filter(Boolean).join('&');
    const mine = ++seq;
    out.setAttribute('aria-busy', 'true');
    try {
      const top = (type) => get(`/v1/me/stats/top/${type}?${params}&by=${by.value}&limit=10`);
      const [totals, tracks, artists, albums, timeline] = await Promise.all([
        get(`/v1/me/stats/totals?${params}`), top('tracks'), top('artists'), top('albums'),
        get(`/v1/me/stats/timeline?${params}&bucket=${preset[3]}`),
      ]);
      if (mine === seq) {
        out.replaceChildren(...render(totals, tracks, artists, albums, timeline));
        if (totals.plays) out.append(...insights(params, [f, t], preset[3]));
      }
    } catch (e) {
      if (mine === seq) out.replaceChildren(problem(e));
    }
    out.removeAttribute('aria-busy');
  };
  for (const el of [choice, from, to, by, zone]) el.addEventListener('change', load);
  load();
  return page('Statistics',
    h('form', { class: 'card row', onsubmit: (e) => e.preventDefault() },
      h('div', { class: 'field' }, h('label', { for: 'window' }, 'Window'), choice),
      h('div', { class: 'field' }, h('label', { for: 'by' }, 'Rank by'), by),
      h('div', { class: 'field' }, h('label', { for: 'zone' }, 'Time zone (days and hours)'), zone), custom),
    out);
}

function render(totals, tracks, artists, albums, timeline) {
  if (!totals.plays) return [h('p', { class: 'muted' }, 'No plays in this window.')];
  const stat = (value, label) => h('div', { class: 'stat' }, h('strong', {}, value), h('span', {}, label));
  const ranked = (label, items, row) => h('ol', { class: 'ranked', 'aria-label': label },
    items.map((i) => h('li', {}, row(i), h('span', { class: 'muted' }, ` ${i.plays} plays · ${hours(i.ms)}`))));
  return [
    h('div', { class: 'stats' },
      stat(totals.plays.toLocaleString(), 'plays'), stat(hours(totals.ms), 'listened'),
      stat(totals.distinct_tracks.toLocaleString(), 'songs'), stat(totals.distinct_artists.toLocaleString(), 'artists'),
      stat(totals.distinct_albums.toLocaleString(), 'albums')),
    h('div', { class: 'columns' },
      h('section', {}, h('h2', {}, 'Top songs'), ranked('Top songs', tracks.items, (t) => link(`/tracks/${t.id}`, t.name))),
      h('section', {}, h('h2', {}, 'Top artists'), ranked('Top artists', artists.items, (a) => link(`/artists/${a.id}`, a.name))),
      h('section', {}, h('h2', {}, 'Top albums'), ranked('Top albums', albums.items,
        (a) => (a.type === 'album' ? [link(`/albums/${a.id}`, a.name), a.artists?.length ? h('span', { class: 'muted' }, ` by ${a.artists.map((x) => x.name).join(', ')}`) : null] : a.name)))),
    h('section', {}, h('h2', {}, 'Timeline'), chart(timeline)),
  ];
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

/** Plays per period as bars; the table beside it says the same in words. */
function chart(timeline) {
  const points = timeline.points || [];
  if (!points.length) return h('p', { class: 'muted' }, 'No plays.');
  const max = Math.max(1, ...points.map((p) => p.plays));
  const width = 100 / points.length;
  const bars = points.map((p, i) => {
    const height = (p.plays / max) * 100;
    return svg('rect', { x: i * width + width * 0.1, y: 100 - height, width: width * 0.8, height, class: 'bar' },
      svg('title', {}, `${p.start}: ${p.plays} plays`));
  });
  const picture = svg('svg', { viewBox: '0 0 100 100', preserveAspectRatio: 'none', class: 'chart', role: 'img', 'aria-label': `Plays per ${timeline.bucket}` }, ...bars);
  const table = h('details', {}, h('summary', {}, 'As a table'),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'From'), h('th', { scope: 'col' }, 'Plays'), h('th', { scope: 'col' }, 'Time'))),
      h('tbody', {}, points.map((p) => h('tr', {}, h('td', {}, p.start), h('td', {}, p.plays), h('td', {}, hours(p.ms)))))));
  const axis = h('div', { class: 'axis muted', 'aria-hidden': 'true' },
    h('span', {}, points[0].start), h('span', {}, `busiest: ${max} plays`), h('span', {}, points[points.length - 1].start));
  return [picture, axis, table];
}
