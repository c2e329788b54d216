// The deeper statistics beside the totals: the weekday-by-hour heatmap, streaks, discoveries,
// skip rates, two periods compared and forgotten favourites. Each section loads on its own, so
// one slow or failing question leaves the others readable.

import { get } from '../api.js';
import { h, link, problem } from '../dom.js';

const name = (item) => (item ? item.name || item.id : '?');
const itemLink = (item) => {
  if (!item || !item.name) return name(item);
  if (item.type === 'track') return link(`/tracks/${item.id}`, item.name);
  if (item.type === 'artist') return link(`/artists/${item.id}`, item.name);
  if (item.type === 'album') return link(`/albums/${item.id}`, item.name);
  return item.name;
};

/** A section whose body `load()` fills; a spinner meanwhile, the error in words on failure. */
function section(id, title, load) {
  const body = h('div', { 'aria-busy': 'true' }, h('p', { class: 'muted' }, h('span', { class: 'spinner' }), ' Loading…'));
  load().then((content) => body.replaceChildren(...[content].flat().filter(Boolean)), (e) => body.replaceChildren(problem(e)))
    .finally(() => body.removeAttribute('aria-busy'));
  return h('section', { id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), body);
}

function heatmap(data) {
  const max = Math.max(1, ...data.cells.flat().map((c) => c.plays));
  const table = h('table', { class: 'heatmap' },
    h('caption', { class: 'muted' }, `Plays by weekday and hour (${data.tz})`),
    h('thead', {}, h('tr', {}, h('td', {}), [...Array(24).keys()].map((hr) => h('th', { scope: 'col', class: 'hour' }, hr % 3 === 0 ? String(hr) : h('span', { class: 'visually-hidden' }, String(hr)))))),
    h('tbody', {}, data.cells.map((row, d) => h('tr', {}, h('th', { scope: 'row' }, data.weekdays[d].slice(0, 3)),
      row.map((c, hr) => {
        const cell = h('td', { class: 'cell', title: `${data.weekdays[d]} ${hr}:00: ${c.plays} plays` },
          h('span', { class: 'visually-hidden' }, `${c.plays}`));
        cell.style.setProperty('--level', String(c.plays / max));
        return cell;
      })))));
  return h('div', { class: 'scroll' }, table);
}

function streaks(data) {
  const one = (label, s) => h('div', { class: 'stat' }, h('strong', {}, s ? `${s.days} days` : '—'), h('span', {}, label),
    s ? h('span', { class: 'muted' }, `${s.from} – ${s.to}`) : null);
  return h('div', { class: 'stats' }, one('longest streak', data.longest), one('current streak', data.current));
}

function discoveries(data) {
  const periods = data.periods.filter((p) => p.count);
  if (!periods.length) return h('p', { class: 'muted' }, 'No first listens in this window.');
  return h('ol', { class: 'ranked', 'aria-label': 'Discoveries' }, periods.slice(-6).reverse().map((p) => h('li', {},
    h('strong', {}, `${p.start}: ${p.count} new`), ' — ',
    p.first.slice(0, 5).flatMap((f, i) => [i ? ', ' : '', itemLink(f.item)]))));
}

function skips(data) {
  const rate = (r) => `${Math.round(r * 100)}%`;
  return [h('p', {}, `You skipped ${rate(data.overall.rate)} of ${data.overall.plays} listens.`),
    data.items.length ? h('ol', { class: 'ranked', 'aria-label': 'Skip rates' }, data.items.slice(0, 10).map((i) => h('li', {},
      itemLink(i.item), h('span', { class: 'muted' }, ` ${rate(i.rate)} of ${i.plays} listens skipped`)))) : null];
}

function compare(data, label, vsLabel) {
  const d = data.totals.plays - data.vs_totals.plays;
  return [h('p', {}, `${data.totals.plays} plays ${label}, ${data.vs_totals.plays} ${vsLabel} (${d >= 0 ? '+' : ''}${d}).`),
    h('table', {}, h('caption', { class: 'muted' }, 'Top artists in both periods'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Artist'), h('th', { scope: 'col' }, label), h('th', { scope: 'col' }, vsLabel))),
      h('tbody', {}, data.items.map((i) => h('tr', {}, h('td', {}, itemLink(i.item)),
        h('td', {}, `${i.plays}${i.rank ? ` (#${i.rank})` : ''}`), h('td', {}, `${i.vs_plays}${i.vs_rank ? ` (#${i.vs_rank})` : ''}`)))))];
}

function forgotten(data) {
  if (!data.items.length) return h('p', { class: 'muted' }, 'Nothing forgotten: no song you played often has gone quiet.');
  return h('ol', { class: 'ranked', 'aria-label': 'Forgotten favourites' }, data.items.slice(0, 10).map((i) => h('li', {},
    itemLink(i.item), h('span', { class: 'muted' }, ` ${i.plays} plays, last ${new Date(i.last_played_at).toLocaleDateString()}`))));
}

/**
 * The sections for a window. `params` is the window's query (`tz`, `from`, `to`); `window`
 * is [from, to] as dates (or nulls for all time), used for the comparison with the period just
 * before it.
 */
export function insights(params, [from, to], bucket) {
  const out = [
    section('heatmap', 'When you listen', async () => heatmap(await get(`/v1/me/stats/heatmap?${params}`))),
    section('streaks', 'Streaks', async () => streaks(await get(`/v1/me/stats/streaks?${params}`))),
    section('discoveries', 'Discoveries', async () => discoveries(await get(`/v1/me/stats/discoveries?${params}&type=artists&bucket=${bucket}`))),
    section('skips', 'Skip rates', async () => skips(await get(`/v1/me/stats/skips?${params}&type=tracks`))),
  ];
  if (from && to) {
    const days = Math.round((Date.parse(to) - Date.parse(from)) / 86400000) + 1;
    const vsTo = new Date(Date.parse(from) - 86400000).toISOString().slice(0, 10);
    const vsFrom = new Date(Date.parse(from) - days * 86400000).toISOString().slice(0, 10);
    out.push(section('compare', `Compared with the ${days} days before`, async () =>
      compare(await get(`/v1/me/stats/compare?${params}&vs_from=${vsFrom}&vs_to=${vsTo}&type=artists`), 'this period', `${vsFrom} – ${vsTo}`)));
  }
  out.push(section('forgotten', 'Forgotten favourites', async () => forgotten(await get(`/v1/me/stats/forgotten?${params}&min_plays=3&quiet_days=30`))));
  return out;
}
