// Live shows: the ones live now and coming up, creating and scheduling one, and an ended
// show's comments and history. The room itself is in room.js.

import { api, get, q, session } from '../api.js';
import { announce, busy, field, h, link, navigate, page, problem } from '../dom.js';

const when = (iso) => (iso ? new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }) : '');

function showItem(s) {
  const what = s.state === 'live' ? `live · ${s.audience} listening`
    : s.state === 'scheduled' ? (s.scheduled_for ? `starts ${when(s.scheduled_for)}` : 'not scheduled yet')
      : `ended ${when(s.ended_at)}`;
  return h('li', { class: 'card' },
    link(`/shows/${s.id}`, s.title),
    h('span', { class: 'muted' }, ` by ${s.creator.display_name || s.creator.id} · ${what}`));
}

function section(title, id, items, empty) {
  return h('section', { 'aria-labelledby': id },
    h('h2', { id }, title),
    items.length ? h('ul', { class: 'plain' }, items.map(showItem)) : h('p', { class: 'muted' }, empty));
}

export async function shows() {
  const [live, upcoming, ended, mine] = await Promise.all([
    get('/v1/shows?state=live&limit=50'),
    get('/v1/shows?state=scheduled&limit=50'),
    get('/v1/shows?state=ended&limit=10'),
    get('/v1/me/playlists?limit=50'),
  ]);
  const playlist = h('select', { id: 'show-playlist', name: 'show-playlist' },
    h('option', { value: '' }, 'No playlist'),
    mine.items.map((p) => h('option', { value: `medley:playlist:${p.id}` }, p.name)));
  const visibility = h('select', { id: 'show-visibility', name: 'show-visibility' },
    h('option', { value: 'public' }, 'Public: anyone signed in'),
    h('option', { value: 'followers' }, 'Followers of mine'),
    h('option', { value: 'invite' }, 'Invite only'));
  const form = h('form', { class: 'card', 'aria-labelledby': 'new-show' },
    h('h2', { id: 'new-show' }, 'Host a show'),
    field('Title', { id: 'show-title', required: true, maxlength: 100 }),
    field('Description', { id: 'show-description', maxlength: 300 }),
    h('div', { class: 'field' }, h('label', { for: 'show-playlist' }, 'Playlist to play'), playlist),
    field('Starts at (optional)', { id: 'show-when', type: 'datetime-local' }),
    h('div', { class: 'field' }, h('label', { for: 'show-visibility' }, 'Who may join'), visibility),
    h('div', { class: 'row' },
      h('button', { type: 'submit', name: 'schedule' }, 'Create show'),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'show-now' }), ' Start it now')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(form, async () => {
      const body = { title: form['show-title'].value.trim(), visibility: visibility.value };
      const description = form['show-description'].value.trim();
      if (description) body.description = description;
      if (playlist.value) body.playlist = playlist.value;
      const at = form['show-when'].value;
      if (at) body.scheduled_for = new Date(at).toISOString();
      const made = await api('POST', '/v1/shows', body);
      if (form['show-now'].checked) await api('POST', `/v1/shows/${q(made.id)}/start`);
      announce(`Created ${made.title}.`);
      navigate(`/shows/${made.id}`);
    });
  });
  return page('Live shows',
    section('Live now', 'live-now', live.items, 'Nobody is live right now.'),
    section('Coming up', 'coming-up', upcoming.items, 'No shows are scheduled.'),
    form,
    section('Recently ended', 'ended', ended.items, 'No show has ended yet.'));
}

/** A show that is not live: its details, starting it (its creator), and after it ran, what was said and played. */
export async function showDetails(show) {
  const mineToRun = session.user && show.creator.id === session.user.id;
  const facts = h('dl', { class: 'facts' },
    h('dt', {}, 'Host'), h('dd', {}, show.creator.display_name || show.creator.id),
    h('dt', {}, 'Playlist'), h('dd', {}, show.playlist ? link(`/playlists/${show.playlist.id}`, show.playlist.name) : 'none'),
    h('dt', {}, 'State'), h('dd', {}, show.state === 'scheduled' ? (show.scheduled_for ? `starts ${when(show.scheduled_for)}` : 'not started') : `ended ${when(show.ended_at)}`),
    h('dt', {}, 'Who may join'), h('dd', {}, show.visibility));
  const parts = [facts];
  if (show.description) parts.unshift(h('p', { class: 'lead' }, show.description));
  if (show.state === 'scheduled' && mineToRun) {
    const start = h('button', { type: 'button', id: 'start-show' }, 'Go live');
    const out = h('div', {}, start);
    start.addEventListener('click', async () => {
      start.disabled = true;
      try {
        await api('POST', `/v1/shows/${q(show.id)}/start`);
        announce(`${show.title} is live.`);
        navigate(`/shows/${show.id}`, { replace: true });
      } catch (e) {
        out.append(problem(e));
        start.disabled = false;
      }
    });
    parts.push(out);
  }
  if (show.state === 'ended') {
    const [comments, history] = await Promise.all([
      get(`/v1/shows/${q(show.id)}/comments?limit=50`),
      get(`/v1/shows/${q(show.id)}/history?limit=50`),
    ]);
    const played = history.items.filter((e) => e.op === 'playback' && e.d.track && e.d.state === 'playing');
    parts.push(
      h('section', { 'aria-labelledby': 'said' }, h('h2', { id: 'said' }, 'Comments'),
        comments.items.length
          ? h('ol', { class: 'plain', id: 'ended-comments' }, comments.items.map((c) => h('li', {}, h('span', { class: 'muted' }, `${new Date(c.at).toLocaleTimeString()} `), c.text)))
          : h('p', { class: 'muted' }, 'Nobody commented.')),
      h('section', { 'aria-labelledby': 'played' }, h('h2', { id: 'played' }, 'What played'),
        played.length
          ? h('ol', { class: 'plain' }, played.map((e) => h('li', {}, h('span', { class: 'muted' }, `${new Date(e.at).toLocaleTimeString()} `), e.d.track.name)))
          : h('p', { class: 'muted' }, 'Nothing played.')));
  }
  return page(show.title, ...parts, h('p', {}, link('/shows', 'All shows')));
}
