// A list of tracks, as search results, an album, a playlist or liked songs show them.

import { artists, duration, h, link } from './dom.js';
import { playList } from './player.js';

/**
 * `rows` are {track, actions?, note?} where actions are extra controls for that row (add,
 * remove…) and note a line about it (where a composite's item came from).
 * The list is labelled by `label` for screen readers. Each row's play button plays the list
 * from that row.
 */
export function trackList(label, rows, { numbered = false, albums = true } = {}) {
  if (!rows.length) return h('p', { class: 'muted' }, 'Nothing here yet.');
  const queue = rows.map((r) => r.track);
  return h('ol', { class: `tracks${numbered ? ' numbered' : ''}`, 'aria-label': label },
    rows.map(({ track, actions, note }, i) => h('li', { class: 'track' },
      h('button', { type: 'button', class: 'icon play', 'aria-label': `Play ${track.name}`, title: 'Play',
        onclick: () => playList(queue, i) }, '▶'),
      h('div', { class: 'what' },
        link(`/tracks/${track.id}`, track.name),
        h('span', { class: 'by' }, artists(track.artists),
          albums && track.album ? [' · ', link(`/albums/${track.album.id}`, track.album.name)] : null),
        note ? h('span', { class: 'note' }, note) : null),
      h('span', { class: 'time' }, duration(track.duration_ms || 0)),
      actions ? h('div', { class: 'actions' }, actions) : null)));
}
