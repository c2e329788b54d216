// A live show's room: who is there by role, raised hands, the controls of the creator and the
// moderators, comments with slow-mode feedback, reactions, and the show's playback heard in
// sync. The connection (live.js) heals a network blip by itself; the room only redraws.

import { get, q, session } from '../api.js';
import { announce, duration, h, link, navigate, page, problem } from '../dom.js';
import { LiveConnection } from '../live.js';
import { stopPlayer } from '../player.js';
import { showDetails } from './shows.js';

const RANK = { creator: 3, moderator: 2, speaker: 1, listener: 0 };
const ROLE_TITLES = [['creator', 'Host'], ['moderator', 'Moderators'], ['speaker', 'Speakers'], ['listener', 'Listeners']];
const REACTIONS = ['👏', '🔥', '❤️', '😂'];
const KEEP_COMMENTS = 200;
/** Drift beyond which a listener's audio is moved to where the show is. */
const MAX_DRIFT_MS = 120;

const names = new Map(); // user id -> display name (or a promise of it)

async function nameOf(id) {
  if (!names.has(id)) {
    names.set(id, get(`/v1/users/${q(id)}`).then((u) => u.display_name || u.username, () => 'someone'));
  }
  return names.get(id);
}

export async function showPage(id) {
  const show = await get(`/v1/shows/${q(id)}`);
  if (show.state !== 'live') return showDetails(show);
  return room(show);
}

function room(show) {
  const me = session.user.id;
  const st = {
    you: { role: 'listener', muted: false },
    people: new Map(), // user -> {role, muted}
    listeners: 0,
    audience: 0,
    hands: [],
    playback: null,
    tracks: [],
    slowMode: 0,
    controlsPlayback: false,
    ended: false,
  };
  const path = location.pathname;

  // --- the parts of the page ---------------------------------------------------------------
  const status = h('p', { id: 'live-status', class: 'muted', role: 'status' }, 'Connecting…');
  const audience = h('span', { id: 'audience' }, '');
  const nowTitle = h('p', { id: 'now-playing', class: 'lead' }, 'Nothing is playing yet.');
  const clock = h('p', { class: 'clock', id: 'show-clock', 'aria-hidden': 'true' }, '');
  const audio = h('audio', { id: 'show-audio', preload: 'auto' });
  const spotifyNote = h('p', { class: 'muted', hidden: true });
  const controls = h('div', { class: 'row', id: 'show-controls', hidden: true, role: 'group', 'aria-label': 'Playback controls' });
  const trackList = h('ol', { class: 'tracks', id: 'show-tracks', 'aria-label': 'The show\'s playlist' });
  const trackBox = h('details', { hidden: true }, h('summary', {}, 'Playlist'), trackList);
  const people = h('div', { id: 'people' });
  const hands = h('ol', { id: 'hands', class: 'plain', 'aria-label': 'Raised hands, in order' });
  const mine = h('div', { class: 'row', id: 'my-actions', role: 'group', 'aria-label': 'Your actions' });
  const comments = h('ol', { id: 'comments', class: 'plain' });
  const commentLog = h('div', { class: 'comments', role: 'log', 'aria-live': 'polite', 'aria-label': 'Comments' }, comments);
  const text = h('input', { id: 'comment-text', name: 'comment-text', maxlength: 500, autocomplete: 'off', required: true });
  const send = h('button', { type: 'submit' }, 'Send');
  const slowNote = h('p', { id: 'slow-note', class: 'muted', 'aria-live': 'polite' });
  const form = h('form', { id: 'comment-form', class: 'row' },
    h('label', { for: 'comment-text', class: 'visually-hidden' }, 'Comment'), text, send);
  const slowPicker = h('select', { id: 'slow-mode', name: 'slow-mode', hidden: true, 'aria-label': 'Slow mode' },
    [0, 1, 5, 10, 30, 60].map((s) => h('option', { value: String(s) }, s ? `Slow mode: ${s} s` : 'Slow mode off')));
  const reactions = h('p', { id: 'reactions', 'aria-live': 'off' });
  const reactButtons = h('div', { class: 'row', role: 'group', 'aria-label': 'React' },
    REACTIONS.map((emoji) => h('button', { type: 'button', class: 'secondary small', 'aria-label': `React ${emoji}`, onclick: () => act('react', { emoji }) }, emoji)));
  const endButton = h('button', { type: 'button', id: 'end-show', class: 'secondary', hidden: true }, 'End show');
  const errors = h('div', { id: 'room-errors' });

  // --- acting ------------------------------------------------------------------------------
  const conn = new LiveConnection(show.id, {
    welcome, resumed: () => { audioSync(); }, event, status: (t, live) => { status.textContent = t; status.classList.toggle('ok', live); }, closed,
  });

  async function act(op, d = {}) {
    errors.replaceChildren();
    try {
      return await conn.send(op, d);
    } catch (e) {
      errors.replaceChildren(problem(e));
      announce(e.message);
      throw e;
    }
  }
  const quietly = (op, d) => act(op, d).catch(() => {});

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = text.value.trim();
    if (!body) return;
    send.disabled = true;
    try {
      await act('comment', { text: body });
      text.value = '';
      if (st.slowMode > 0 && RANK[st.you.role] < RANK.moderator) waitSlowMode(st.slowMode);
      else send.disabled = false;
    } catch (e) {
      if (e.code === 'rate_limited') {
        const said = /again in ([\d.]+) s/.exec(e.message); // the server says how long is left
        waitSlowMode(said ? Math.ceil(Number(said[1])) : Math.max(1, st.slowMode));
      }
      else send.disabled = false;
    }
  });
  let slowTimer = null;
  function waitSlowMode(seconds) {
    clearInterval(slowTimer);
    let left = seconds;
    send.disabled = true;
    slowNote.textContent = `Slow mode: you can comment again in ${left} s.`;
    slowTimer = setInterval(() => {
      left -= 1;
      if (left > 0) { slowNote.textContent = `Slow mode: you can comment again in ${left} s.`; return; }
      clearInterval(slowTimer);
      send.disabled = false;
      slowNote.textContent = st.slowMode ? `Slow mode is on: one comment every ${st.slowMode} s.` : '';
    }, 1000);
  }
  slowPicker.addEventListener('change', () => quietly('slow_mode.set', { seconds: Number(slowPicker.value) }));
  // Ending is asked twice: it cannot be undone and it closes everyone's room.
  const endConfirm = h('div', { class: 'row', id: 'end-confirm', hidden: true, role: 'group', 'aria-label': 'End the show?' },
    h('span', {}, 'End the show for everyone? This cannot be undone.'),
    h('button', { type: 'button', id: 'end-show-yes', onclick: () => quietly('show.end') }, 'Yes, end it'),
    h('button', { type: 'button', class: 'secondary', onclick: () => { endConfirm.hidden = true; endButton.focus(); } }, 'Cancel'));
  endButton.addEventListener('click', () => {
    endConfirm.hidden = false;
    endConfirm.querySelector('#end-show-yes').focus();
  });

  // --- the state from the server -------------------------------------------------------------
  function welcome(d) {
    st.you = d.you;
    st.people = new Map(d.participants.map((p) => [p.user, { role: p.role, muted: p.muted }]));
    st.listeners = d.listeners;
    st.audience = d.audience;
    st.hands = d.hands.slice();
    st.playback = d.playback;
    st.tracks = (d.show.playlist && d.show.playlist.tracks) || [];
    st.slowMode = d.slow_mode;
    st.controlsPlayback = d.show.moderators_control_playback;
    comments.replaceChildren();
    for (const c of d.comments) addComment(c);
    drawAll();
    audioSync();
  }

  function event(op, d) {
    switch (op) {
      case 'joined': setPerson(d.user, { role: d.role, muted: false }); break;
      case 'left': case 'removed': case 'banned':
        if (op !== 'left') announceAbout(d.user, op === 'banned' ? 'was banned' : 'was removed');
        st.people.delete(d.user); st.hands = st.hands.filter((u) => u !== d.user); break;
      case 'audience':
        // Only the count changes: the people (and a moderator's buttons, maybe under the
        // pointer) are redrawn only when listeners beyond the named ones are counted there.
        st.audience = d.count;
        audience.textContent = `${st.audience} here`;
        if (st.listeners > 100) drawPeople();
        return;
      case 'comment': addComment(d); return;
      case 'comment.deleted': { const li = comments.querySelector(`[data-id="${CSS.escape(d.id)}"]`); if (li) li.remove(); return; }
      case 'hand.raised': if (!st.hands.includes(d.user)) st.hands.push(d.user); break;
      case 'hand.lowered': st.hands = st.hands.filter((u) => u !== d.user); break;
      case 'role.changed':
        setPerson(d.user, { role: d.role });
        if (d.user === me) announce(`You are now ${d.role === 'speaker' ? 'a speaker' : `a ${d.role}`}.`);
        break;
      case 'muted': case 'unmuted': setPerson(d.user, { muted: op === 'muted' }); break;
      case 'playback': st.playback = d; audioSync(); break;
      case 'slow_mode.changed': st.slowMode = d.seconds; break;
      case 'reaction': showReaction(d); return;
      case 'show.ended': st.ended = true; break;
      default: return;
    }
    drawAll();
  }

  function closed(code, message) {
    stopTimers();
    audio.pause();
    status.textContent = message;
    status.classList.remove('ok');
    form.hidden = true;
    controls.hidden = true;
    mine.replaceChildren(link(`/shows/${show.id}`, code === 4010 ? 'See what was said and played' : 'Back to the show'));
    announce(message);
  }

  function setPerson(user, change) {
    const was = st.people.get(user) || { role: 'listener', muted: false };
    const now = { ...was, ...change };
    if (now.role === 'listener' && st.listeners > 100 && !st.people.has(user)) return;
    st.people.set(user, now);
    if (user === me) st.you = { ...st.you, ...change };
  }

  async function announceAbout(user, what) {
    announce(`${await nameOf(user)} ${what}.`);
  }

  // --- drawing ------------------------------------------------------------------------------
  function drawAll() {
    audience.textContent = `${st.audience} here`;
    drawPlayback();
    drawPeople();
    drawMine();
    const moderating = RANK[st.you.role] >= RANK.moderator;
    slowPicker.hidden = !moderating;
    if (!slowPicker.options[slowPicker.selectedIndex] || Number(slowPicker.value) !== st.slowMode) {
      if (![...slowPicker.options].some((o) => Number(o.value) === st.slowMode)) slowPicker.append(h('option', { value: String(st.slowMode) }, `Slow mode: ${st.slowMode} s`));
      slowPicker.value = String(st.slowMode);
    }
    if (!slowTimer || send.disabled === false) slowNote.textContent = st.slowMode > 1 ? `Slow mode is on: one comment every ${st.slowMode} s.` : '';
    endButton.hidden = st.you.role !== 'creator' || st.ended;
    if (endButton.hidden) endConfirm.hidden = true;
    text.disabled = st.you.muted;
    text.placeholder = st.you.muted ? 'A moderator muted you' : 'Say something';
  }

  const controlling = () => st.you.role === 'creator' || (st.you.role === 'moderator' && st.controlsPlayback);

  function drawPlayback() {
    const pb = st.playback;
    const track = pb && pb.track;
    nowTitle.textContent = track ? `${pb.state === 'playing' ? 'Playing' : pb.state === 'paused' ? 'Paused' : 'Stopped'}: ${track.name} · ${(track.artists || []).map((a) => a.name || a).join(', ')}` : 'Nothing is playing yet.';
    spotifyNote.hidden = !(track && !track.stream_url);
    spotifyNote.replaceChildren(track && track.spotify_uri && !track.stream_url
      ? h('span', {}, 'This song plays in your own Spotify app: ', h('a', { href: track.spotify_uri }, 'open it in Spotify'), '.')
      : 'This song has no audio in Medley.');
    controls.hidden = !controlling();
    trackBox.hidden = !controlling() || !st.tracks.length;
    if (controlling()) {
      const playing = pb && pb.state === 'playing';
      controls.replaceChildren(
        h('button', { type: 'button', class: 'icon', 'aria-label': 'Previous song', onclick: () => quietly('playback.prev') }, '⏮'),
        h('button', { type: 'button', class: 'icon', id: 'show-play', 'aria-label': playing ? 'Pause the show' : 'Play the show', onclick: () => quietly(playing ? 'playback.pause' : 'playback.play') }, playing ? '⏸' : '▶'),
        h('button', { type: 'button', class: 'icon', 'aria-label': 'Next song', onclick: () => quietly('playback.next') }, '⏭'));
      trackList.replaceChildren(...st.tracks.map((t, index) => h('li', { class: 'track' },
        h('span', {}, t.name), ' ',
        h('button', { type: 'button', class: 'small secondary', 'aria-label': `Play ${t.name} for everyone`, onclick: () => quietly('playback.play', { index }) }, 'Play'))));
    }
  }

  function drawPeople() {
    const byRole = new Map(ROLE_TITLES.map(([role]) => [role, []]));
    for (const [user, p] of st.people) byRole.get(p.role).push([user, p]);
    const myRank = RANK[st.you.role];
    people.replaceChildren(...ROLE_TITLES.flatMap(([role, title]) => {
      const list = byRole.get(role);
      // Above 100 listeners are counted, not listed: everyone present who is not named above.
      const listeners = Math.max(list.length, st.audience - [...st.people.values()].filter((p) => p.role !== 'listener').length);
      const count = role === 'listener' && listeners > list.length ? ` (${listeners})` : '';
      if (!list.length && role !== 'listener') return [];
      return h('section', { 'aria-label': title },
        h('h3', {}, `${title}${count}`),
        h('ul', { class: 'plain', 'data-role': role }, list.map(([user, p]) => {
          const name = h('span', { class: 'name' }, '…');
          nameOf(user).then((n) => { name.textContent = n; });
          const li = h('li', { 'data-user': user }, name, user === me ? ' (you)' : '', p.muted ? h('span', { class: 'muted' }, ' · muted') : '');
          if (user !== me && myRank >= RANK.moderator && RANK[p.role] < myRank) li.append(' ', personActions(user, p));
          return li;
        })));
    }));
    hands.replaceChildren(...st.hands.map((user) => {
      const name = h('span', {}, '…');
      nameOf(user).then((n) => { name.textContent = n; });
      const li = h('li', { 'data-user': user }, name);
      if (myRank >= RANK.moderator) {
        nameOf(user).then((n) => li.append(' ',
          h('button', { type: 'button', class: 'small', 'aria-label': `Accept ${n}`, title: `Let ${n} speak`, onclick: () => quietly('hand.accept', { user }) }, 'Accept'), ' ',
          h('button', { type: 'button', class: 'small secondary', 'aria-label': `Decline ${n}`, onclick: () => quietly('hand.reject', { user }) }, 'Decline')));
      }
      return li;
    }));
    if (!st.hands.length) hands.replaceChildren(h('li', { class: 'muted' }, 'No hands raised.'));
  }

  function personActions(user, p) {
    const box = h('span', { class: 'person-actions' });
    nameOf(user).then((n) => {
      // The accessible name starts with the visible text, then says whom.
      const b = (text, op, d) => h('button', { type: 'button', class: 'small secondary', 'aria-label': `${text}: ${n}`, onclick: () => quietly(op, { user, ...d }) }, text);
      const items = [];
      if (p.role === 'listener') items.push(b('Make speaker', 'role.set', { role: 'speaker' }));
      if (p.role === 'speaker') items.push(b('Move to listeners', 'role.set', { role: 'listener' }));
      if (st.you.role === 'creator' && p.role !== 'moderator') items.push(b('Make moderator', 'role.set', { role: 'moderator' }));
      if (st.you.role === 'creator' && p.role === 'moderator') items.push(b('Dismiss moderator', 'role.set', { role: 'listener' }));
      items.push(p.muted ? b('Unmute', 'unmute') : b('Mute', 'mute'));
      items.push(b('Remove', 'remove'), b('Ban', 'ban'));
      box.append(...items.flatMap((i) => [i, ' ']));
    });
    return box;
  }

  function drawMine() {
    const items = [];
    const raised = st.hands.includes(me);
    if (st.you.role === 'listener') {
      items.push(h('button', { type: 'button', id: 'hand', 'aria-pressed': String(raised), onclick: () => quietly(raised ? 'hand.lower' : 'hand.raise') }, raised ? 'Lower hand' : 'Raise hand'));
    } else if (st.you.role !== 'creator') {
      items.push(h('button', { type: 'button', class: 'secondary', onclick: () => quietly('role.set', { user: me, role: 'listener' }) }, 'Step down to listener'));
    }
    items.push(h('button', { type: 'button', class: 'secondary', id: 'leave-show', onclick: () => { conn.close(); navigate('/shows'); } }, 'Leave'));
    mine.replaceChildren(...items);
  }

  function addComment(c) {
    const who = h('strong', {}, '…');
    nameOf(c.user).then((n) => { who.textContent = n; });
    const li = h('li', { 'data-id': c.id }, who, ' ', h('span', { class: 'comment-text' }, c.text), ' ',
      h('span', { class: 'muted' }, new Date(c.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
    if (c.user === me || RANK[st.you.role] >= RANK.moderator) {
      li.append(' ', h('button', { type: 'button', class: 'link small', 'aria-label': 'Delete this comment', onclick: () => quietly('comment.delete', { id: c.id }) }, 'Delete'));
    }
    comments.append(li);
    while (comments.children.length > KEEP_COMMENTS) comments.firstElementChild.remove();
    commentLog.scrollTop = commentLog.scrollHeight;
  }

  const shown = new Map();
  function showReaction({ emoji, count }) {
    shown.set(emoji, count);
    reactions.textContent = [...shown].map(([e, n]) => `${e} ${n}`).join('  ');
    clearTimeout(showReaction.timer);
    showReaction.timer = setTimeout(() => { shown.clear(); reactions.textContent = ''; }, 3000);
  }

  // --- playback in sync ---------------------------------------------------------------------
  let loadedKey = null;
  let lastSeek = 0;
  let startTimer = null;
  /** Where the show is now, in ms into the current track (docs/LIVE.md: position + (now - at)). */
  function showPosition() {
    const pb = st.playback;
    if (!pb || !pb.track) return 0;
    if (pb.state !== 'playing') return pb.position_ms;
    return pb.position_ms + Math.max(0, conn.serverNow() - pb.at);
  }

  function audioSync() {
    clearTimeout(startTimer);
    const pb = st.playback;
    const url = pb && pb.track && pb.track.stream_url;
    if (!url || st.ended) { audio.pause(); return; }
    const key = `${pb.index}:${pb.track.uri}`;
    if (key !== loadedKey) {
      loadedKey = key;
      audio.src = url;
    }
    if (pb.state !== 'playing') {
      audio.pause();
      audio.currentTime = pb.position_ms / 1000;
      return;
    }
    const wait = pb.at - conn.serverNow();
    if (wait > 0) {
      audio.pause();
      audio.currentTime = pb.position_ms / 1000;
      startTimer = setTimeout(audioSync, wait);
      return;
    }
    correct(true);
    audio.play().catch(() => {
      status.textContent = 'Press play to hear the show (your browser blocked autoplay).';
    });
  }

  function correct(force = false) {
    const pb = st.playback;
    if (!pb || pb.state !== 'playing' || !pb.track || !pb.track.stream_url) return;
    const target = showPosition();
    const drift = audio.currentTime * 1000 - target;
    if (force || (Math.abs(drift) > MAX_DRIFT_MS && Date.now() - lastSeek > 1500)) {
      lastSeek = Date.now();
      audio.currentTime = target / 1000;
    }
  }

  const ticker = setInterval(() => {
    if (location.pathname !== path) return leave();
    const pb = st.playback;
    if (pb && pb.track) clock.textContent = `${duration(showPosition())} / ${duration(pb.track.duration_ms)}`;
    correct();
  }, 250);

  function stopTimers() {
    clearInterval(ticker);
    clearInterval(slowTimer);
    clearTimeout(startTimer);
  }
  function leave() {
    stopTimers();
    window.removeEventListener('medley:navigate', onNavigate);
    window.removeEventListener('popstate', onNavigate);
    audio.pause();
    audio.removeAttribute('src');
    conn.close();
  }
  function onNavigate() {
    if (location.pathname !== path) leave();
  }
  window.addEventListener('medley:navigate', onNavigate);
  window.addEventListener('popstate', onNavigate);

  stopPlayer().catch(() => {});
  conn.open();

  return page(show.title,
    h('p', { class: 'muted' }, `Hosted by ${show.creator.display_name || show.creator.id} · `, audience),
    status, errors,
    h('section', { class: 'card', 'aria-labelledby': 'now-heading' },
      h('h2', { id: 'now-heading' }, 'Now playing'), nowTitle, clock, spotifyNote, controls, trackBox, audio),
    h('div', { class: 'columns' },
      h('section', { class: 'card', 'aria-labelledby': 'people-heading' },
        h('h2', { id: 'people-heading' }, 'People'), mine,
        h('h3', {}, 'Raised hands'), hands, people),
      h('section', { class: 'card', 'aria-labelledby': 'comments-heading' },
        h('h2', { id: 'comments-heading' }, 'Comments'), commentLog, form, slowNote, slowPicker, reactButtons, reactions)),
    endButton, endConfirm);
}
