// A list of tracks, as search results, an album, a playlist or liked songs show them.

import { artists, duration, h, link } from './dom.js';

/**
 * `rows` are {track, actions?} where actions are extra controls for that row (add, remove…).
 * The list is labelled by `label` for screen readers.
 */
export function trackList(label, rows, { numbered = false } = {}) {
  if (!rows.length) return h('p', { class: 'muted' }, 'Nothing here yet.');
  return h('ol', { class: `tracks${numbered ? ' numbered' : ''}`, 'aria-label': label },
    rows.map(({ track, actions }) => h('li', { class: 'track' },
      h('div', { class: 'what' },
        link(`/tracks/${track.id}`, track.name),
        h('span', { class: 'by' }, artists(track.artists),
          track.album ? [' · ', link(`/albums/${track.album.id}`, track.album.name)] : null)),
      h('span', { class: 'time' }, duration(track.duration_ms || 0)),
      actions ? h('div', { class: 'actions' }, actions) : null)));
}
