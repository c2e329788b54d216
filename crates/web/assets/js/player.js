// The player: one <audio> element in a bar outside <main>, so it keeps playing while the
// router replaces pages. A queue, play/pause, seek, previous/next, volume, keyboard shortcuts,
// the Media Session API (lock-screen and headset controls), and each play reported once.
//
// Audio comes from GET /v1/tracks/{id}/stream-url: a short-lived signed URL the <audio>
// element can fetch without an Authorization header. When it runs out mid-track (a seek asks
// for a new range), a fresh one is fetched and playback resumes where it was.
//
// Plays: when a queue entry is left (it ended, or the listener moved on) after at least a
// second was heard, one POST /v1/me/player/plays is sent with the time heard and the moment it
// was left as `played_at`. The body is fixed when the entry is left, so a retry sends the same
// play, which the server records once (its deduplication key is the track and the end time).

import { api, get, session } from './api.js';
import { announce, duration, h } from './dom.js';

const SEEK_STEP_S = 5;
const VOLUME_STEP = 0.1;
const MIN_REPORTED_MS = 1000;

const state = {
  queue: [], // tracks (the API's track objects)
  index: -1,
  heardMs: 0, // of the current entry
  lastTime: null, // audio.currentTime at the last timeupdate while playing
  loading: 0, // ticket of the latest load
  position: 0, // where the listener last put the current entry (seconds): a recovery resumes there
};

const audio = h('audio', { preload: 'auto', id: 'audio' });
const title = h('span', { class: 'now-title' });
const by = h('span', { class: 'now-by muted' });
const elapsed = h('span', { class: 'clock', 'aria-hidden': 'true' }, '0:00');
const total = h('span', { class: 'clock', 'aria-hidden': 'true' }, '0:00');
const seek = h('input', { type: 'range', id: 'seek', min: '0', max: '0', step: '1', value: '0', 'aria-label': 'Position' });
const volume = h('input', { type: 'range', id: 'volume', min: '0', max: '100', step: '5', value: '100', 'aria-label': 'Volume' });
const button = (label, text, onclick, keys) =>
  h('button', { type: 'button', class: 'icon', 'aria-label': label, title: label, 'aria-keyshortcuts': keys, onclick }, text);
const prevButton = button('Previous', '⏮', () => previous(), 'Shift+ArrowLeft');
const playButton = button('Play', '▶', () => toggle(), 'Space');
const nextButton = button('Next', '⏭', () => next(), 'Shift+ArrowRight');
const queueButton = h('button', { type: 'button', class: 'small', 'aria-expanded': 'false', 'aria-controls': 'queue' }, 'Queue');
const queueList = h('ol', { class: 'queue-list', 'aria-label': 'Queue' });
const queuePanel = h('section', { id: 'queue', class: 'queue card', hidden: true, 'aria-label': 'Queue' },
  h('h2', {}, 'Queue'), queueList,
  h('button', { type: 'button', class: 'small', onclick: () => { clear(); announce('Queue cleared.'); } }, 'Clear queue'));
const spinner = h('span', { class: 'spinner', hidden: true, role: 'img', 'aria-label': 'Loading' });

/** The bar, placed once in the page by app.js. */
export function playerBar() {
  const bar = h('section', { id: 'player', class: 'player', 'aria-label': 'Player', hidden: true },
    queuePanel,
    h('div', { class: 'now' }, title, by),
    h('div', { class: 'controls' }, prevButton, playButton, nextButton, spinner),
    h('div', { class: 'position' }, elapsed, seek, total),
    h('div', { class: 'volume' }, h('label', { for: 'volume', class: 'muted' }, 'Vol'), volume, queueButton),
    audio);
  queueButton.addEventListener('click', () => {
    const open = queuePanel.hidden;
    queuePanel.hidden = !open;
    queueButton.setAttribute('aria-expanded', String(open));
    if (open) drawQueue();
  });
  return bar;
}

/** Plays `tracks` as the queue, from `start`. */
export function playList(tracks, start = 0) {
  leave(false);
  state.queue = tracks.slice();
  state.index = -1;
  load(start, true);
}

/** Adds a track at the end of the queue (and plays it when nothing is queued). */
export function enqueue(track) {
  state.queue.push(track);
  announce(`Added ${track.name} to the queue.`);
  if (state.index < 0) load(state.queue.length - 1, true);
  else {
    nextButton.disabled = false;
    drawQueue();
  }
  show();
}

function show() {
  document.getElementById('player').hidden = false;
  document.body.classList.add('playing');
}

async function load(index, autoplay) {
  if (index < 0 || index >= state.queue.length) return;
  state.index = index;
  state.heardMs = 0;
  state.lastTime = null;
  state.reported = false;
  const track = state.queue[index];
  const ticket = ++state.loading;
  show();
  title.textContent = track.name;
  by.textContent = (track.artists || []).map((a) => a.name).join(', ');
  total.textContent = duration(track.duration_ms || 0);
  seek.max = String(Math.round((track.duration_ms || 0) / 1000));
  seek.value = '0';
  elapsed.textContent = '0:00';
  seek.setAttribute('aria-valuetext', `0:00 of ${duration(track.duration_ms || 0)}`);
  prevButton.disabled = false;
  nextButton.disabled = index >= state.queue.length - 1;
  mediaSession(track);
  drawQueue();
  spinner.hidden = false;
  // Until the new URL is in, the element would go on playing the entry before: its position
  // would be taken for this one's (Previous would restart the old song instead of going
  // back), its time heard counted for this one, and its end would skip this one. Empty it now.
  if (audio.src) {
    audio.removeAttribute('src');
    audio.load();
  }
  try {
    const link = await get(`/v1/tracks/${track.id}/stream-url`);
    if (ticket !== state.loading) return;
    audio.src = link.url;
    if (autoplay) await audio.play();
  } catch (e) {
    if (ticket !== state.loading) return;
    spinner.hidden = true;
    const why = e.status === 404 ? `${track.name} has no audio in this library.` : e.message;
    announce(why);
    error(why);
  }
}

function error(message) {
  let p = document.getElementById('player-error');
  if (!p) {
    p = h('p', { id: 'player-error', class: 'error', role: 'alert' });
    document.querySelector('#player .now').append(p);
  }
  p.textContent = message;
}

function clearError() {
  document.getElementById('player-error')?.remove();
}

function toggle() {
  if (state.index < 0) return;
  if (audio.paused) {
    if (!audio.src) load(state.index, true);
    else audio.play().catch((e) => error(e.message));
  } else audio.pause();
}

function next() {
  if (state.index + 1 >= state.queue.length) return;
  leave(false);
  load(state.index + 1, true);
}

function previous() {
  // Like most players: back to the start, unless it has only just begun.
  if (audio.currentTime > 3 || state.index <= 0) {
    seekTo(0);
    return;
  }
  leave(false);
  load(state.index - 1, true);
}

function clear() {
  const reported = leave(false);
  audio.removeAttribute('src');
  audio.load();
  state.queue = [];
  state.index = -1;
  document.getElementById('player').hidden = true;
  document.body.classList.remove('playing');
  queueButton.setAttribute('aria-expanded', 'false');
  queuePanel.hidden = true;
  return reported;
}

/** Stops playing and empties the queue (before signing out: what was heard is reported). */
export async function stopPlayer() {
  if (state.index < 0) return;
  await clear();
}

function setVolume(v) {
  audio.volume = Math.min(1, Math.max(0, v));
  volume.value = String(Math.round(audio.volume * 100));
  volume.setAttribute('aria-valuetext', `${volume.value}%`);
}

function seekTo(seconds) {
  const max = Number.isFinite(audio.duration) ? audio.duration : Number(seek.max);
  state.position = Math.min(Math.max(0, seconds), max || 0);
  audio.currentTime = state.position;
}

/** The current entry is left: report it once if enough was heard. */
function leave(ended) {
  const track = state.queue[state.index];
  if (!track || state.reported) return Promise.resolve();
  count();
  state.reported = true;
  const heard = Math.round(state.heardMs);
  if (heard < MIN_REPORTED_MS || !session.user) return Promise.resolve();
  const body = {
    track: track.uri || `medley:track:${track.id}`,
    played_at: new Date().toISOString(),
    ms_played: heard,
    skipped: !ended,
  };
  return report(body, 3);
}

async function report(body, tries) {
  try {
    await api('POST', '/v1/me/player/plays', body);
  } catch (e) {
    // The same body again is the same play: the server counts it once.
    if (tries > 1 && (e.status === 0 || e.status >= 500)) setTimeout(() => report(body, tries - 1), 2000);
  }
}

/** Adds the time heard since the last update (only while actually playing). */
function count() {
  const now = audio.currentTime;
  if (state.lastTime !== null && !audio.paused) {
    const delta = now - state.lastTime;
    if (delta > 0 && delta < 2) state.heardMs += delta * 1000; // a jump is a seek, not listening
  }
  state.lastTime = audio.paused ? null : now;
}

function drawQueue() {
  if (queuePanel.hidden) return;
  queueList.replaceChildren(...state.queue.map((track, i) => h('li', { class: i === state.index ? 'current' : '' },
    h('button', { type: 'button', class: 'link', 'aria-current': i === state.index ? 'true' : null,
      onclick: () => { leave(false); load(i, true); } }, track.name),
    h('span', { class: 'muted' }, ` ${(track.artists || []).map((a) => a.name).join(', ')}`),
    i === state.index ? null : h('button', { type: 'button', class: 'small', 'aria-label': `Remove ${track.name} from the queue`,
      onclick: () => remove(i) }, '✕'))));
}

function remove(i) {
  const [gone] = state.queue.splice(i, 1);
  if (i < state.index) state.index -= 1;
  nextButton.disabled = state.index >= state.queue.length - 1;
  drawQueue();
  announce(`Removed ${gone.name} from the queue.`);
  queueList.querySelector('button')?.focus();
}

function mediaSession(track) {
  if (!('mediaSession' in navigator)) return;
  const images = track.album?.images || [];
  const artwork = images.length
    ? images.map((i) => ({ src: i.url, sizes: i.width ? `${i.width}x${i.height}` : undefined }))
    : [{ src: document.querySelector('link[rel=icon]').href, type: 'image/svg+xml', sizes: 'any' }];
  navigator.mediaSession.metadata = new MediaMetadata({
    title: track.name,
    artist: (track.artists || []).map((a) => a.name).join(', '),
    album: track.album?.name || '',
    artwork,
  });
}

function positionState() {
  if (!('mediaSession' in navigator) || !Number.isFinite(audio.duration)) return;
  try {
    navigator.mediaSession.setPositionState({
      duration: audio.duration, playbackRate: audio.playbackRate, position: Math.min(audio.currentTime, audio.duration),
    });
  } catch { /* a browser that refuses a state keeps its own */ }
}

if ('mediaSession' in navigator) {
  const handlers = {
    play: () => audio.play(),
    pause: () => audio.pause(),
    stop: () => audio.pause(),
    previoustrack: () => previous(),
    nexttrack: () => next(),
    seekbackward: (d) => seekTo(audio.currentTime - (d.seekOffset || SEEK_STEP_S)),
    seekforward: (d) => seekTo(audio.currentTime + (d.seekOffset || SEEK_STEP_S)),
    seekto: (d) => seekTo(d.seekTime),
  };
  for (const [action, handler] of Object.entries(handlers)) {
    try { navigator.mediaSession.setActionHandler(action, handler); } catch { /* not supported here */ }
  }
}

audio.addEventListener('playing', () => {
  spinner.hidden = true;
  clearError();
  state.lastTime = audio.currentTime;
});
audio.addEventListener('play', () => {
  playButton.textContent = '⏸';
  playButton.setAttribute('aria-label', 'Pause');
  playButton.title = 'Pause';
  if ('mediaSession' in navigator) navigator.mediaSession.playbackState = 'playing';
});
audio.addEventListener('pause', () => {
  count();
  playButton.textContent = '▶';
  playButton.setAttribute('aria-label', 'Play');
  playButton.title = 'Play';
  if ('mediaSession' in navigator) navigator.mediaSession.playbackState = 'paused';
});
audio.addEventListener('waiting', () => { spinner.hidden = false; });
audio.addEventListener('seeking', () => { count(); state.lastTime = null; });
audio.addEventListener('seeked', () => { state.lastTime = audio.paused ? null : audio.currentTime; });
audio.addEventListener('timeupdate', () => {
  count();
  const t = audio.currentTime;
  elapsed.textContent = duration(t * 1000);
  if (document.activeElement !== seek) seek.value = String(Math.floor(t));
  seek.setAttribute('aria-valuetext', `${duration(t * 1000)} of ${total.textContent}`);
});
audio.addEventListener('durationchange', () => {
  if (!Number.isFinite(audio.duration)) return;
  seek.max = String(Math.ceil(audio.duration));
  total.textContent = duration(audio.duration * 1000);
  positionState();
});
audio.addEventListener('seeked', positionState);
audio.addEventListener('ended', () => {
  leave(true);
  if (state.index + 1 < state.queue.length) load(state.index + 1, true);
});
audio.addEventListener('error', async () => {
  if (!audio.src || state.index < 0) return;
  // A signed URL that ran out: get a fresh one and carry on from where it stopped, or from
  // where the listener moved it meanwhile (a seek or Previous while the new URL comes).
  state.position = audio.currentTime;
  const wasPlaying = !audio.paused || audio.autoplay;
  const track = state.queue[state.index];
  if (state.retried === track) {
    spinner.hidden = true;
    error(`${track.name} could not be played.`);
    return;
  }
  state.retried = track;
  try {
    const link = await get(`/v1/tracks/${track.id}/stream-url`);
    audio.src = link.url;
    audio.currentTime = state.position;
    if (wasPlaying) await audio.play();
  } catch (e) {
    spinner.hidden = true;
    error(e.message);
  }
});
seek.addEventListener('input', () => { elapsed.textContent = duration(Number(seek.value) * 1000); });
seek.addEventListener('change', () => seekTo(Number(seek.value)));
volume.addEventListener('input', () => setVolume(Number(volume.value) / 100));

// Shortcuts, unless the keyboard is busy elsewhere: typing in a field, on a button or link
// (where space and Enter act), or on a slider (where arrows move it).
function keyboardIsBusy(target) {
  if (!(target instanceof Element)) return false;
  return !!target.closest('input, textarea, select, button, a[href], [contenteditable], [role=slider], [role=listbox], [role=menu], audio, video');
}

document.addEventListener('keydown', (event) => {
  if (state.index < 0 || event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
  if (keyboardIsBusy(event.target)) return;
  const act = {
    ' ': () => toggle(),
    ArrowLeft: () => (event.shiftKey ? previous() : seekTo(audio.currentTime - SEEK_STEP_S)),
    ArrowRight: () => (event.shiftKey ? next() : seekTo(audio.currentTime + SEEK_STEP_S)),
    ArrowUp: () => setVolume(audio.volume + VOLUME_STEP),
    ArrowDown: () => setVolume(audio.volume - VOLUME_STEP),
  }[event.key];
  if (!act) return;
  event.preventDefault();
  act();
});

// Leaving the page reports what was heard (the request outlives the page).
window.addEventListener('pagehide', () => {
  const track = state.queue[state.index];
  if (!track || state.reported || !session.csrf) return;
  count();
  state.reported = true;
  if (state.heardMs < MIN_REPORTED_MS) return;
  fetch('/v1/me/player/plays', {
    method: 'POST', keepalive: true, credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf },
    body: JSON.stringify({ track: track.uri || `medley:track:${track.id}`, played_at: new Date().toISOString(),
      ms_played: Math.round(state.heardMs), skipped: true }),
  });
});

window.addEventListener('medley:signed-out', () => { if (state.index >= 0) clear(); });

/** For tests and diagnostics: what the player holds. */
export const playerState = () => ({ queue: state.queue.map((t) => t.id), index: state.index, heardMs: state.heardMs });
